import Foundation
import LayoutSolver
import Testing

/// Planned hot-add DIMMs, hot-added into a real paused QEMU 7.2 over QMP; QEMU's own first-fit
/// placement compared with the model's; virtio-iommu reserved regions against QEMU 7.2.
@Suite("Hotplug and virtio-iommu in a real QEMU 7.2")
struct HotplugInQEMUTests {
    let gib = LayoutProof.gib

    /// Sends the layout's QMP hot-add commands as they are printed.
    func hotAdd(_ layout: GuestLayout, into qemu: QEMUProcess) throws {
        for line in HotplugCommands.qmp(for: layout) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            try qemu.execute(try #require(object["execute"] as? String), arguments: object["arguments"] as? [String: Any])
        }
    }

    @Test(.requiresQEMU(), .timeLimit(.minutes(1)))
    func plannedDIMMsStepOverAHoleWhenHotAdded() throws {
        let hosts = [LayoutProof.host("hole-at-15g", reserved: [(15 * gib, 15 * gib + 0xfffff, .reserved)])]
        let vm = VMSpec(ram: 8 * gib, cpuModel: "max", hotplug: [HotplugRequest(count: 2, size: 4 * gib)])
        let (solution, qemu) = try LayoutProof.prove(hosts, vm)
        defer { qemu.stop() }
        try hotAdd(solution.layout.guest, into: qemu)
        let added = try qemu.memoryDevices().compactMap { ($0["data"] as? [String: Any]).flatMap { QMPValue.uint64($0["addr"]) } }
        #expect(added.sorted() == solution.layout.knobs.hotplugPlan.map(\.address))
        let ram = LayoutProof.merged(try qemu.flatView().ramRanges.map { ($0.start, $0.end) })
        var expected = solution.layout.guest
        expected.regions = expected.regions.map { region in
            var region = region
            if region.kind == .hotplug { region.kind = .dimm }
            return region
        }
        #expect(ram == LayoutProof.predictedRAM(expected))
        #expect(!ram.contains { $0.contains(15 * gib) })
    }

    /// What QEMU does with DIMMs without addr=, and what `verify --qemu-args` predicts for it.
    @Test(.requiresQEMU(), .timeLimit(.minutes(1)))
    func automaticPlacementMatchesQEMU() throws {
        let line = "-machine q35 -m 6G,slots=3,maxmem=12G -cpu qemu64,phys-bits=40 -object memory-backend-ram,id=a,size=1G -object memory-backend-ram,id=b,size=2G -device pc-dimm,id=da,memdev=a,addr=0x200000000 -device pc-dimm,id=db,memdev=b"
        let qemu = try QEMUProcess(line)
        defer { qemu.stop() }
        let seen = try qemu.memoryDevices().compactMap { ($0["data"] as? [String: Any]).flatMap { QMPValue.uint64($0["addr"]) } }.sorted()
        let predicted = try FitCheck.layout(of: try QEMUArgumentParser.parse(line), on: LayoutProof.host("any", reserved: []), vm: VMSpec(ram: 0))
        #expect(seen == predicted.knobs.dimms.map(\.address).sorted())
        let flat = LayoutProof.merged(try qemu.flatView().ramRanges.map { ($0.start, $0.end) })
        #expect(flat == LayoutProof.predictedRAM(predicted))
    }

    /// QEMU 7.2 sets virtio-iommu-pci's reserved regions itself on q35, so a user list fails: the
    /// tool refuses virtio-iommu for a 7.2 target instead of printing arguments that cannot start.
    @Test(.requiresQEMU(), .timeLimit(.minutes(1)))
    func qemu72RefusesAUserReservedRegionList() throws {
        #expect {
            _ = try QEMUProcess(arguments: ["-machine", "q35", "-m", "1G", "-device", "virtio-iommu-pci,len-reserved-regions=1,reserved-regions[0]=0xfd00000000:0xffffffffff:0"])
        } throws: { error in
            String(describing: error).contains("len-reserved-regions may not be set more than once")
        }
        #expect(VMSpecParser.validate(VMSpec(ram: gib, viommu: .virtioIOMMU)).contains { $0.member == "viommu" && $0.message.contains("8.2") })
    }
}
