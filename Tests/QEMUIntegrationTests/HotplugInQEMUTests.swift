import Foundation
import LayoutSolver
import Testing
import TestSupport

/// Planned hot-add DIMMs, hot-added into a real paused QEMU 7.2 over QMP; QEMU's own first-fit
/// placement compared with the model's; in QEMU 7.2 and 10.0.
@Suite("Hotplug in real QEMU 7.2 and 10.0", .blocking)
struct HotplugInQEMUTests {
    let gib = LayoutProof.gib

    /// Sends the layout's QMP hot-add commands as they are printed.
    func hotAdd(_ layout: GuestLayout, into qemu: QEMUProcess) throws {
        for line in HotplugCommands.qmp(for: layout) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            try qemu.execute(try #require(object["execute"] as? String), arguments: object["arguments"] as? [String: Any])
        }
    }

    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func plannedDIMMsStepOverAHoleWhenHotAdded(on binary: QEMUBinary) throws {
        let hosts = [LayoutProof.host("hole-at-15g", reserved: [(15 * gib, 15 * gib + 0xfffff, .reserved)])]
        let vm = VMSpec(ram: 8 * gib, cpuModel: "max", hotplug: [HotplugRequest(count: 2, size: 4 * gib)])
        let (solution, qemu) = try LayoutProof.prove(on: binary, hosts, vm)
        defer { qemu.stop() }
        try hotAdd(solution.layout.guest, into: qemu)
        let added = try qemu.memoryDevices().compactMap { ($0["data"] as? [String: Any]).flatMap { QMPValue.uint64($0["addr"]) } }
        #expect(added.sorted() == solution.layout.guest.knobs.hotplugPlan.map(\.address))
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
    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func automaticPlacementMatchesQEMU(on binary: QEMUBinary) throws {
        let line = "-machine q35 -m 6G,slots=3,maxmem=12G -cpu qemu64,phys-bits=40 -object memory-backend-ram,id=a,size=1G -object memory-backend-ram,id=b,size=2G -device pc-dimm,id=da,memdev=a,addr=0x200000000 -device pc-dimm,id=db,memdev=b"
        let qemu = try QEMUProcess(binary: binary.x86, line)
        defer { qemu.stop() }
        let seen = try qemu.memoryDevices().compactMap { ($0["data"] as? [String: Any]).flatMap { QMPValue.uint64($0["addr"]) } }.sorted()
        let predicted = try FitCheck.layout(of: try QEMUArgumentParser.parse(line), on: LayoutProof.host("any", reserved: []), vm: VMSpec(ram: 0))
        #expect(seen == predicted.knobs.dimms.map(\.address).sorted())
        let flat = LayoutProof.merged(try qemu.flatView().ramRanges.map { ($0.start, $0.end) })
        #expect(flat == LayoutProof.predictedRAM(predicted))
    }
}
