import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutSolver
import FleetGenerator

/// Every rendering of generated layouts reads back, through the verify path's readers, into the
/// knobs the exact verifier checked; a rendering changed in one field is caught with that field named.
@Suite("Renderings re-read into the verified knobs")
struct RenderingRoundTripTests {
    let gib: UInt64 = 1 << 30

    static let versions = [QEMUVersion(major: 7, minor: 2), QEMUVersion(major: 8, minor: 2), QEMUVersion(major: 9, minor: 0), QEMUVersion(major: 10, minor: 0)]

    func x86Host(_ index: Int, profiles: [HostProfile], using generator: inout SplitMix64) -> HostProfile {
        if Bool.random(using: &generator), let profile = profiles.randomElement(using: &generator) { return profile }
        var reserved: [(UInt64, UInt64, ReservedType)] = []
        for _ in 0..<Int.random(in: 0...3, using: &generator) {
            let start = UInt64.random(in: (3 << 10)...(200 << 10), using: &generator) << 20
            reserved.append((start, start + UInt64.random(in: 1...(8 << 10), using: &generator) * (1 << 20) - 1, .reserved))
        }
        let amd = Int.random(in: 0..<3, using: &generator) == 0
        if amd { reserved.append(Fixture.amdHT) }
        return Fixture.x86Host("h\(index)", vendor: amd ? "amd" : "intel", cpuBits: Int.random(in: 40...48, using: &generator),
                               iommuBits: Int.random(in: 39...48, using: &generator), reserved: reserved)
    }

    func armHost(_ index: Int, base: HostProfile, using generator: inout SplitMix64) -> HostProfile {
        var host = base
        host.name = "a\(index)"
        host.cpuPhysBits = [40, 44, 48][Int.random(in: 0...2, using: &generator)]
        host.iommuAddressBits = min(host.iommuAddressBits, Int.random(in: 40...48, using: &generator))
        for _ in 0..<Int.random(in: 0...2, using: &generator) {
            let start = UInt64.random(in: (2 << 10)...(200 << 10), using: &generator) << 20
            if let range = AddressRange(start: start, size: UInt64.random(in: 1...(4 << 10), using: &generator) << 20) {
                host.reserved.append(ReservedRegion(range: range, type: .reserved, path: "$.reserved[\(host.reserved.count)]"))
            }
        }
        return host
    }

    func randomVM(_ machine: MachineKind, using generator: inout SplitMix64) -> VMSpec {
        let ram = UInt64.random(in: 1...96, using: &generator) * gib
        var vm = VMSpec(machine: machine, ram: ram, qemu: Self.versions[Int.random(in: 0..<Self.versions.count, using: &generator)])
        if machine != .virt {
            vm.cpuVendor = [nil, .intel, .amd][Int.random(in: 0...2, using: &generator)]
            vm.cpuModel = ["host", "max", "EPYC", "Skylake-Server", "host-model"][Int.random(in: 0...4, using: &generator)]
            // A "windows" guest: OVMF with a 64-bit aperture steered by fw_cfg, a big pci-hole64.
            if Int.random(in: 0..<4, using: &generator) == 0 { vm.pciHole64 = UInt64.random(in: 1...64, using: &generator) * gib }
            if Int.random(in: 0..<5, using: &generator) == 0 { vm.pciHole32 = UInt64.random(in: 1...3, using: &generator) * gib }
        }
        if Bool.random(using: &generator) {
            vm.maxmem = ram + UInt64.random(in: 8...32, using: &generator) * gib
            vm.slots = Int.random(in: 1...3, using: &generator)
        }
        if Int.random(in: 0..<3, using: &generator) == 0 { vm.hotplug = [HotplugRequest(count: Int.random(in: 1...2, using: &generator), size: 4 * gib)] }
        if Int.random(in: 0..<5, using: &generator) == 0 { vm.ramAlign = [2 << 20, gib][Int.random(in: 0...1, using: &generator)] }
        if Int.random(in: 0..<4, using: &generator) == 0 { vm.viommu = .virtioIOMMU }
        return vm
    }

