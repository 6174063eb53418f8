import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

/// The derivation against what QEMU 7.2.22 was seen to do (QEMUMemoryLayout.md in LayoutSolver.docc, [run] facts).
@Suite("pc/q35 model = QEMU 7.2's derivation")
struct PCMachineModelTests {
    let gib: UInt64 = 1 << 30

    func derive(_ knobs: PCMachineKnobs) throws -> PCDerivation { try PCMachineModel.derive(knobs) }

    @Test func lowRAMDefaults() throws {
        // -m 2815M: all low; -m 2816M (0xb0000000): 2G + 768M (the domain notes say 816M, a typo: 2816 - 2048 = 768); -m 4G: 2G + 2G.
        #expect(try derive(PCMachineKnobs(ramSize: 2815 << 20, physBits: 40, vendor: .intel)).below4GSize == 2815 << 20)
        let edge = try derive(PCMachineKnobs(ramSize: 2816 << 20, physBits: 40, vendor: .intel))
        #expect(edge.below4GSize == 2 * gib && edge.above4GSize == 768 << 20)
        let four = try derive(PCMachineKnobs(ramSize: 4 * gib, physBits: 40, vendor: .intel))
        #expect(four.below4GSize == 2 * gib && four.above4GStart == 4 * gib && four.above4GSize == 2 * gib)
        // q35 -m 4G: pci-hole64 0x180000000..0x980000000 (QOM end is exclusive).
        #expect(four.pciHole64 == AddressRange(start: 0x1_8000_0000, last: 0x9_7fff_ffff))
        #expect(four.pciHole32 == AddressRange(start: 0x8000_0000, last: 0xfebf_ffff))
    }

