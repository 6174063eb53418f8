import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

/// The libvirt output says exactly what the QEMU arguments say, and libvirt's own schema accepts
/// it once it is merged into a complete domain.
@Suite("libvirt domain XML")
struct LibvirtXMLTests {
    static let gib: UInt64 = 1 << 30

    func solve(_ hostPaths: [String], _ vm: VMSpec) throws -> Solution {
        try Solver.solve(hosts: InputLoader.loadHosts(paths: hostPaths.map(Fixture.path)), vm: vm)
    }

    func vm(_ name: String) throws -> VMSpec { try InputLoader.loadVM(path: Fixture.path("Examples/vm/\(name).json")) }

    func knobs(_ solution: Solution) throws -> PCMachineKnobs {
        guard let knobs = solution.layout.guest.knobs.pc else { throw InputError(source: "test", message: "expected a pc/q35 layout") }
        return knobs
    }

    func parse(_ xml: String) throws -> XMLDocument { try XMLDocument(xmlString: xml, options: []) }

    func values(_ document: XMLDocument, _ xpath: String) throws -> [String] {
        try document.nodes(forXPath: xpath).map { $0.stringValue ?? "" }
    }

    func qemuArgs(_ document: XMLDocument) throws -> [String] {
        try values(document, "//*[local-name()='commandline']/*[local-name()='arg']/@value")
    }

    @Test func hotplugRoomNeedsMaxMemoryAndOneNUMACell() throws {
        let solution = try solve(["Examples/fleets/mixed-x86/"], vm("db-64g"))
        let knobs = try knobs(solution)
        let document = try parse(try LibvirtXML.document(for: solution.layout))
        #expect(try values(document, "/domain/maxMemory") == [String(knobs.maxmem! / 1024)])
        #expect(try values(document, "/domain/maxMemory/@slots") == [String(knobs.slots)])
        #expect(try values(document, "/domain/memory") == [String(64 * Self.gib / 1024)])
        #expect(try values(document, "/domain/cpu/numa/cell/@memory") == [String(knobs.ramSize / 1024)])
        #expect(try values(document, "/domain/cpu/numa/cell/@cpus") == ["0"])
        #expect(try values(document, "/domain/cpu/@mode") == ["host-passthrough"])
        #expect(try values(document, "/domain/cpu/maxphysaddr/@bits") == ["38"])
        #expect(try values(document, "/domain/os/type/@machine") == ["pc-q35-7.2"])
        #expect(try document.nodes(forXPath: "//devices/memory").isEmpty)
        // Only what libvirt cannot say: host-phys-bits off, and OVMF's aperture size (libvirt
        // reserves opt/ovmf/ in <sysinfo type='fwcfg'>).
        let arguments = try qemuArgs(document)
        #expect(arguments.prefix(2) == ["-global", "x86_64-cpu.host-phys-bits=off"])
        #expect(arguments.dropFirst(2).first == "-fw_cfg" && arguments.last?.hasPrefix("name=opt/ovmf/X-PciMmio64Mb,string=") == true && arguments.count == 4)
    }

    @Test func dimmAtOneTiBCountsInMemoryButNotInTheNUMACell() throws {
        var vm = try vm("big-1100g")
        vm.cpuVendor = .intel
        let solution = try solve(["Profiles/intel-xeon-vtd48.json", "Profiles/amd-epyc-7003.json"], vm)
        let knobs = try knobs(solution)
        #expect(knobs.dimms.count == 1)
        let document = try parse(try LibvirtXML.document(for: solution.layout.guest, options: .init(vcpus: 8)))
        let dimmBytes = knobs.dimms.reduce(0) { $0 + $1.size }
        #expect(try values(document, "/domain/memory") == [String((knobs.ramSize + dimmBytes) / 1024)])
        #expect(try values(document, "/domain/currentMemory") == [String((knobs.ramSize + dimmBytes) / 1024)])
        #expect(try values(document, "/domain/cpu/numa/cell/@memory") == [String(knobs.ramSize / 1024)])
        #expect(try values(document, "/domain/cpu/numa/cell/@cpus") == ["0-7"])
        #expect(try values(document, "//devices/memory[@model='dimm']/address/@base") == knobs.dimms.map { Hex.format($0.address) })
        #expect(try values(document, "//devices/memory[@model='dimm']/target/size") == knobs.dimms.map { String($0.size / 1024) })
        // The same address QEMU is told directly.
        let argv = QEMUArguments.argv(for: solution.layout)
        #expect(argv.contains { $0.hasSuffix("addr=\(Hex.format(knobs.dimms[0].address))") })
        #expect(try qemuArgs(document).suffix(2) == ["-global", "x86_64-cpu.vendor=GenuineIntel"])
    }

