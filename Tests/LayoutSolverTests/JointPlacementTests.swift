import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutPlacement
@testable import LayoutSolver

/// The classes of inputs the hand-made decisions around the old MIP lost (issue 12): planned DIMMs
/// that need a different cold layout, windows that may go where RAM starts, DIMMs in the guest's
/// own memory blocks, and explanations that name the family a layout needs lifted.
@Suite("One placement model: planned DIMMs, windows and memory blocks decided together")
struct JointPlacementTests {
    let gib: UInt64 = 1 << 30, mib: UInt64 = 1 << 20

    /// Linux x86_64's block size for a boot-memory end (arch/x86/mm/init_64.c), written out here
    /// independently of the solver's scenarios.
    func linuxBlockSize(bootEnd: UInt64) -> UInt64 {
        if bootEnd < 64 * gib { return 128 * mib }
        var block: UInt64 = 2 * gib
        while block > 128 * mib && bootEnd % block != 0 { block /= 2 }
        return block
    }

    func bootEnd(_ layout: GuestLayout) -> UInt64 {
        layout.regions.filter { $0.kind == .ram }.map { $0.range.last + 1 }.max() ?? 0
    }

    func expectWholeBlocks(_ layout: GuestLayout, _ comment: Comment? = nil) {
        let block = linuxBlockSize(bootEnd: bootEnd(layout))
        for dimm in layout.knobs.dimms + layout.knobs.hotplugPlan {
            #expect(dimm.address % block == 0 && dimm.size % block == 0, "\(dimm.id) at \(Hex.format(dimm.address)) of \(ByteCount.format(dimm.size)) is not in whole \(ByteCount.format(block)) blocks")
        }
    }

    @Test func aPlannedDIMMThatOnlyFitsWhenBootRAMShrinks() throws {
        // Free room: [4G, 10G), [10G+1M, 13G), [13G+1M, 16G), nothing above 16 GiB. The 4 GiB
        // planned DIMM fits only in the first room, so the above-4G RAM must leave 4 GiB of it.
        let host = Fixture.x86Host("tight", reserved: [
            (10 * gib, 10 * gib + mib - 1, .reserved), (13 * gib, 13 * gib + mib - 1, .reserved), (16 * gib, (1 << 46) - 1, .reserved),
        ])
        let vm = VMSpec(ram: 8 * gib, hotplug: [HotplugRequest(count: 1, size: 4 * gib)])
        let layout = try Solver.solve(hosts: [host], vm: vm).layout.guest
        let planned = try #require(layout.knobs.hotplugPlan.first)
        #expect(planned.address >= 4 * gib && planned.address + planned.size <= 10 * gib)
        #expect(LayoutVerifier.violations(of: layout, on: [host], strictRelaxable: false).isEmpty)
        expectWholeBlocks(layout)
    }

    @Test func aWindowThatMayGoWhereVirtRAMStartsIsPlacedPastTheRAM() throws {
        // An SMMU's software MSI window anywhere in [0x40000000, 4 GiB), by default at the RAM base.
        var arm = try Fixture.profile("arm64-smmuv3")
        arm.programmable = [ProgrammableRegion(type: .swMSI, size: mib, align: mib, within: AddressRange(spanning: 0x4000_0000, 0xffff_ffff), defaultBase: 0x4000_0000, path: "$.programmable[0]")]
        let solution = try Solver.solve(hosts: [arm], vm: VMSpec(machine: .virt, ram: 2 * gib))
        let window = try #require(solution.programmable.first)
        #expect(!solution.layout.guest.dmaTargets.contains { $0.range.overlaps(window.range) })
        // RAM keeps its base and gives up only what the window needs.
        #expect(solution.layout.guest.bootRAM == 2 * gib)
    }

    @Test func dimmsComeInThe128MiBBlocksOfASmallGuest() throws {
        // A firmware region at 1 GiB caps low RAM; holes above 4 GiB leave 2.5 GiB rooms. RAM of
        // 5.3 GiB used to need whole-GiB DIMMs; 128 MiB blocks let boot RAM keep more.
        let host = Fixture.x86Host("rooms", reserved: [
            (gib, gib + mib - 1, .reserved), (6 * gib + 512 * mib, 7 * gib - 1, .reserved), (9 * gib + 512 * mib, (1 << 46) - 1, .reserved),
        ])
        let layout = try Solver.solve(hosts: [host], vm: VMSpec(ram: 5 * gib + 300 * mib)).layout.guest
        #expect(bootEnd(layout) < 64 * gib)
        #expect(layout.knobs.dimms.contains { $0.size % gib != 0 }, "the DIMM takes a size no whole-GiB rule allowed")
        expectWholeBlocks(layout)
    }

    @Test(arguments: [70, 81, 97])
    func dimmsOfALargeGuestFollowTheEndOfItsBootRAM(ramGiB: UInt64) throws {
        // Boot RAM must end at or above 64 GiB; a hole forces a DIMM, whose block depends on that end.
        let host = Fixture.x86Host("large", reserved: [(66 * gib + 384 * mib, 66 * gib + 385 * mib - 1, .reserved)])
        let layout = try Solver.solve(hosts: [host], vm: VMSpec(ram: ramGiB * gib + 256 * mib)).layout.guest
        #expect(bootEnd(layout) >= 64 * gib)
        expectWholeBlocks(layout)
    }

    @Test func aStatedMemoryBlockSizeSizesEveryDIMM() throws {
        let host = Fixture.x86Host("rooms", reserved: [(6 * gib, 6 * gib + mib - 1, .reserved)])
        var vm = VMSpec(ram: 12 * gib, hotplug: [HotplugRequest(count: 2, size: gib)])
        vm.memoryBlockSize = gib
        let layout = try Solver.solve(hosts: [host], vm: vm).layout.guest
        for dimm in layout.knobs.dimms + layout.knobs.hotplugPlan {
            #expect(dimm.address % gib == 0 && dimm.size % gib == 0)
        }
    }

    @Test func memoryBlocksThatDoNotFitAreNamed() throws {
        // Rooms of 768 MiB between holes above a 4 GiB boot RAM room: 1 GiB blocks fit nowhere.
        var holes: [(UInt64, UInt64, ReservedType)] = [(5 * gib, 5 * gib + 256 * mib - 1, .reserved)]
        for index in 0..<8 { holes.append((6 * gib + UInt64(index) * gib - 256 * mib, 6 * gib + UInt64(index) * gib - 1, .reserved)) }
        holes.append((13 * gib, (1 << 46) - 1, .reserved))
        let host = Fixture.x86Host("slices", reserved: holes)
        var vm = VMSpec(ram: 6 * gib)
        vm.memoryBlockSize = gib
        let error = try #require(throws: NoLayoutExists.self) { try Solver.solve(hosts: [host], vm: vm) }
        #expect(error.conflicts.contains { $0.family == .memoryBlock })
        // Lifted as named: with the default (128 MiB) blocks it fits.
        vm.memoryBlockSize = nil
        #expect(throws: Never.self) { try Solver.solve(hosts: [host], vm: vm) }
    }
}
