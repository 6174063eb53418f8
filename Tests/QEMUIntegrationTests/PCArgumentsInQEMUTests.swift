import Foundation
import LayoutSolver
import Testing
import TestSupport

/// The emitted pc (i440fx) arguments, proven in a real paused qemu-system-x86_64, 7.2 and 10.0.
@Suite("pc arguments in real QEMU 7.2 and 10.0", .blocking)
struct PCArgumentsInQEMUTests {
    let gib = LayoutProof.gib
    let mib: UInt64 = 1 << 20

    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func raisedLowRAM(on binary: QEMUBinary) throws {
        let hosts = try LayoutProof.hosts(["Profiles/intel-xeon-vtd48.json"])
        let (solution, qemu) = try LayoutProof.prove(on: binary, hosts, VMSpec(machine: .pc, ram: 3686 * mib, pciHole32: 256 * mib, cpuModel: "max"))
        defer { qemu.stop() }
        #expect(try qemu.qomGetUInt64("/machine", "max-ram-below-4g") == 4 * gib)
        #expect(try qemu.qomGetUInt64("/machine/i440fx", "pci-hole-start") == 3686 * mib)
        #expect(solution.layout.machineType == "pc-i440fx-7.2")
    }

    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func loweredLowRAMAndADIMM(on binary: QEMUBinary) throws {
        let hosts = [
            LayoutProof.host("hp-rmrr", reserved: [(0xbdf6_e000, 0xbdf8_4fff, .direct)]),
            LayoutProof.host("hole-at-6g", reserved: [(6 * gib, 7 * gib - 1, .reserved)]),
        ]
        let (solution, qemu) = try LayoutProof.prove(on: binary, hosts, VMSpec(machine: .pc, ram: 12 * gib, maxmem: 16 * gib, slots: 1, pciHole64: 8 * gib, cpuModel: "max"))
        defer { qemu.stop() }
        guard let knobs = solution.layout.guest.knobs.pc else { return }
        #expect(knobs.maxRamBelow4G == 0xbde0_0000)
        #expect(knobs.dimms.count == 1 && knobs.slots == 2)
        #expect(try qemu.qomGetUInt64("/machine/i440fx", "pci-hole64-size") == 8 * gib)
    }
}
