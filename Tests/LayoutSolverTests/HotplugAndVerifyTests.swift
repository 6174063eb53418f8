import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

@Suite("Hotplug plans, existing-layout checks and virtio-iommu regions")
struct HotplugAndVerifyTests {
    let gib: UInt64 = 1 << 30

    @Test func planStepsOverAHoleWhereQEMUWouldPutTheSecondDIMM() throws {
        // q35, 8 GiB: device memory starts at 10 GiB; QEMU's first fit would put 4 GiB DIMMs at 10 and 14 GiB.
        let host = Fixture.x86Host("hole-at-15g", reserved: [(15 * gib, 15 * gib + 0xfffff, .reserved)])
        let vm = VMSpec(ram: 8 * gib, hotplug: [HotplugRequest(count: 2, size: 4 * gib)])
        let solution = try Solver.solve(hosts: [host, Fixture.x86Host("plain")], vm: vm)
        let plan = solution.layout.guest.knobs.hotplugPlan
        // The second DIMM starts at the first 128 MiB memory block past the 1 MiB hole.
        #expect(plan.map(\.address) == [10 * gib, 15 * gib + (128 << 20)])
        guard let knobs = solution.layout.guest.knobs.pc else { return }
        #expect(knobs.slots == 2 && knobs.maxmem! - knobs.ramSize >= 8 * gib)
        let planned = solution.layout.regions.filter { $0.kind == .hotplug }
        #expect(planned.count == 2 && planned.allSatisfy(\.isDMATarget))
        let hmp = HotplugCommands.hmp(for: solution.layout)
        #expect(hmp == [
            "object_add memory-backend-ram,id=ls-hp0-mem,size=4G", "device_add pc-dimm,id=ls-hp0,memdev=ls-hp0-mem,addr=0x280000000",
            "object_add memory-backend-ram,id=ls-hp1-mem,size=4G", "device_add pc-dimm,id=ls-hp1,memdev=ls-hp1-mem,addr=0x3c8000000",
        ])
        #expect(HotplugCommands.qmp(for: solution.layout)[1] == #"{"execute": "device_add", "arguments": {"driver": "pc-dimm", "id": "ls-hp0", "memdev": "ls-hp0-mem", "addr": 10737418240}}"#)
        // Unplanned, QEMU would have put the second DIMM on the hole:
        #expect(AddressRange(start: 14 * gib, size: 4 * gib)!.contains(15 * gib))
    }

    @Test func hotplugSizesComeInWholeMemoryBlocks() {
        #expect(VMSpecParser.validate(VMSpec(ram: 4 * gib, hotplug: [HotplugRequest(count: 1, size: 192 << 20)])).contains { $0.member == "hotplug" })
        #expect(VMSpecParser.validate(VMSpec(ram: 4 * gib, hotplug: [HotplugRequest(count: 1, size: 384 << 20)])).isEmpty)
        // A stated block size is the unit: 384 MiB is no whole number of 256 MiB blocks.
        #expect(VMSpecParser.validate(VMSpec(ram: 4 * gib, hotplug: [HotplugRequest(count: 1, size: 384 << 20)], memoryBlockSize: 256 << 20)).contains { $0.member == "hotplug" })
        #expect(VMSpecParser.validate(VMSpec(ram: 4 * gib, memoryBlockSize: 96 << 20)).contains { $0.member == "memory_block_size" })
    }

    func solvedLayoutJSON(_ hosts: [HostProfile], _ vm: VMSpec) throws -> GuestLayout {
        let text = LayoutJSON.document(for: try Solver.solve(hosts: hosts, vm: vm)).rendered()
        return try LayoutReader.read(Array(text.utf8), source: "layout.json")
    }

    @Test func verifyFindsTheHyperTransportHoleForAnIntelFleetLayout() throws {
        let layout = try solvedLayoutJSON([Fixture.x86Host("xeon-a"), Fixture.x86Host("xeon-b")], VMSpec(ram: 1100 * gib, cpuVendor: .intel))
        let amd = Fixture.x86Host("amd-epyc-7003", vendor: "amd", cpuBits: 48, reserved: [Fixture.amdHT])
        let fits = FitCheck.check(layout: layout, hosts: [amd, Fixture.x86Host("xeon-c")])
        #expect(fits.map(\.host) == ["amd-epyc-7003", "xeon-c"])
        #expect(!fits[0].fits && fits[0].problems.contains { $0.description.contains("0xfd00000000-0xffffffffff") })
        // The same cause, typed: a guest region overlapping the host's HyperTransport region.
        #expect(fits[0].problems.contains {
            guard case .violation(let violation) = $0 else { return false }
            return violation.kind == .overlapsReservedRegion && violation.host == "amd-epyc-7003" && violation.guestRegion?.name == violation.region
                && violation.hostRegion?.range == AddressRange(start: 0xfd_0000_0000, last: 0xff_ffff_ffff)
        })
        #expect(fits[1].fits)
    }

    @Test func verifyFindsAWidthConflictWithANarrowIOMMU() throws {
        let layout = try solvedLayoutJSON([Fixture.x86Host("xeon")], VMSpec(ram: 600 * gib, cpuVendor: .intel))
        let fits = FitCheck.check(layout: layout, hosts: [Fixture.x86Host("client-39", cpuBits: 46, iommuBits: 39)])
        #expect(!fits[0].fits && fits[0].problems.contains { $0.description.contains("39-bit") })
        #expect(fits[0].problems.contains {
            guard case .violation(let violation) = $0 else { return false }
            return violation.kind == .pastIOMMUWidth && violation.guestRegion != nil && violation.hostRegion == nil
        })
    }

    @Test func verifyChecksPlannedHotplugDIMMsToo() throws {
        let layout = try solvedLayoutJSON([Fixture.x86Host("xeon")], VMSpec(ram: 8 * gib, cpuVendor: .intel, hotplug: [HotplugRequest(count: 2, size: 4 * gib)]))
        let newHost = Fixture.x86Host("new", reserved: [(15 * gib, 15 * gib, .reserved)])
        let fits = FitCheck.check(layout: layout, hosts: [newHost])
        #expect(!fits[0].fits && fits[0].problems.contains { $0.description.contains("ls-hp1") })
    }

    @Test func editedLayoutsAreRejected() throws {
        let text = LayoutJSON.document(for: try Solver.solve(hosts: [Fixture.x86Host("xeon")], vm: VMSpec(ram: 8 * gib, cpuVendor: .intel))).rendered()
        let edited = text.replacingOccurrences(of: "\"end\": \"0x7fffffff\"", with: "\"end\": \"0x7ffffffe\"")
        #expect(edited != text)
        #expect(throws: InputError.self) { try LayoutReader.read(Array(edited.utf8), source: "edited.json") }
    }

    @Test func qemuArgumentsOfAnyVMAreDerivedPerHost() throws {
        let arguments = try QEMUArgumentParser.parse("qemu-system-x86_64 -machine q35,accel=kvm -m 64G -cpu host -device vfio-pci,host=0000:3b:00.0 -nodefaults")
        #expect(arguments.ramSize == 64 * gib && arguments.machineType == "q35" && arguments.cpuModel == "host")
        let intel39 = Fixture.x86Host("client-39", cpuBits: 46, iommuBits: 39)
        let amd = Fixture.x86Host("epyc", vendor: "amd", cpuBits: 48, reserved: [Fixture.amdHT])
        // RAM fits both hosts; without p2p the 64-bit hole is no DMA target.
        let results = FitCheck.check(arguments: arguments, hosts: [intel39, amd], vm: VMSpec(ram: 0))
        let problems = results.flatMap(\.problems)
        #expect(problems.isEmpty, "\(problems)")
        let big = try QEMUArgumentParser.parse("-M q35 -m 1100G -cpu host")
        let bigFits = FitCheck.check(arguments: big, hosts: [amd, intel39], vm: VMSpec(ram: 0))
        // On the AMD host QEMU relocates above-4G RAM to 1 TiB (AMD vCPU): it fits; the 39-bit host cannot hold 1100 GiB.
        #expect(bigFits.first { $0.host == "epyc" }?.fits == true)
        #expect(bigFits.first { $0.host == "client-39" }?.fits == false)
        // A virt command line on x86 hosts: typed as the wrong architecture, with the text verify prints.
        let arm = FitCheck.check(arguments: try QEMUArgumentParser.parse("-M virt -m 4G -cpu host"), hosts: [intel39], vm: VMSpec(ram: 0))
        #expect(arm.first?.problems == [.wrongArchitecture(host: "client-39", machine: .virt, needs: .aarch64, has: .x86_64)])
        #expect(arm.first?.problems.first?.description == "client-39: a virt VM needs a aarch64 host, this one is x86_64")
    }

    @Test func qemuArgumentSyntax() throws {
        #expect(try QEMUArgumentParser.parse("-m 4096").ramSize == 4 * gib)
        #expect(try QEMUArgumentParser.parse("-m size=4219469824B,slots=5,maxmem=32G").ramSize == 4_219_469_824)
        #expect(try QEMUArgumentParser.parse("-m 1.5G").ramSize == 3 * gib / 2)
        let parsed = try QEMUArgumentParser.parse(#"-M pc-q35-7.2,max-ram-below-4g=0x7b800000 -m 6G,slots=2,maxmem=16G -object '{"qom-type":"memory-backend-ram","id":"m0","size":1073741824}' -device "pc-dimm,id=d0,memdev=m0,addr=0x280000000" -cpu max,host-phys-bits=off,phys-bits=40,vendor=GenuineIntel -global q35-pcihost.pci-hole64-size=64G"#)
        #expect(parsed.machineProperties["max-ram-below-4g"] == "0x7b800000")
        #expect(parsed.backends == [.init(id: "m0", size: gib, align: nil)])
        #expect(parsed.dimms == [.init(id: "d0", memdev: "m0", address: 0x2_8000_0000)])
        #expect(parsed.globals["q35-pcihost.pci-hole64-size"] == "64G")
        let layout = try FitCheck.layout(of: parsed, on: Fixture.x86Host("x"), vm: VMSpec(ram: 0))
        guard let knobs = layout.knobs.pc else { Issue.record("not pc"); return }
        #expect(knobs.maxRamBelow4G == 0x7b80_0000 && knobs.physBits == 40 && knobs.pciHole64Size == 64 * gib && layout.cpuVendor == .intel)
        #expect(throws: InputError.self) { try QEMUArgumentParser.parse("-m 4G -cpu 'host") }
        #expect(throws: InputError.self) { try QEMUArgumentParser.parse("-M q35") }
        #expect(throws: InputError.self) { try QEMUArgumentParser.parse("-m lots") }
    }

    @Test func automaticDIMMsAreFirstFitLikeQEMU() throws {
        let parsed = try QEMUArgumentParser.parse("-M q35 -m 6G,slots=3,maxmem=12G -object memory-backend-ram,id=a,size=1G -object memory-backend-ram,id=b,size=2G -device pc-dimm,memdev=a,addr=0x200000000 -device pc-dimm,memdev=b -cpu qemu64")
        let layout = try FitCheck.layout(of: parsed, on: Fixture.x86Host("x"), vm: VMSpec(ram: 0))
        #expect(layout.knobs.dimms.map(\.address) == [0x2_0000_0000, 0x2_4000_0000])
    }

    @Test func virtioIOMMURegionsAreTheUnionOfTheSet() throws {
        let hosts = [
            Fixture.x86Host("client", cpuBits: 46, iommuBits: 39, reserved: [(0xbdf6_e000, 0xbdf8_4fff, .direct)]),
            Fixture.x86Host("epyc", vendor: "amd", cpuBits: 48, reserved: [Fixture.amdHT]),
        ]
        var vm = VMSpec(ram: 8 * gib, cpuVendor: .intel, qemu: QEMUVersion(major: 9, minor: 0), viommu: .virtioIOMMU)
        let solution = try Solver.solve(hosts: hosts, vm: vm)
        let device = try #require(solution.layout.guest.viommu?.deviceJSON)
        #expect(device == #"{"driver":"virtio-iommu-pci","aw-bits":39}"#)
        #expect(QEMUArguments.argv(for: solution.layout).suffix(2) == ["-device", device])
        // The regions are reported, not emitted: QEMU takes no user list (VirtioIOMMU.md in LayoutSolver.docc).
        #expect(solution.layout.guest.viommu?.propertyValues == ["0xbdf6e000:0xbdf84fff:0", "0xfee00000:0xfeefffff:1", "0xfd00000000:0xffffffffff:0"])
        #expect(solution.layout.notes.contains { $0.contains("NOT told these 2 range(s) it must not use as IOVA: 0xbdf6e000:0xbdf84fff:0, 0xfd00000000:0xffffffffff:0.") && $0.contains("0xfd00000000:0xffffffffff:0") && $0.contains("migrat") })
        // 8.2 has no aw-bits: the range past the narrowest width joins the unconveyed regions.
        vm.qemu = QEMUVersion(major: 8, minor: 2)
        let older = try Solver.solve(hosts: hosts, vm: vm)
        #expect(older.layout.guest.viommu?.deviceJSON == #"{"driver":"virtio-iommu-pci"}"#)
        #expect(older.layout.guest.viommu?.propertyValues.last == "0x8000000000:0xffffffffffffffff:0")
        #expect(older.layout.notes.contains { $0.contains("no aw-bits") && $0.contains("39 bits") })
        // 7.2 takes the plain device too.
        vm.qemu = .default
        #expect(try Solver.solve(hosts: hosts, vm: vm).layout.guest.viommu?.deviceJSON == #"{"driver":"virtio-iommu-pci"}"#)
    }
}
