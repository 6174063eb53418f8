import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutSolver

/// libvirt output for Arm virt (aarch64): a complete domain libvirt's schema accepts, saying what
/// the QEMU arguments say; merged into a `virsh dumpxml` domain; read back by verify.
@Suite("libvirt domain XML for Arm virt")
struct LibvirtVirtXMLTests {
    static let gib: UInt64 = 1 << 30
    static let armFleet = ["Examples/fleets/arm64/"]
    static let fixture = "Tests/QEMUIntegrationTests/Fixtures/dumpxml-virt-7.2-hostdev.xml"

    func solve(_ hostPaths: [String], _ vm: VMSpec) throws -> Solution {
        try Solver.solve(hosts: InputLoader.loadHosts(paths: hostPaths.map(Fixture.path)), vm: vm)
    }

    func values(_ xml: String, _ xpath: String) throws -> [String] {
        try XMLDocument(xmlString: xml, options: []).nodes(forXPath: xpath).map { $0.stringValue ?? "" }
    }

    func virtKnobs(_ layout: GuestLayout) throws -> VirtKnobs {
        try #require(layout.knobs.virt, "expected a virt layout")
    }

    /// Examples/vm/arm-8g: boot RAM below the D05's ITS doorbell, the rest in a DIMM.
    @Test func armDomainIsCompleteAndSaysWhatTheQEMUArgumentsSay() throws {
        let vm = try InputLoader.loadVM(path: Fixture.path("Examples/vm/arm-8g.json"))
        let layout = try solve(Self.armFleet, vm).layout.guest
        let knobs = try virtKnobs(layout)
        let xml = try LibvirtXML.document(for: layout, options: .init(vcpus: 4))
        #expect(try values(xml, "/domain/@type") == ["kvm"])
        #expect(try values(xml, "/domain/name") == ["arm-8g"])
        #expect(try values(xml, "/domain/os/type/@arch") == ["aarch64"])
        #expect(try values(xml, "/domain/os/type/@machine") == ["virt-7.2"])
        #expect(try values(xml, "/domain/os/@firmware") == ["efi"])
        #expect(try values(xml, "/domain/features/gic/@version") == ["3"])
        #expect(try values(xml, "/domain/features/acpi").count == 1)
        #expect(try values(xml, "/domain/cpu/@mode") == ["host-passthrough"])
        #expect(try values(xml, "/domain/cpu/maxphysaddr").isEmpty, "libvirt 9.0 refuses maxphysaddr for aarch64")
        #expect(try values(xml, "/domain/cpu/numa/cell/@cpus") == ["0-3"])
        #expect(try values(xml, "/domain/cpu/numa/cell/@memory") == [String(knobs.ramSize / 1024)])
        #expect(try values(xml, "/domain/maxMemory") == [String(try #require(knobs.maxmem) / 1024)])
        #expect(try values(xml, "/domain/maxMemory/@slots") == [String(knobs.slots)])
        let dimmBytes = knobs.dimms.reduce(UInt64(0)) { $0 + $1.size }
        #expect(!knobs.dimms.isEmpty)
        #expect(try values(xml, "/domain/memory") == [String((knobs.ramSize + dimmBytes) / 1024)])
        #expect(try values(xml, "/domain/devices/memory/address/@base") == knobs.dimms.map { Hex.format($0.address) })
        // virt-7.2 with no 8.0+ knob: nothing for <qemu:commandline>, the domain is not tainted.
        #expect(try values(xml, "//*[local-name()='commandline']").isEmpty)
        #expect(!xml.contains("custom-argv"))
        // GIC version 4 is not in libvirt 9.0's schema (domaincommon.rng), hence refused above 3.
        let (gic4, _) = try LibvirtXMLTests.virtXMLValidate(xml.replacingOccurrences(of: "<gic version='3'/>", with: "<gic version='4'/>"))
        #expect(gic4 != 0)

        let (status, output) = try LibvirtXMLTests.virtXMLValidate(xml)
        #expect(status == 0, "virt-xml-validate rejected:\n\(xml)\n\(output)")

        // verify --libvirt-domain reads back the same knobs and passes on every host.
        let (read, version) = try LibvirtDomainReader.read(xml, source: "test")
        #expect(read.machineType == "virt-7.2" && read.machineProperties["gic-version"] == "3")
        #expect(read.ramSize == knobs.ramSize && read.maxmem == knobs.maxmem && read.slots == knobs.slots && read.firmwareLoaded)
        let hosts = try InputLoader.loadHosts(paths: Self.armFleet.map(Fixture.path))
        let fits = FitCheck.check(arguments: read, hosts: hosts, vm: VMSpec(machine: .virt, ram: 0, qemu: try #require(version)))
        #expect(fits.count == hosts.count && fits.allSatisfy(\.fits), "\(fits.flatMap(\.problems))")
    }

    /// On 8.2 with p2p and a host hole in the 64-bit PCIe window, the window is switched off: a knob
    /// libvirt 9.0 has no element for, so it goes to <qemu:commandline> with the reason.
    @Test func highmemSwitchGoesToTheCommandlineWithItsReason() throws {
        let hole = HostProfile(
            name: "hole-at-512g", arch: .aarch64, cpuVendor: .arm, cpuPhysBits: 48, iommuKind: .armSMMUv3, iommuAddressBits: 48,
            reserved: [ReservedRegion(range: try #require(AddressRange(start: 512 * Self.gib, last: 513 * Self.gib - 1)), type: .reserved)], file: "hole.json")
        let vm = VMSpec(machine: .virt, ram: 4 * Self.gib, cpuModel: "max", p2p: true, qemu: QEMUVersion(major: 8, minor: 2))
        let layout = try Solver.solve(hosts: [hole], vm: vm).layout.guest
        let xml = try LibvirtXML.document(for: layout, options: .init())
        #expect(try values(xml, "/domain/os/type/@machine") == ["virt-8.2"])
        #expect(try values(xml, "/domain/cpu/@mode") == ["maximum"])
        let arguments = try values(xml, "//*[local-name()='commandline']/*[local-name()='arg']/@value")
        #expect(arguments == ["-machine", "highmem-mmio=off"])
        #expect(xml.contains("<!-- libvirt 9.0 has no element for virt's highmem-redists/ecam/mmio switches"))
        #expect(xml.contains("custom-argv"))
        let (status, output) = try LibvirtXMLTests.virtXMLValidate(xml)
        #expect(status == 0, "virt-xml-validate rejected:\n\(xml)\n\(output)")
        // verify reads the merged -machine back as the same knob.
        let (read, _) = try LibvirtDomainReader.read(xml, source: "test")
        #expect(read.machineProperties["highmem-mmio"] == "off")
    }

    /// 2 MiB hugepages: <memoryBacking> and each DIMM's page size, read back as the DIMM's align.
    @Test func hugepageBackedArmDomainValidatesAndReadsBack() throws {
        var vm = try InputLoader.loadVM(path: Fixture.path("Examples/vm/arm-8g.json"))
        vm.ramAlign = 2 << 20
        let layout = try solve(Self.armFleet, vm).layout.guest
        let xml = try LibvirtXML.document(for: layout, options: .init(vcpus: 2))
        #expect(try values(xml, "/domain/memoryBacking/hugepages/page/@size") == ["2048"])
        #expect(try values(xml, "/domain/devices/memory/source/pagesize") == (try virtKnobs(layout)).dimms.map { _ in "2048" })
        let (status, output) = try LibvirtXMLTests.virtXMLValidate(xml)
        #expect(status == 0, "virt-xml-validate rejected:\n\(xml)\n\(output)")
        let (read, _) = try LibvirtDomainReader.read(xml, source: "test")
        #expect(read.backends.allSatisfy { $0.align == 2 << 20 } && !read.backends.isEmpty)
    }

    @Test func cpuModelsAndGICVersionsLibvirtCannotSayAreRefused() throws {
        let base = VMSpec(machine: .virt, ram: 4 * Self.gib)
        for model in ["host-model", "Skylake-Server", "cortex-a15"] {
            var vm = base
            vm.cpuModel = model
            let layout = try solve(["Profiles/arm64-smmuv3.json"], vm).layout.guest
            #expect(throws: InputError.self, "cpu_model \(model)") { try LibvirtXML.document(for: layout, options: .init()) }
        }
        var named = base
        named.cpuModel = "neoverse-n1"
        let xml = try LibvirtXML.document(for: try solve(["Profiles/arm64-smmuv3.json"], named).layout.guest, options: .init())
        #expect(try values(xml, "/domain/cpu/model") == ["neoverse-n1"])

        var layout = try solve(["Profiles/arm64-smmuv3.json"], base).layout.guest
        var knobs = try virtKnobs(layout)
        knobs.gicVersion = 4
        layout.knobs = .virt(knobs)
        do {
            _ = try LibvirtXML.document(for: layout, options: .init())
            Issue.record("GIC version 4 was written")
        } catch {
            #expect("\(error)".contains("GIC version 4"))
        }
    }

    /// The domain as virsh dumpxml prints it (4 vCPUs, a hostdev, virt-7.2, UEFI, ACPI, GICv3).
    func merged(_ domain: String, _ vm: VMSpec) throws -> (GuestLayout, String) {
        let facts = try LibvirtDomainMerge.facts(ofDomain: domain, source: "fixture")
        var spec = vm
        spec.machine = facts.machine
        spec.qemu = facts.qemu
        if let model = facts.cpuModel { spec.cpuModel = model }
        let layout = try solve(Self.armFleet, spec).layout.guest
        let fragment = try LibvirtXML.document(for: layout, options: .init(vcpus: facts.vcpus, name: facts.name))
        return (layout, try LibvirtDomainMerge.merge(fragment: fragment, into: domain, source: "fixture"))
    }

    @Test func mergedIntoAnAarch64DomainKeepsItsDevicesAndValidates() throws {
        let domain = try String(contentsOfFile: Fixture.path(Self.fixture), encoding: .utf8)
        let facts = try LibvirtDomainMerge.facts(ofDomain: domain, source: "fixture")
        #expect(facts.machine == .virt && facts.machineType == "virt-7.2" && facts.vcpus == 4 && facts.cpuModel == "max")
        let vm = VMSpec(machine: .virt, ram: 6 * Self.gib, maxmem: 12 * Self.gib, slots: 1, hotplug: [HotplugRequest(count: 1, size: Self.gib)])
        let (layout, xml) = try merged(domain, vm)
        let knobs = try virtKnobs(layout)
        #expect(try values(xml, "/domain/name") == ["ls-arm"])
        #expect(try values(xml, "/domain/vcpu") == ["4"])
        #expect(try values(xml, "/domain/os/@firmware") == ["efi"])
        #expect(try values(xml, "/domain/features/gic/@version") == ["3"])
        #expect(try values(xml, "/domain/cpu/topology/@cores") == ["2"])
        #expect(try values(xml, "/domain/cpu/numa/cell/@cpus") == ["0-3"])
        #expect(try values(xml, "/domain/devices/hostdev/source/address/@bus") == ["0x3b"])
        #expect(try values(xml, "/domain/devices/serial/target/model/@name") == ["pl011"])
        #expect(try values(xml, "/domain/devices/memory/address/@base") == knobs.dimms.map { Hex.format($0.address) })
        let (status, output) = try LibvirtXMLTests.virtXMLValidate(xml)
        #expect(status == 0, "virt-xml-validate rejected:\n\(xml)\n\(output)")

        // One attach-device file per planned DIMM, at the slot after the placed ones.
        let files = try LibvirtDomainMerge.hotplugFiles(for: layout)
        #expect(files.count == 1 && knobs.hotplugPlan.count == 1)
        let file = try #require(files.first)
        #expect(try values(file.xml, "/memory/address/@base") == [Hex.format(knobs.hotplugPlan[0].address)])
        #expect(try values(file.xml, "/memory/address/@slot") == [String(knobs.dimms.count)])
    }

    @Test func aDomainQEMUCouldNotPlugTheDIMMsInIsRefusedWithTheReason() throws {
        let domain = try String(contentsOfFile: Fixture.path(Self.fixture), encoding: .utf8)
        let vm = VMSpec(machine: .virt, ram: 8 * Self.gib, maxmem: 12 * Self.gib, slots: 1)
        let cases: [(String, String, String)] = [
            ("<acpi/>\n", "", "no <acpi/>"),
            ("<os firmware='efi'>", "<os>", "firmware"),
            ("<gic version='3'/>", "<gic version='2'/>", "GIC version is 2"),
            ("<gic version='3'/>", "<gic version='host'/>", "each host's own"),
            ("machine='virt-7.2'", "machine='virt'", "alias"),
            ("machine='virt-7.2'", "machine='virt-rhel9.2.0'", "distribution"),
            ("arch='aarch64'", "arch='x86_64'", "aarch64 machine"),
        ]
        for (old, new, reason) in cases {
            let changed = domain.replacingOccurrences(of: old, with: new)
            #expect(changed != domain)
            do {
                _ = try merged(changed, vm)
                Issue.record("merged although \(reason)")
            } catch {
                #expect("\(error)".contains(reason), "\(error)")
            }
        }
    }

    /// Without <acpi/> libvirt writes -no-acpi, and QEMU 7.2's virt then has no ACPI GED: verify says
    /// so instead of passing a domain QEMU refuses ("missing acpi-ged device", seen with libvirt 9.0).
    @Test func verifyFailsADomainWithDIMMsButNoACPI() throws {
        let vm = try InputLoader.loadVM(path: Fixture.path("Examples/vm/arm-8g.json"))
        let xml = try LibvirtXML.document(for: try solve(Self.armFleet, vm).layout.guest, options: .init())
        let hosts = try InputLoader.loadHosts(paths: Self.armFleet.map(Fixture.path))
        let withoutACPI = xml.replacingOccurrences(of: "<acpi/>", with: "")
        let (read, version) = try LibvirtDomainReader.read(withoutACPI, source: "test")
        #expect(!read.firmwareLoaded)
        let fits = FitCheck.check(arguments: read, hosts: hosts, vm: VMSpec(machine: .virt, ram: 0, qemu: try #require(version)))
        #expect(fits.allSatisfy { !$0.fits })
        #expect(fits.flatMap(\.problems).contains { "\($0)".contains("acpi-ged") }, "\(fits.flatMap(\.problems))")
        // libvirt's own forms: -machine pflash0= loads firmware; -no-acpi takes the GED away.
        #expect(try QEMUArgumentParser.parse("-machine virt-7.2,pflash0=libvirt-pflash0-format -m 2G").firmwareLoaded)
        #expect(try !QEMUArgumentParser.parse("-machine virt-7.2 -bios x.fd -no-acpi -m 2G").firmwareLoaded)
    }
}