    @Test func maxRamBelow4GIsPassedAsASecondMachineOption() throws {
        let solution = try solve(["Examples/fleets/xeon-rmrr-strict/"], VMSpec(ram: 16 * Self.gib))
        let knobs = try knobs(solution)
        let below = try #require(knobs.maxRamBelow4G)
        let document = try parse(try LibvirtXML.document(for: solution.layout))
        let args = try qemuArgs(document)
        #expect(Array(args.prefix(2)) == ["-machine", "max-ram-below-4g=\(ByteCount.qemuSize(below))"])
        #expect(QEMUArguments.argv(for: solution.layout)[1].hasSuffix(",max-ram-below-4g=\(ByteCount.qemuSize(below))"))
        // No hotplug room: no maxMemory, and so no NUMA cell either.
        #expect(try document.nodes(forXPath: "/domain/maxMemory").isEmpty)
        #expect(try document.nodes(forXPath: "/domain/cpu/numa").isEmpty)
    }

    @Test func hugepagesAndTheSixtyFourBitHole() throws {
        var vm = try vm("hugepage-1g")
        vm.pciHole64 = 64 * Self.gib
        vm.maxmem = 64 * Self.gib
        vm.slots = 2
        let solution = try solve(["Profiles/intel-xeon-vtd48.json"], vm)
        let document = try parse(try LibvirtXML.document(for: solution.layout))
        #expect(try values(document, "/domain/memoryBacking/hugepages/page/@size") == ["1048576"])
        #expect(try values(document, "//devices/controller[@model='pcie-root']/pcihole64") == [String(64 * Self.gib / 1024)])
        #expect(try values(document, "//devices/controller/@index") == ["0"])
    }

    @Test func i440fxUsesThePCIRootController() throws {
        var vm = try vm("pc-legacy-8g")
        vm.pciHole64 = 64 * Self.gib
        let solution = try solve(["Examples/fleets/mixed-x86/"], vm)
        let document = try parse(try LibvirtXML.document(for: solution.layout))
        #expect(try values(document, "//devices/controller/@model") == ["pci-root"])
        #expect(try values(document, "/domain/os/type/@machine") == ["pc-i440fx-7.2"])
    }

    @Test func namedCPUModelsUseCustomModeWithoutTheHostPhysBitsOverride() throws {
        let solution = try solve(["Profiles/amd-epyc-7003.json"], VMSpec(ram: 8 * Self.gib, cpuModel: "EPYC"))
        let document = try parse(try LibvirtXML.document(for: solution.layout))
        #expect(try values(document, "/domain/cpu/@mode") == ["custom"])
        #expect(try values(document, "/domain/cpu/model") == ["EPYC"])
        #expect(try !qemuArgs(document).contains("x86_64-cpu.host-phys-bits=off"))
    }

    @Test func plannedHotAddDIMMsAreAttachableLater() throws {
        let solution = try solve(["Profiles/intel-xeon-vtd48.json"], VMSpec(ram: 8 * Self.gib, hotplug: [HotplugRequest(count: 2, size: 4 * Self.gib)]))
        let knobs = try knobs(solution)
        #expect(knobs.hotplugPlan.count == 2)
        let xml = try LibvirtXML.document(for: solution.layout)
        let document = try parse(xml)
        #expect(try document.nodes(forXPath: "//devices/memory").isEmpty)
        let comments = try document.nodes(forXPath: "//comment()").compactMap(\.stringValue).filter { $0.contains("planned hot-add") }
        #expect(comments.count == 2)
        for (index, dimm) in knobs.hotplugPlan.enumerated() {
            #expect(comments[index].contains("<address type='dimm' slot='\(index)' base='\(Hex.format(dimm.address))'/>"))
            // The element in the comment is what `virsh attach-device` takes: it parses on its own.
            let element = String(comments[index][comments[index].range(of: "<memory")!.lowerBound...]).trimmingCharacters(in: .whitespaces)
            #expect(try parse(element).rootElement()?.name == "memory")
        }
        #expect(try values(document, "/domain/maxMemory/@slots") == [String(knobs.slots)])
    }

    /// virt is written since issue 17 (LibvirtVirtXMLTests): an aarch64 domain, not the q35 one.
    @Test func virtIsAnAarch64Domain() throws {
        let solution = try solve(["Examples/fleets/arm64/"], vm("arm-8g"))
        let document = try parse(try LibvirtXML.document(for: solution.layout))
        #expect(try values(document, "/domain/os/type/@arch") == ["aarch64"])
    }

