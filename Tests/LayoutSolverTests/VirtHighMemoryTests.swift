import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement

/// virt's high regions as the solver sets them: pinned across IPA widths (8.0+), moved or switched
/// off for p2p, sized for `pci_hole64` (10.0), and read back from a command line by `verify`.
@Suite("virt high-memory knobs")
struct VirtHighMemoryTests {
    let gib: UInt64 = 1 << 30
    let v72 = QEMUVersion(major: 7, minor: 2), v82 = QEMUVersion(major: 8, minor: 2), v100 = QEMUVersion(major: 10, minor: 0)

    func arm(_ name: String, ipa: Int, holes: [(UInt64, UInt64)] = []) -> HostProfile {
        HostProfile(name: name, arch: .aarch64, cpuVendor: .arm, cpuPhysBits: ipa, iommuKind: .armSMMUv3, iommuAddressBits: 48,
                    reserved: holes.map { ReservedRegion(range: Fixture.range($0.0, $0.1), type: .reserved) }, file: "\(name).json")
    }

    func knobs(_ solution: Solution) throws -> VirtKnobs { try #require(solution.layout.guest.knobs.virt) }

    @Test func aNarrowIPAHostsDroppedRegionsAreSwitchedOffEverywhereFrom8_0() throws {
        let hosts = [arm("narrow", ipa: 39), arm("wide", ipa: 48)]
        let pinned = try Solver.solve(hosts: hosts, vm: VMSpec(machine: .virt, ram: 4 * gib, qemu: v82))
        #expect(try knobs(pinned).disabledHighRegions == [.mmio])
        #expect(QEMUArguments.argv(for: pinned.layout).contains { $0.contains("highmem-mmio=off") })
        // The wide host now derives the same map as the narrow one.
        var wide = try knobs(pinned)
        wide.ipaBits = 48
        #expect(try VirtModel.derive(wide).highMMIO == nil)
        // 7.2 has no switch: the layout warns instead.
        let legacy = try Solver.solve(hosts: hosts, vm: VMSpec(machine: .virt, ram: 4 * gib, qemu: v72))
        #expect(try knobs(legacy).disabledHighRegions.isEmpty)
        #expect(legacy.layout.notes.contains { $0.contains("drops pcie-mmio-high") }, "\(legacy.layout.notes)")
    }

    @Test func p2pMovesTheWindowOn10_0AndSwitchesItOffBefore() throws {
        let host = arm("hole-at-512g", ipa: 48, holes: [(512 * gib, 513 * gib - 1)])
        let moved = try Solver.solve(hosts: [host], vm: VMSpec(machine: .virt, ram: 4 * gib, p2p: true, qemu: v100))
        #expect(try knobs(moved).highMMIOSize == 1 << 40)
        #expect(moved.layout.regions.first { $0.name == "pcie-mmio-high" }?.range == Fixture.range(1 << 40, (1 << 41) - 1))
        let off = try Solver.solve(hosts: [host], vm: VMSpec(machine: .virt, ram: 4 * gib, p2p: true, qemu: v82))
        #expect(try knobs(off).disabledHighRegions == [.mmio] && !off.layout.regions.contains { $0.kind == .pciHole64 })
        #expect(throws: NoLayoutExists.self) { try Solver.solve(hosts: [host], vm: VMSpec(machine: .virt, ram: 4 * gib, p2p: true, qemu: v72)) }
    }

    @Test func pciHole64SizesTheWindowOn10_0Only() throws {
        let host = arm("wide", ipa: 48)
        let sized = try Solver.solve(hosts: [host], vm: VMSpec(machine: .virt, ram: 4 * gib, pciHole64: 600 * gib, qemu: v100))
        #expect(try knobs(sized).highMMIOSize == 1 << 40)
        #expect(throws: NoLayoutExists.self) { try Solver.solve(hosts: [host], vm: VMSpec(machine: .virt, ram: 4 * gib, pciHole64: 600 * gib, qemu: v82)) }
    }

    /// `verify --qemu-args` reads the knobs: the moved window fits, QEMU's default one does not.
    @Test func verifyReadsTheHighMemoryKnobs() throws {
        let host = arm("hole-at-512g", ipa: 48, holes: [(512 * gib, 513 * gib - 1)])
        let vm = VMSpec(machine: .virt, ram: 4 * gib, p2p: true, qemu: v100)
        let solution = try Solver.solve(hosts: [host], vm: vm)
        let line = QEMUArguments.argv(for: solution.layout).joined(separator: " ")
        #expect(try FitCheck.check(qemuCommandLine: line, hosts: [host], vm: vm).allSatisfy { $0.fits })
        let plain = line.replacingOccurrences(of: ",highmem-mmio-size=1T", with: "")
        #expect(try FitCheck.check(qemuCommandLine: plain, hosts: [host], vm: vm).contains { !$0.fits })
        let off = line.replacingOccurrences(of: "highmem-mmio-size=1T", with: "highmem-mmio=off")
        #expect(try FitCheck.check(qemuCommandLine: off, hosts: [host], vm: vm).allSatisfy { $0.fits })
    }

    @Test func theKnobsSurviveALayoutDocument() throws {
        let host = arm("hole-at-512g", ipa: 40, holes: [(300 * gib, 301 * gib - 1)])
        let solution = try Solver.solve(hosts: [host, arm("wide", ipa: 48)], vm: VMSpec(machine: .virt, ram: 4 * gib, p2p: true, qemu: v100))
        let text = LayoutJSON.render(solution)
        let read = try LayoutReader.read(Array(text.utf8), source: "layout.json")
        #expect(read.knobs == solution.layout.guest.knobs)
    }
}
