import Foundation
import LayoutSolver
import Testing
import TestSupport

/// The emitted Arm virt arguments, proven in a real paused qemu-system-aarch64 (7.2 and 10.0) with Debian's
/// AAVMF firmware (needed on 7.2 for the ACPI memory hotplug that pc-dimm requires).
@Suite("virt arguments in real QEMU 7.2 and 10.0", .blocking)
struct VirtArgumentsInQEMUTests {
    let gib = LayoutProof.gib

    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func d05DoorbellInsideDefaultRAM(on binary: QEMUBinary) throws {
        let hosts = try LayoutProof.hosts(["Examples/fleets/arm64/"])
        let (solution, qemu) = try LayoutProof.prove(on: binary, hosts, VMSpec(machine: .virt, ram: 8 * gib, cpuModel: "max"))
        defer { qemu.stop() }
        let ram = try #require(solution.layout.regions.first { $0.name == "ram" })
        #expect(ram.range.start == 0x4000_0000 && ram.range.last < 0xc601_0000)
        #expect(solution.layout.dimmCount == 1)
        #expect(solution.programmable.allSatisfy { $0.isDefault })
    }

    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func maxmemAndSlotsAroundTheDoorbell(on binary: QEMUBinary) throws {
        let hosts = try LayoutProof.hosts(["Profiles/hisilicon-d05.json", "Profiles/arm64-smmuv3.json"])
        let (solution, qemu) = try LayoutProof.prove(on: binary, hosts, VMSpec(machine: .virt, ram: 6 * gib, maxmem: 16 * gib, slots: 2, cpuModel: "max"))
        defer { qemu.stop() }
        guard let knobs = solution.layout.guest.knobs.virt else { Issue.record("not virt"); return }
        #expect(knobs.slots == 2 + knobs.dimms.count)
        let tree = try qemu.memoryTree()
        let device = try #require(tree.first(named: "device-memory"))
        let predicted = try #require(solution.layout.regions.first { $0.kind == .deviceMemory })
        #expect(device.start == predicted.range.start && device.end == predicted.range.last)
        let mmio = try #require(tree.first(named: "pcie-mmio-high"))
        #expect(mmio.start == solution.layout.regions.first { $0.name == "pcie-mmio-high" }?.range.start)
    }

    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func noHoleNoDIMMNoFirmware(on binary: QEMUBinary) throws {
        let hosts = try LayoutProof.hosts(["Profiles/arm64-smmuv3.json"])
        let (solution, qemu) = try LayoutProof.prove(on: binary, hosts, VMSpec(machine: .virt, ram: 4 * gib, cpuModel: "max"))
        defer { qemu.stop() }
        #expect(solution.layout.dimmCount == 0)
        #expect(!QEMUArguments.argv(for: solution.layout).contains("-bios"))
    }
}

/// virt's high-memory knobs chosen by the solver, proven on the binary that has them.
@Suite("virt high-memory knobs in real QEMU 10.0", .blocking)
struct VirtHighMemoryInQEMUTests {
    let gib = LayoutProof.gib

    /// A host hole inside the default 64-bit PCIe window (512 GiB-1 TiB) and p2p: on a 10.0 target
    /// the window grows to 1 TiB, which QEMU aligns to 1 TiB, past the hole.
    @Test(.timeLimit(.minutes(5)))
    func p2pMovesTheWindowPastAHoleAt512GiB() throws {
        let binary = QEMUBinary.backports10
        try #require(binary.isInstalled || !QEMUProcess.isCI(), "QEMU 10.0 is missing (bash .ci/install-qemu10)")
        guard binary.isInstalled else { return }
        let hole = LayoutProof.armHost("hole-at-512g", ipaBits: 48, reserved: [(512 * gib, 513 * gib - 1, .reserved)])
        let vm = VMSpec(machine: .virt, ram: 4 * gib, cpuModel: "max", p2p: true, qemu: QEMUVersion(major: 10, minor: 0))
        #expect(throws: NoLayoutExists.self) {
            try Solver.solve(hosts: [hole], vm: VMSpec(machine: .virt, ram: 4 * gib, cpuModel: "max", p2p: true, qemu: QEMUVersion(major: 7, minor: 2)))
        }
        let (solution, qemu) = try LayoutProof.prove(on: binary, [hole], vm)
        defer { qemu.stop() }
        #expect(QEMUArguments.argv(for: solution.layout).contains { $0.contains("highmem-mmio-size=1T") })
        let predicted = try #require(solution.layout.regions.first { $0.name == "pcie-mmio-high" })
        #expect(predicted.range.start == 1 << 40 && predicted.isDMATarget)
        let seen = try #require(try qemu.memoryTree().first(named: "pcie-mmio-high"))
        #expect(seen.start == predicted.range.start && seen.end == predicted.range.last)
    }

    /// On 8.x the window cannot move, so with p2p it is switched off (highmem-mmio=off) and QEMU has none.
    @Test(.timeLimit(.minutes(5)))
    func p2pSwitchesTheWindowOffBefore10() throws {
        let binary = QEMUBinary.backports10
        guard binary.isInstalled || QEMUProcess.isCI() else { return }
        let hole = LayoutProof.armHost("hole-at-512g", ipaBits: 48, reserved: [(512 * gib, 513 * gib - 1, .reserved)])
        let vm = VMSpec(machine: .virt, ram: 4 * gib, cpuModel: "max", p2p: true, qemu: QEMUVersion(major: 8, minor: 2))
        let (solution, qemu) = try LayoutProof.prove(on: binary, [hole], vm)
        defer { qemu.stop() }
        #expect(QEMUArguments.argv(for: solution.layout).contains { $0.contains("highmem-mmio=off") })
        #expect(!solution.layout.regions.contains { $0.name == "pcie-mmio-high" })
        #expect(try qemu.memoryTree().first(named: "pcie-mmio-high") == nil)
    }
}