    @Test func sameLayoutSameBytes() throws {
        let first = try LibvirtXML.document(for: solve(["Examples/fleets/mixed-x86/"], vm("db-64g")).layout)
        let second = try LibvirtXML.document(for: solve(["Examples/fleets/mixed-x86/"], vm("db-64g")).layout)
        #expect(first == second)
    }

    // MARK: libvirt's own schema

    /// Merges the layout's elements into an otherwise complete domain with an assigned device.
    static func fullDomain(_ fragment: String) -> String {
        var xml = fragment
        let open = "<domain type='kvm' xmlns:qemu='\(LibvirtXML.qemuNamespace)'>"
        // The answer already names the domain and gives its vCPUs.
        xml = xml.replacingOccurrences(of: open, with: open + """

              <features><acpi/><apic/></features>
              <on_poweroff>destroy</on_poweroff>
            """)
        xml = xml.replacingOccurrences(of: "</os>", with: "  <boot dev='hd'/>\n  </os>")
        let devices = """
                <emulator>/usr/bin/qemu-system-x86_64</emulator>
                <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/vm.qcow2'/><target dev='vda' bus='virtio'/></disk>
                <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev>

            """
        if xml.contains("<devices>") {
            xml = xml.replacingOccurrences(of: "<devices>\n", with: "<devices>\n" + devices)
        } else {
            xml = xml.replacingOccurrences(of: "</domain>", with: "  <devices>\n\(devices)  </devices>\n</domain>")
        }
        return xml
    }

    static func virtXMLValidate(_ xml: String) throws -> (Int32, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-libvirt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("domain.xml")
        try Data(xml.utf8).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["virt-xml-validate", file.path, "domain"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test(arguments: ["db-64g", "big-1100g", "hugepage-1g", "pc-legacy-8g"])
    func libvirtsSchemaAcceptsTheMergedDomain(vmName: String) throws {
        var vm = try vm(vmName)
        if vmName == "big-1100g" { vm.cpuVendor = .intel }
        if vmName == "hugepage-1g" { vm.pciHole64 = 64 * Self.gib; vm.maxmem = 64 * Self.gib; vm.slots = 1 }
        let hosts = vmName == "big-1100g" ? ["Profiles/intel-xeon-vtd48.json", "Profiles/amd-epyc-7003.json"] : ["Examples/fleets/mixed-x86/"]
        let fragment = try LibvirtXML.document(for: solve(hosts, vm).layout.guest, options: .init(vcpus: 8))
        let domain = Self.fullDomain(fragment)
        _ = try parse(domain)
        let (status, output) = try Self.virtXMLValidate(domain)
        #expect(status == 0, "virt-xml-validate (Debian's libvirt-clients and libxml2-utils) rejected:\n\(domain)\n\(output)")
    }

    @Test func theValidatorRejectsABrokenDomain() throws {
        let fragment = try LibvirtXML.document(for: solve(["Profiles/intel-xeon-vtd48.json"], VMSpec(ram: 8 * Self.gib)).layout)
        let broken = Self.fullDomain(fragment).replacingOccurrences(of: "mode='emulate'", with: "mode='sideways'")
        let (status, _) = try Self.virtXMLValidate(broken)
        #expect(status != 0)
    }
}

/// What the domain says about live migration depends on the CPU mode.
@Suite("libvirt migration guarantees")
struct LibvirtGuaranteeTests {
    func comments(_ model: String) throws -> [String] {
        let solution = try Solver.solve(hosts: [Fixture.x86Host("plain")], vm: VMSpec(ram: 4 << 30, cpuModel: model))
        return LibvirtGuarantees.comments(for: solution.layout.guest, hasCommandline: false)
    }

    @Test func hostModelMigratesItsExpandedDefinitionHostPassthroughDoesNot() throws {
        let passthrough = try comments("host").joined(separator: " ")
        let hostModel = try comments("host-model").joined(separator: " ")
        let named = try comments("Skylake-Server").joined(separator: " ")
        #expect(passthrough.contains("host-passthrough shows each host's own CPU"))
        #expect(hostModel.contains("host-model is expanded by libvirt") && hostModel.contains("never between Intel and AMD"))
        #expect(named.contains("possible between hosts that all run CPU model Skylake-Server"))
        #expect(passthrough != hostModel && hostModel != named)
    }
}