    @Test func maxRamBelow4GOnlyLowers() throws {
        let lowered = try derive(PCMachineKnobs(ramSize: 4 * gib, maxRamBelow4G: gib, physBits: 40, vendor: .intel))
        #expect(lowered.below4GSize == gib && lowered.above4GSize == 3 * gib)
        let notRaised = try derive(PCMachineKnobs(ramSize: 8 * gib, maxRamBelow4G: 2560 << 20, physBits: 40, vendor: .intel))
        #expect(notRaised.below4GSize == 2 * gib)
        #expect(throws: QEMURejection("Machine option 'max-ram-below-4g=5368709120' expects size less than or equal to 4G")) {
            try derive(PCMachineKnobs(ramSize: 4 * gib, maxRamBelow4G: 5 * gib, physBits: 40, vendor: .intel))
        }
        // The verified run: low RAM ends exactly at 0x7b800000, and QEMU warns about the 1 GiB alignment.
        let odd = try derive(PCMachineKnobs(ramSize: 4_219_469_824, maxRamBelow4G: 0x7b80_0000, maxmem: 32 * gib, slots: 5, physBits: 40, vendor: .intel,
                                      dimms: [.init(id: "d0", address: 7 * gib, size: gib)]))
        #expect(odd.below4GSize == 0x7b80_0000)
        #expect(odd.above4G == AddressRange(start: 4 * gib, last: 6 * gib - 1))
        #expect(odd.dimms.first?.range == AddressRange(start: 7 * gib, size: gib))
        #expect(odd.warnings.count == 1)
    }

    /// The hand-written `==` compares every stored field, QEMU's warnings included.
    @Test func derivationEqualityComparesEveryField() throws {
        let odd = try derive(PCMachineKnobs(ramSize: 4_219_469_824, maxRamBelow4G: 0x7b80_0000, maxmem: 32 * gib, slots: 5, physBits: 40, vendor: .intel,
                                      dimms: [.init(id: "d0", address: 7 * gib, size: gib)]))
        #expect(odd == odd)
        var silent = odd
        silent.warnings = []
        #expect(silent != odd)
        var planned = odd
        planned.plannedDIMMs = [(id: "p0", range: AddressRange(start: 8 * gib, size: gib)!)]
        #expect(planned != odd)
        var moved = odd
        moved.dimms = [(id: "d0", range: AddressRange(start: 9 * gib, size: gib)!)]
        #expect(moved != odd)
    }

    @Test func deviceMemoryAndHole64() throws {
        // q35 -m 2G,slots=4,maxmem=8G: device memory at 4G, 10G; hole64 at 14G.
        let small = try derive(PCMachineKnobs(ramSize: 2 * gib, maxmem: 8 * gib, slots: 4, physBits: 40, vendor: .intel))
        #expect(small.deviceMemory == AddressRange(start: 4 * gib, size: 10 * gib))
        #expect(small.pciHole64.start == 0x3_8000_0000)
        // q35, 6G, one 1G DIMM at device-memory base 0x200000000.
        let six = try derive(PCMachineKnobs(ramSize: 6 * gib, maxmem: 8 * gib, slots: 2, physBits: 40, vendor: .intel,
                                      dimms: [.init(id: "m0", address: 0x2_0000_0000, size: gib)]))
        #expect(six.deviceMemory?.start == 0x2_0000_0000)
    }

    @Test func amdRelocationFollowsMaxUsedGPA() throws {
        // -cpu EPYC,phys-bits=48 -m 4G,slots=2,maxmem=1000G: above-4G RAM at 1 TiB, reserved-memory-end 0x1fa00000000.
        let relocated = try derive(PCMachineKnobs(ramSize: 4 * gib, maxmem: 1000 * gib, slots: 2, physBits: 48, vendor: .amd))
        #expect(relocated.relocatedAbove1TiB && relocated.above4GStart == 0x100_0000_0000)
        #expect(relocated.deviceMemory.map { $0.last + 1 } == 0x1fa_0000_0000)
        #expect(relocated.reservesAMDHyperTransport)
        // The same knobs on an Intel vCPU stay at 4 GiB.
        #expect(try derive(PCMachineKnobs(ramSize: 4 * gib, maxmem: 1000 * gib, slots: 2, physBits: 48, vendor: .intel)).above4GStart == 4 * gib)
        // -m 2G,slots=1,maxmem=1010G relocates although no RAM is above 4G: reserved-memory-end 0x1fc40000000.
        let onlyDevice = try derive(PCMachineKnobs(ramSize: 2 * gib, maxmem: 1010 * gib, slots: 1, physBits: 48, vendor: .amd))
        #expect(onlyDevice.relocatedAbove1TiB && onlyDevice.deviceMemory?.start == 0x100_0000_0000)
        #expect(onlyDevice.deviceMemory.map { ($0.last + 1 + gib - 1) & ~(gib - 1) } == 0x1fc_4000_0000)
        // Machine types up to 7.0 do not relocate.
        #expect(try derive(PCMachineKnobs(ramSize: 4 * gib, maxmem: 1000 * gib, slots: 2, physBits: 48, vendor: .amd, enforceAMD1TiBHole: false)).above4GStart == 4 * gib)
        // A hole64 that alone reaches the HyperTransport range relocates too (pc -m 8G, pci-hole64-size=1004G did on a run).
        #expect(try derive(PCMachineKnobs(ramSize: 8 * gib, pciHole64Size: 1004 * gib, physBits: 48, vendor: .amd)).relocatedAbove1TiB)
        #expect(try !derive(PCMachineKnobs(ramSize: 8 * gib, pciHole64Size: 1000 * gib, physBits: 48, vendor: .amd)).relocatedAbove1TiB)
    }

    @Test func physBitsCheckMatchesQEMUsMessage() {
        // -cpu EPYC -m 4G,slots=2,maxmem=1000G: "Address space limit 0xffffffffff < 0x201ffffffff phys-bits too low (40)".
        #expect(throws: QEMURejection("Address space limit 0xffffffffff < 0x201ffffffff phys-bits too low (40)")) {
            try PCMachineModel.derive(PCMachineKnobs(ramSize: 4 * gib, maxmem: 1000 * gib, slots: 2, physBits: 40, vendor: .amd))
        }
        #expect(throws: QEMURejection.self) { try PCMachineModel.derive(PCMachineKnobs(ramSize: 4 * gib, physBits: 31, vendor: .intel)) }
    }

    @Test func memoryOptionErrors() {
        #expect(throws: QEMURejection("slots specified but no max-size")) { try derive(PCMachineKnobs(ramSize: 4 * gib, slots: 2, physBits: 40, vendor: .intel)) }
        #expect(throws: QEMURejection.self) { try derive(PCMachineKnobs(ramSize: 4 * gib, maxmem: 2 * gib, physBits: 40, vendor: .intel)) }
        let knobs = { (dimms: [PCMachineKnobs.DIMM]) in PCMachineKnobs(ramSize: 6 * gib, maxmem: 8 * gib, slots: 2, physBits: 40, vendor: .intel, dimms: dimms) }
        // Device memory is [0x200000000, +4 GiB) here: 2 GiB plug room plus 1 GiB per slot.
        #expect(throws: QEMURejection("can't add memory device [0x100000000:0x40000000], usable range for memory devices [0x200000000:0x100000000]")) {
            try derive(knobs([.init(id: "d0", address: 0x1_0000_0000, size: gib)]))
        }
        #expect(throws: QEMURejection("address must be aligned to 0x200000 bytes")) { try derive(knobs([.init(id: "d0", address: 0x2_0010_0000, size: gib)])) }
        #expect(throws: QEMURejection("address range conflicts with memory device id='d0'")) {
            try derive(knobs([.init(id: "d0", address: 0x2_0000_0000, size: gib), .init(id: "d1", address: 0x2_2000_0000, size: gib)]))
        }
        #expect(throws: QEMURejection.self) { try derive(knobs([.init(id: "d0", address: 0x2_0000_0000, size: 3 * gib)])) }
    }

    /// pc (i440fx) runs on QEMU 7.2.22, from QEMUMemoryLayout.md (LayoutSolver.docc), "pc and q35: RAM below and above 4 GiB".
    @Test func i440fxLowRAMRules() throws {
        func split(_ ram: UInt64, _ limit: UInt64? = nil) throws -> (UInt64, UInt64, Int) {
            let derived = try derive(PCMachineKnobs(chipset: .i440fx, ramSize: ram, maxRamBelow4G: limit, physBits: 40, vendor: .intel))
            return (derived.below4GSize, derived.above4GSize, derived.warnings.count)
        }
        let mib: UInt64 = 1 << 20
        #expect(try split(4 * gib) == (3 * gib, gib, 0))
        #expect(try split(3584 * mib) == (3 * gib, 512 * mib, 0))
        #expect(try split(3583 * mib) == (3583 * mib, 0, 0))
        #expect(try split(4 * gib, 2 * gib) == (2 * gib, 2 * gib, 0))
        #expect(try split(4 * gib, 3584 * mib) == (3 * gib, gib, 0))
        #expect(try split(4 * gib, 2560 * mib) == (2560 * mib, 1536 * mib, 1))
        #expect(try split(3968 * mib, 4 * gib) == (3968 * mib, 0, 0))
        let four = try derive(PCMachineKnobs(chipset: .i440fx, ramSize: 4 * gib, physBits: 40, vendor: .intel))
        #expect(four.pciHole64 == AddressRange(start: 0x1_4000_0000, last: 0x1_bfff_ffff))
        #expect(four.pciHole32 == AddressRange(start: 0xc000_0000, last: 0xfebf_ffff))
        #expect(!PCMachineModel.regions(of: four, chipset: .i440fx, p2p: false).contains { $0.name == "pcie-mmconfig" })
    }

    /// The AMD 1 TiB rule on pc as on q35: the exact derivation for guests too big to start here.
    @Test(arguments: [PCChipset.q35, .i440fx])
    func amdRelocationOnBothChipsets(chipset: PCChipset) throws {
        let big = PCMachineKnobs(chipset: chipset, ramSize: 1100 * gib, physBits: 48, vendor: .amd)
        let relocated = try derive(big)
        #expect(relocated.relocatedAbove1TiB && relocated.above4GStart == 1 << 40)
        #expect(relocated.above4GSize == 1100 * gib - relocated.below4GSize)
        var intel = big
        intel.vendor = .intel
        let stays = try derive(intel)
        #expect(!stays.relocatedAbove1TiB && stays.above4G!.overlaps(AddressRange(start: 0xfd_0000_0000, last: 0xff_ffff_ffff)!))
        // The exact verifier catches the Intel map on an AMD host with the HyperTransport hole.
        let amdHost = Fixture.x86Host("epyc", vendor: "amd", cpuBits: 48, reserved: [Fixture.amdHT])
        let layout = GuestLayout(machine: chipset == .q35 ? .q35 : .pc, machineType: intel.machineType, qemu: .default, vm: VMSpec(ram: 1100 * gib),
                                 physBits: 48, cpuVendor: .intel, knobs: .pc(intel), regions: PCMachineModel.regions(of: stays, chipset: chipset, p2p: false),
                                 topAddress: stays.maxUsedGPA, notes: [])
        #expect(LayoutVerifier.violations(of: layout, on: [amdHost], strictRelaxable: false).contains { $0.message.contains("HyperTransport") || $0.message.contains("0xfd00000000") })
        // Relocation needs more than 40 phys-bits.
        #expect(throws: QEMURejection.self) { try derive(PCMachineKnobs(chipset: chipset, ramSize: 1100 * gib, physBits: 40, vendor: .amd)) }
    }
}

