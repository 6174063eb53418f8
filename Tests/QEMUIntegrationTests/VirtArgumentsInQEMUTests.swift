import Foundation
import LayoutSolver
import Testing

/// The emitted Arm virt arguments, proven in a real paused qemu-system-aarch64 (7.2 and 10.0) with Debian's
/// AAVMF firmware (needed on 7.2 for the ACPI memory hotplug that pc-dimm requires).
@Suite("virt arguments in real QEMU 7.2 and 10.0")
struct VirtArgumentsInQEMUTests {
    let gib = LayoutProof.gib

    @Test(.timeLimit(.minutes(1)), arguments: QEMUBinary.testable)
    func d05DoorbellInsideDefaultRAM(on binary: QEMUBinary) throws {
        let hosts = try LayoutProof.hosts(["Examples/fleets/arm64/"])
        let (solution, qemu) = try LayoutProof.prove(on: binary, hosts, VMSpec(machine: .virt, ram: 8 * gib, cpuModel: "max"))
        defer { qemu.stop() }
        let ram = try #require(solution.layout.regions.first { $0.name == "ram" })
        #expect(ram.range.start == 0x4000_0000 && ram.range.last < 0xc601_0000)
        #expect(solution.layout.dimmCount == 1)
        #expect(solution.programmable.allSatisfy { $0.isDefault })
    }

    @Test(.timeLimit(.minutes(1)), arguments: QEMUBinary.testable)
    func maxmemAndSlotsAroundTheDoorbell(on binary: QEMUBinary) throws {
        let hosts = try LayoutProof.hosts(["Profiles/hisilicon-d05.json", "Profiles/arm64-smmuv3.json"])
        let (solution, qemu) = try LayoutProof.prove(on: binary, hosts, VMSpec(machine: .virt, ram: 6 * gib, maxmem: 16 * gib, slots: 2, cpuModel: "max"))
        defer { qemu.stop() }
        guard let knobs = solution.layout.knobs.virt else { Issue.record("not virt"); return }
        #expect(knobs.slots == 2 + knobs.dimms.count)
        let tree = try qemu.memoryTree()
        let device = try #require(tree.first(named: "device-memory"))
        let predicted = try #require(solution.layout.regions.first { $0.kind == .deviceMemory })
        #expect(device.start == predicted.range.start && device.end == predicted.range.last)
        let mmio = try #require(tree.first(named: "pcie-mmio-high"))
        #expect(mmio.start == solution.layout.regions.first { $0.name == "pcie-mmio-high" }?.range.start)
    }

    @Test(.timeLimit(.minutes(1)), arguments: QEMUBinary.testable)
    func noHoleNoDIMMNoFirmware(on binary: QEMUBinary) throws {
        let hosts = try LayoutProof.hosts(["Profiles/arm64-smmuv3.json"])
        let (solution, qemu) = try LayoutProof.prove(on: binary, hosts, VMSpec(machine: .virt, ram: 4 * gib, cpuModel: "max"))
        defer { qemu.stop() }
        #expect(solution.layout.dimmCount == 0)
        #expect(!QEMUArguments.argv(for: solution.layout).contains("-bios"))
    }
}
