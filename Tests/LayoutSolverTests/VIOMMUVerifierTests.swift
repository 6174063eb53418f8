import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutPlacement
@testable import LayoutSolver

/// The exact check of the virtio-iommu plan: solved plans pass, corrupted ones are caught by kind.
@Suite("The exact verifier checks the virtio-iommu plan")
struct VIOMMUVerifierTests {
    let gib: UInt64 = 1 << 30

    func solved(qemu: QEMUVersion) throws -> (Solution, [HostProfile]) {
        let hosts = [
            Fixture.x86Host("client", cpuBits: 46, iommuBits: 39, reserved: [(0xbdf6_e000, 0xbdf8_4fff, .direct)]),
            Fixture.x86Host("epyc", vendor: "amd", cpuBits: 48, reserved: [Fixture.amdHT]),
        ]
        let vm = VMSpec(ram: 8 * gib, cpuVendor: .intel, qemu: qemu, viommu: .virtioIOMMU)
        return (try Solver.solve(hosts: hosts, vm: vm), hosts)
    }

    func kinds(_ plan: VIOMMUPlan, _ solution: Solution, _ hosts: [HostProfile]) -> Set<Violation.Kind> {
        Set(LayoutVerifier.violations(of: plan, layout: solution.layout.guest, placements: solution.programmable, on: hosts, strictRelaxable: false).map(\.kind))
    }

    @Test(arguments: [QEMUVersion(major: 7, minor: 2), QEMUVersion(major: 8, minor: 2), QEMUVersion(major: 9, minor: 0)])
    func solvedPlansPassAndCorruptedOnesAreCaught(qemu: QEMUVersion) throws {
        let (solution, hosts) = try solved(qemu: qemu)
        let plan = try #require(solution.layout.guest.viommu)
        #expect(kinds(plan, solution, hosts).isEmpty)

        // A host's direct region left out.
        var dropped = plan
        dropped.regions.removeAll { $0.range.start == 0xbdf6_e000 }
        #expect(kinds(dropped, solution, hosts) == [.viommuMissesHostRegion])

        // The MSI doorbell typed plain reserved.
        var retyped = plan
        retyped.regions = retyped.regions.map { $0.type == .msi ? ($0.range, .reserved) : $0 }
        #expect(kinds(retyped, solution, hosts) == [.viommuWrongRegionType])

        // A reserved range over guest RAM.
        var overRAM = plan
        overRAM.regions.insert((Fixture.range(0x10_0000, 0x1f_ffff), .reserved), at: 0)
        #expect(kinds(overRAM, solution, hosts) == [.viommuOverlapsGuest])

        // Widths that are not the set's.
        var wide = plan
        wide.narrowestIOMMUBits = 48
        wide.addressBits = plan.addressBits.map { _ in 48 }
        #expect(kinds(wide, solution, hosts).contains(.viommuInconsistent))
        var noWindow = plan
        noWindow.machineWindow = nil
        #expect(kinds(noWindow, solution, hosts) == [.viommuInconsistent])
    }

    @Test func aPlacedProgrammableWindowMustBeTypedMSI() throws {
        let window = ProgrammableRegion(type: .swMSI, size: 1 << 20, align: 1 << 20, within: Fixture.range(0, 0xffff_ffff), defaultBase: 0x800_0000)
        let arm = HostProfile(name: "arm", arch: .aarch64, cpuVendor: .arm, cpuPhysBits: 44, iommuKind: .armSMMUv3, iommuAddressBits: 44, programmable: [window])
        let solution = try Solver.solve(hosts: [arm], vm: VMSpec(machine: .virt, ram: 4 * gib, qemu: QEMUVersion(major: 9, minor: 0), viommu: .virtioIOMMU))
        let plan = try #require(solution.layout.guest.viommu)
        #expect(!solution.programmable.isEmpty)
        #expect(kinds(plan, solution, [arm]).isEmpty)
        var plain = plan
        plain.regions = plain.regions.map { ($0.range, .reserved) }
        #expect(kinds(plain, solution, [arm]).contains(.viommuWrongRegionType))
        var missing = plan
        missing.regions.removeAll { $0.range.overlaps(solution.programmable[0].range) }
        #expect(kinds(missing, solution, [arm]).contains(.viommuMissesHostRegion))
    }
}
