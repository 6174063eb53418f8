import Foundation
import LayoutSolver
import Testing
import TestSupport

/// Every machine-type version the tool accepts, proven for q35, pc and virt on each binary that
/// has it (7.2 on Debian's 7.2; 7.2 … 10.0 on the backports 10.0): one layout per machine that
/// needs the solver's knobs (lowered low RAM, a cold-plugged DIMM over a hole, maxmem and slots),
/// started paused and compared with QEMU's own memory map.
@Suite("Every accepted machine type in real QEMU 7.2 and 10.0", .blocking)
struct MachineTypesInQEMUTests {
    static let gib = LayoutProof.gib

    static func hosts(for machine: MachineKind) throws -> [HostProfile] {
        switch machine {
        case .q35, .pc:
            return [
                LayoutProof.host("rmrr", reserved: [(0xbdf6_e000, 0xbdf8_4fff, .direct)]),
                LayoutProof.host("hole-at-6g", reserved: [(6 * gib, 7 * gib - 1, .reserved)]),
            ]
        default:
            return try LayoutProof.hosts(["Examples/fleets/arm64/"])
        }
    }

    static func vm(for machine: MachineKind, target: QEMUVersion) -> VMSpec {
        switch machine {
        case .q35, .pc: return VMSpec(machine: machine, ram: 12 * gib, maxmem: 16 * gib, slots: 1, cpuModel: "max", qemu: target)
        default: return VMSpec(machine: .virt, ram: 8 * gib, maxmem: 12 * gib, slots: 1, cpuModel: "max", qemu: target)
        }
    }

    @Test(.timeLimit(.minutes(3)), .enabled(if: !QEMUProcess.skipSlowTests(), "LAYOUTSOLVE_SKIP_SLOW_TESTS is set (starts one QEMU per machine type)"), arguments: MachineTypeCase.all)
    func mapsAsPredicted(_ c: MachineTypeCase) throws {
        let (solution, qemu) = try LayoutProof.prove(on: c.binary, Self.hosts(for: c.machine), Self.vm(for: c.machine, target: c.target))
        defer { qemu.stop() }
        #expect(solution.layout.machineType.hasSuffix("-\(c.target)"))
        #expect(solution.layout.dimmCount >= 1, "the layout exercises a DIMM over a hole")
        if c.machine == .virt {
            // The high regions QEMU placed are where the layout says (legacy or compact highmem).
            let tree = try qemu.memoryTree()
            for name in ["device-memory", "pcie-mmio-high"] {
                let predicted = try #require(solution.layout.regions.first { $0.name == name || ($0.kind == .deviceMemory && name == "device-memory") })
                let seen = try #require(tree.first(named: name), "\(name) missing in \(c.testDescription)")
                #expect(seen.start == predicted.range.start && seen.end == predicted.range.last, "\(name): QEMU \(seen.start)-\(seen.end) vs layout \(predicted.range)")
            }
        }
    }

    /// The targets no binary here can prove are known and few; the lead refuses them.
    @Test func unprovenTargetsAreOnlyTheOnesNewerThan10_0() {
        let unproven = Set(QEMUBinary.unprovenTargets.map(\.description))
        #expect(unproven.isEmpty, "accepted but unproven: \(unproven.sorted())")
        #expect(QEMUBinary.all.contains { $0.proves(QEMUVersion.default) })
    }

    /// The 10.0 wrapper really is 10.0 (the cache could hold something else).
    @Test(.enabled(if: QEMUBinary.testable.contains(.backports10)))
    func backportsBinaryIs10_0() throws {
        let line = try #require(QEMUBinary.backports10.versionLine(), "\(QEMUBinary.backports10.origin) is not installed")
        #expect(line.contains("version 10.0."), "\(line)")
    }
}