    /// (1) Round trip: random VMs × random hosts and the shipped profiles, every rendering read back.
    @Test(arguments: [MachineKind.q35, .pc, .virt])
    func everyRenderingOfGeneratedLayoutsReadsBack(machine: MachineKind) throws {
        var generator = SplitMix64(seed: 0x5eed_0015 &+ UInt64(machine.rawValue.count))
        let x86Profiles = try ["amd-epyc-7003", "amd-epyc-ht-ignore", "amd-epyc-sme", "intel-client-39", "intel-server-rmrr", "intel-xeon-vtd48"].map(Fixture.profile)
        let armBases = try ["arm64-smmuv3", "hisilicon-d05", "nxp-lx2160a"].map(Fixture.profile)
        var solved = 0, libvirtChecked = 0, withDIMMs = 0, withPlanned = 0, withViommu = 0, withHugepages = 0
        for _ in 0..<60 {
            let count = Int.random(in: 1...4, using: &generator)
            let hosts = machine == .virt
                ? (0..<count).map { armHost($0, base: armBases[Int.random(in: 0..<armBases.count, using: &generator)], using: &generator) }
                : (0..<count).map { x86Host($0, profiles: x86Profiles, using: &generator) }
            let vm = randomVM(machine, using: &generator)
            let solution: Solution
            do {
                var options = SolveOptions()
                options.diagnosesFailures = false
                solution = try Solver.solve(hosts: hosts, vm: vm, options: options)
            } catch is NoLayoutExists {
                continue
            } catch is InputError {
                continue // a generated spec QEMU's rules refuse (hugepage alignment against a hole size, …)
            }
            solved += 1
            let layout = solution.layout.guest
            withDIMMs += layout.dimmCount > 0 ? 1 : 0
            withPlanned += layout.knobs.hotplugPlan.isEmpty ? 0 : 1
            withViommu += layout.viommu == nil ? 0 : 1
            withHugepages += vm.ramAlign == nil ? 0 : 1
            try RenderingCheck.qemu(layout, options: .init())
            try RenderingCheck.qemu(layout, options: .init(backing: .file(folder: "/dev/shm", shared: true)))
            try RenderingCheck.qemu(layout, options: .init(backing: .anonymous))
            if let xml = try? LibvirtXML.document(for: layout, options: .init(vcpus: 2)) {
                try RenderingCheck.libvirt(xml, layout: layout)
                libvirtChecked += 1
            }
            try RenderingCheck.check(solution.layout, vcpus: 2)
        }
        #expect(solved >= 30, "only \(solved) of 60 generated \(machine.rawValue) cases solved")
        #expect(libvirtChecked >= solved / 2)
        #expect(withDIMMs > 0 && withPlanned > 0 && withViommu > 0 && withHugepages > 0,
                "dimms \(withDIMMs), planned \(withPlanned), viommu \(withViommu), hugepages \(withHugepages)")
    }

    func q35Solution(vendor: CPUVendor? = .intel, qemu: QEMUVersion = .init(major: 9, minor: 0), pciHole64: UInt64? = nil) throws -> Solution {
        let hosts = [Fixture.x86Host("a", reserved: [(0x2_0000_0000, 0x2_3fff_ffff, .reserved)]), Fixture.x86Host("b", vendor: "amd", reserved: [Fixture.amdHT])]
        var vm = VMSpec(ram: 16 * gib, maxmem: 40 * gib, slots: 2, cpuVendor: vendor, hotplug: [HotplugRequest(count: 1, size: 4 * gib)])
        vm.qemu = qemu
        vm.viommu = .virtioIOMMU
        vm.pciHole64 = pciHole64
        return try Solver.solve(hosts: hosts, vm: vm)
    }

    func caught(_ argv: [String], _ layout: GuestLayout, hotAdd: [String]? = nil) throws -> RenderingDisagrees {
        try #require(throws: RenderingDisagrees.self) {
            try RenderingCheck.qemu(argv, hotAdd: hotAdd ?? HotplugCommands.hmp(for: layout), layout: layout)
        }
    }

    /// `argv` without the options (and their values) whose value matches.
    func removingOptions(_ argv: [String], where matches: (String) -> Bool) -> [String] {
        var result: [String] = []
        var index = 0
        while index < argv.count {
            if index + 1 < argv.count, argv[index].hasPrefix("-"), matches(argv[index + 1]) { index += 2; continue }
            result.append(argv[index])
            index += 1
        }
        return result
    }

    func replacing(_ argv: [String], _ pattern: String, _ replacement: String) -> [String] {
        argv.map { $0.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression) }
    }

    /// (2) One field changed at a time in the QEMU arguments: caught, with that field named.
    @Test func aQEMURenderingChangedInOneFieldIsCaughtByName() throws {
        let layout = try q35Solution().layout.guest
        let argv = QEMUArguments.argv(for: layout)
        let hmp = HotplugCommands.hmp(for: layout)
        try RenderingCheck.qemu(argv, hotAdd: hmp, layout: layout)
        let knobs = try #require(layout.knobs.pc)
        #expect(!knobs.dimms.isEmpty && !knobs.hotplugPlan.isEmpty && layout.viommu != nil)

        let cases: [(String, [String])] = [
            ("ram (-m size)", replacing(argv, "^size=[^,]+", "size=\(ByteCount.qemuSize(knobs.ramSize - (1 << 20)))")),
            ("maxmem", replacing(argv, "maxmem=[^,]+", "maxmem=\(ByteCount.qemuSize(knobs.maxmem! + gib))")),
            ("slots", replacing(argv, "slots=\\d+", "slots=\(knobs.slots + 1)")),
            ("max-ram-below-4g", argv.map { $0.hasPrefix("pc-q35") ? $0 + ",max-ram-below-4g=1G" : $0 }),
            ("phys-bits", replacing(argv, "phys-bits=\(knobs.physBits)", "phys-bits=\(knobs.physBits + 1)")),
            // phys-bits left to the host: read on a second width, the map would follow the host.
            ("phys-bits", replacing(argv, ",host-phys-bits=off", "")),
            ("CPU vendor", replacing(argv, "vendor=GenuineIntel", "vendor=AuthenticAMD")),
            ("DIMM 0 address", argv.map { $0.hasPrefix("pc-dimm") ? $0.replacingOccurrences(of: "addr=0x", with: "addr=0x1") : $0 }),
            ("DIMM 0 size", argv.map { $0.hasPrefix("memory-backend-ram,id=ls-mem0") ? $0.replacingOccurrences(of: #"size=(\d+)G"#, with: "size=1G", options: .regularExpression) : $0 }),
            ("DIMM count", removingOptions(argv) { $0.contains("ls-mem0") }),
            ("machine type", replacing(argv, "pc-q35-9.0", "pc-q35-8.2")),
            ("CPU model", replacing(argv, "^host,", "max,")),
            ("virtio-iommu device", Array(argv.prefix { !$0.contains("virtio-iommu") }.dropLast())),
            ("virtio-iommu aw-bits", replacing(argv, #""aw-bits":\d+"#, #""aw-bits":64"#)),
            ("boot RAM backing", argv.map { $0.hasPrefix("pc-q35") ? $0 + ",memory-backend=ls-x" : $0 } + ["-object", "memory-backend-file,id=ls-x,size=16G,mem-path=/dev/hugepages,share=off"]),
        ]
        for (field, tampered) in cases {
            #expect(tampered != argv, "\(field): the tampering changed nothing")
            let error = try caught(tampered, layout, hotAdd: hmp)
            #expect(error.field == field, "\(field): caught as \(error.field): \(error)")
            #expect(error.rendering == .qemuArguments)
            #expect(error.description.hasPrefix("internal error: rendering disagrees with the verified layout: \(error.field) rendered "))
        }
        // A planned DIMM's hot-add address moved: named as the planned DIMM.
        let moved = hmp.map { $0.hasPrefix("device_add") ? $0.replacingOccurrences(of: "addr=0x", with: "addr=0x1") : $0 }
        #expect(try caught(argv, layout, hotAdd: moved).field == "planned DIMM 0 address")
        // Unreadable.
        #expect(try caught(argv.map { $0.hasPrefix("memory-backend") ? "x" : $0 }, layout).field == "the rendering")
    }

    /// pci-hole64 and OVMF's aperture (a "windows" q35 with a big hole), the reserved window of a
    /// virtio-iommu (GIC version on virt), hugepage backing.
    @Test func holesApertureAndBackingChangesAreCaught() throws {
        let layout = try q35Solution(vendor: .amd, pciHole64: 64 * gib).layout.guest
        let argv = QEMUArguments.argv(for: layout)
        try RenderingCheck.qemu(argv, hotAdd: HotplugCommands.hmp(for: layout), layout: layout)
        #expect(try caught(replacing(argv, "pci-hole64-size=64G", "pci-hole64-size=32G"), layout).field == "pci-hole64-size")
        if argv.contains(where: { $0.hasPrefix("name=opt/ovmf") }) {
            #expect(try caught(replacing(argv, "string=\\d+", "string=1024"), layout).field.hasPrefix("OVMF aperture"))
        }
        let huge = QEMUArguments.Options(backing: .file(folder: "/dev/hugepages1G", shared: false))
        let fileArgv = QEMUArguments.argv(for: layout, options: huge)
        try RenderingCheck.qemu(fileArgv, hotAdd: HotplugCommands.hmp(for: layout, options: huge), layout: layout, options: huge)
        let error = try #require(throws: RenderingDisagrees.self) {
            try RenderingCheck.qemu(replacing(fileArgv, "mem-path=/dev/hugepages1G", "mem-path=/dev/hugepages"), hotAdd: HotplugCommands.hmp(for: layout, options: huge), layout: layout, options: huge)
        }
        #expect(error.field == "boot RAM backing")
    }

    func virtSolution() throws -> Solution {
        var vm = VMSpec(machine: .virt, ram: 8 * gib, maxmem: 16 * gib, slots: 2, qemu: .init(major: 9, minor: 0))
        vm.cpuModel = "host"
        vm.viommu = .virtioIOMMU
        vm.hotplug = [HotplugRequest(count: 1, size: 2 * gib)]
        return try Solver.solve(hosts: [try Fixture.profile("arm64-smmuv3"), try Fixture.profile("hisilicon-d05")], vm: vm)
    }

    @Test func virtRenderingsChangedInOneFieldAreCaught() throws {
        let layout = try virtSolution().layout.guest
        let knobs = try #require(layout.knobs.virt)
        #expect(!knobs.dimms.isEmpty && layout.viommu != nil)
        try RenderingCheck.check(layout, vcpus: 2)
        let argv = QEMUArguments.argv(for: layout)
        #expect(try caught(replacing(argv, "gic-version=3", "gic-version=2"), layout).field == "gic-version")
        let noFirmware = argv.filter { $0 != "-bios" && !$0.hasSuffix(".fd") }
        #expect(noFirmware != argv, "\(argv)")
        #expect(try caught(noFirmware, layout).field == "firmware (-bios, for the ACPI GED)")
        #expect(try caught(replacing(argv, "maxmem=[^,]+", "maxmem=\(ByteCount.qemuSize(knobs.maxmem! + gib))"), layout).field == "maxmem")
        #expect(try caught(replacing(argv, "^size=[^,]+", "size=\(ByteCount.qemuSize(knobs.ramSize + gib))"), layout).field == "ram (-m size)")
        #expect(try caught(argv.map { $0.hasPrefix("pc-dimm") ? $0.replacingOccurrences(of: "addr=0x", with: "addr=0x1") : $0 }, layout).field == "DIMM 0 address")

        // libvirt: the virtio-iommu device (missing from virt's XML until this check found it), the GIC, a DIMM base.
        let xml = try LibvirtXML.document(for: layout, options: .init(vcpus: 2))
        #expect(xml.contains("virtio-iommu-pci"))
        let gic = try #require(throws: RenderingDisagrees.self) { try RenderingCheck.libvirt(xml.replacingOccurrences(of: "<gic version='3'/>", with: "<gic version='2'/>"), layout: layout) }
        #expect(gic.field == "gic-version" && gic.rendering == .libvirtXML)
        let noIOMMU = xml.replacingOccurrences(of: #"<qemu:arg value='\{"driver":"virtio-iommu-pci"[^']*'/>"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: "<qemu:arg value='-device'/>", with: "")
        #expect(noIOMMU != xml)
        #expect(try #require(throws: RenderingDisagrees.self) { try RenderingCheck.libvirt(noIOMMU, layout: layout) }.field == "virtio-iommu device")
    }

    /// (2) The libvirt XML: one field at a time.
    @Test func aLibvirtRenderingChangedInOneFieldIsCaughtByName() throws {
        let layout = try q35Solution().layout.guest
        let knobs = try #require(layout.knobs.pc)
        let xml = try LibvirtXML.document(for: layout, options: .init(vcpus: 2))
        try RenderingCheck.libvirt(xml, layout: layout)
        #expect(!knobs.dimms.isEmpty, "\(xml)")
        func field(_ changed: String) throws -> String {
            #expect(changed != xml)
            return try #require(throws: RenderingDisagrees.self) { try RenderingCheck.libvirt(changed, layout: layout) }.field
        }
        #expect(try field(xml.replacingOccurrences(of: "pc-q35-9.0", with: "pc-q35-8.2")) == "QEMU version")
        #expect(try field(xml.replacingOccurrences(of: "x86_64-cpu.vendor=GenuineIntel", with: "x86_64-cpu.vendor=AuthenticAMD")) == "CPU vendor")
        #expect(try field(xml.replacingOccurrences(of: "<address type='dimm' slot='0' base='0x", with: "<address type='dimm' slot='0' base='0x1")) == "DIMM 0 address")
        #expect(try field(xml.replacingOccurrences(of: "bits='\(knobs.physBits)'", with: "bits='\(knobs.physBits - 1)'")) == "phys-bits")
        #expect(try field(xml.replacingOccurrences(of: "slots='\(knobs.slots)'", with: "slots='\(knobs.slots + 1)'")) == "slots")
        #expect(try field(xml.replacingOccurrences(of: "unit='KiB'>\(knobs.maxmem! / 1024)<", with: "unit='KiB'>\(knobs.maxmem! / 1024 + 1024)<")) == "maxmem")
        // Boot RAM one MiB short: libvirt takes -m size from the NUMA cell.
        #expect(try field(xml.replacingOccurrences(of: "memory='\(knobs.ramSize / 1024)'", with: "memory='\(knobs.ramSize / 1024 - 1024)'")) == "ram (-m size)")
        #expect(try field(xml.replacingOccurrences(of: "</qemu:commandline>", with: "<qemu:arg value='-machine'/><qemu:arg value='max-ram-below-4g=1G'/></qemu:commandline>")) == "max-ram-below-4g")
        #expect(try field(xml.replacingOccurrences(of: "<qemu:arg value='-global'/>\n    <qemu:arg value='x86_64-cpu.host-phys-bits=off'/>", with: "")) == "phys-bits")
        #expect(try field("<domain") == "the rendering")
    }

    static let userDomain = """
        <domain type='kvm'>
          <name>guest1</name>
          <memory unit='KiB'>8388608</memory>
          <vcpu placement='static'>2</vcpu>
          <os><type arch='x86_64' machine='pc-q35-9.0'>hvm</type><boot dev='hd'/></os>
          <features><acpi/><apic/></features>
          <cpu mode='host-passthrough' check='none' migratable='on'/>
          <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><controller type='pci' index='0' model='pcie-root'/></devices>
        </domain>
        """

    /// The VM's own domain with the layout merged in (`--libvirt-domain`) reads back too. It did not
    /// before: FoundationXML's attribute(forName:) misses `value` on a re-parsed merged <qemu:arg>
    /// (a default namespace), so `verify --libvirt-domain` lost host-phys-bits=off, the vendor and fw_cfg.
    @Test func aMergedDomainReadsBack() throws {
        let layout = try q35Solution(pciHole64: 64 * gib).layout.guest
        let fragment = try LibvirtXML.document(for: layout, options: .init(vcpus: 2, name: "guest1"))
        let merged = try LibvirtDomainMerge.merge(fragment: fragment, into: Self.userDomain, source: "guest1.xml")
        try RenderingCheck.libvirt(merged, layout: layout)
        let argv = try LibvirtDomainReader.arguments(ofDomain: merged, source: "guest1.xml")
        #expect(argv.contains("x86_64-cpu.host-phys-bits=off") && argv.contains("-fw_cfg"), "\(argv)")
        let changed = merged.replacingOccurrences(of: "x86_64-cpu.vendor=GenuineIntel", with: "x86_64-cpu.vendor=AuthenticAMD")
        #expect(changed != merged)
        #expect(try #require(throws: RenderingDisagrees.self) { try RenderingCheck.libvirt(changed, layout: layout) }.field == "CPU vendor")
    }

    /// (3) The answer path runs the check: request mode (what `solve --request` prints, the whole of
    /// it a library call) turns a rendering that does not read back into exit 70 and an error
    /// document that names the field and validates against Schemas/error-v1.schema.json.
    @Test func theRequestPathRunsTheCheck() throws {
        let request = Fixture.path("Examples/requests/mixed-x86-db-64g.json")
        let good = SolveRequest.respond(toRequestAt: request)
        #expect(good.exitCode == 0, "\(good.error)")
        let bad = RenderingCheck.$tamperForTesting.withValue({ argv in argv.map { $0.replacingOccurrences(of: "slots=", with: "slots=1") } }) {
            SolveRequest.respond(toRequestAt: request)
        }
        #expect(bad.exitCode == 70 && bad.output.isEmpty)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(bad.error.utf8)) as? [String: Any])
        #expect(document["kind"] as? String == "internal")
        #expect((document["message"] as? String)?.hasPrefix("internal error: rendering disagrees with the verified layout: slots rendered 1") == true, "\(bad.error)")
        let rendering = try #require(document["rendering"] as? [String: Any])
        #expect(rendering["field"] as? String == "slots" && rendering["output"] as? String == "QEMU arguments")
    }

    @Test func aDisagreementIsAnInternalErrorWithExitCode70() {
        let error = RenderingDisagrees(rendering: .qemuArguments, field: "maxmem", rendered: "0x1", verified: "0x2", host: "an amd host")
        #expect(ErrorJSON.kind(of: error) == .internal && ErrorJSON.kind(of: error).exitCode == 70)
        #expect(error.description.hasPrefix("internal error: rendering disagrees with the verified layout: maxmem rendered 0x1, verified 0x2"))
        #expect(ErrorJSON.render(error).replacingOccurrences(of: " ", with: "").contains(#""field":"maxmem""#))
    }
}
