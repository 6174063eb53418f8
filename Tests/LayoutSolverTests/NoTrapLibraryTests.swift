import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutPlacement

/// Hostile values through the public library API: an `InputError` naming the host, never a trap.
@Suite("library: invariants a caller can break are errors, not traps")
struct NoTrapLibraryTests {
    let gib: UInt64 = 1 << 30

    func host(physBits: Int = 46, iommuBits: Int = 48, count: Int = 1, programmable: [ProgrammableRegion] = []) -> HostProfile {
        HostProfile(name: "hostile", arch: .x86_64, cpuVendor: "intel", cpuPhysBits: physBits, iommuKind: IOMMUKind.intelVTd,
                    iommuAddressBits: iommuBits, programmable: programmable, count: count)
    }

    @Test(arguments: [(-1, 48), (0, 48), (46, -5), (46, 0), (46, 65), (200, 48), (Int.min, Int.max)])
    func widthsOutsideOneToSixtyFour(physBits: Int, iommuBits: Int) throws {
        #expect {
            _ = try Solver.solve(hosts: [host(physBits: physBits, iommuBits: iommuBits)], vm: VMSpec(ram: 4 * gib))
        } throws: { error in
            "\(error)".contains("host \"hostile\"") && "\(error)".contains("outside 1...64")
        }
    }

    @Test func countBelowOne() throws {
        #expect(throws: InputError.self) { _ = try Solver.solve(hosts: [host(count: 0)], vm: VMSpec(ram: 4 * gib)) }
        #expect(throws: InputError.self) { _ = try Solver.solve(hosts: [host(count: -3)], vm: VMSpec(ram: 4 * gib)) }
    }

    @Test(arguments: [(UInt64(0), UInt64(1) << 20), (UInt64(1) << 20, UInt64(0)), (UInt64(1) << 20, UInt64(3) << 20)])
    func programmableWindowSizeAndAlignment(size: UInt64, align: UInt64) throws {
        let window = ProgrammableRegion(type: .swMSI, size: size, align: align, within: AddressRange(spanning: 0, 0xffff_ffff), defaultBase: nil)
        #expect(throws: InputError.self) { _ = try Solver.solve(hosts: [host(programmable: [window])], vm: VMSpec(ram: 4 * gib)) }
    }

    /// Found by the exhaustive judge: q35 with max-ram-below-4g above a smaller guest's RAM trapped
    /// on `ram - lowmem`; QEMU computes it in uint64_t, wraps, and warns, and so does the model.
    @Test func q35LowLimitAboveTheRAMWarnsAsQEMUDoes() throws {
        let derived = try PCMachineModel.derive(PCMachineKnobs(chipset: .q35, ramSize: gib, maxRamBelow4G: 1536 << 20, physBits: 46, vendor: .intel))
        #expect(derived.below4GSize == gib && derived.above4GSize == 0)
        #expect(derived.warnings.count == 1 && derived.warnings[0].contains("possibly poor performance"))
    }

    @Test func pcDerivationAtTheIOAPICThrowsQEMURejection() throws {
        for ram: UInt64 in [0xfec0_0000, 0xff00_0000] {
            #expect(throws: QEMURejection.self) {
                _ = try PCMachineModel.derive(PCMachineKnobs(chipset: .i440fx, ramSize: ram, maxRamBelow4G: 4 * gib, physBits: 46, vendor: .intel))
            }
        }
    }

    @Test func totalRangeConstructors() {
        #expect(AddressRange(spanning: 5, 1) == AddressRange(start: 1, last: 5))
        #expect(AddressRange(constantStart: .max, size: 16) == AddressRange(start: .max, last: .max))
        #expect(AddressRange(constantStart: 0x1000, size: 0x1000) == AddressRange(start: 0x1000, size: 0x1000))
    }
}
