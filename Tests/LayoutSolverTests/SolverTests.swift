import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

@Suite("Solver: q35 layouts for fleets")
struct SolverTests {
    let gib: UInt64 = 1 << 30
    let mib: UInt64 = 1 << 20

    func solve(_ hosts: [HostProfile], _ vm: VMSpec) throws -> Solution { try Solver.solve(hosts: hosts, vm: vm) }

    func knobs(_ solution: Solution) -> PCMachineKnobs {
        guard let knobs = solution.layout.guest.knobs.pc else { fatalError("not q35") }
        return knobs
    }

    @Test func rmrrBelow2GiBShortensLowRAM() throws {
        let host = Fixture.x86Host("xeon-rmrr", reserved: [(0x7bb2_4000, 0x7bb3_2fff, .direct)])
        let solution = try solve([host], VMSpec(ram: 8 * gib))
        let low = solution.layout.regions.first { $0.name == "ram-below-4g" }!
        #expect(low.range.last + 1 == 0x7ba0_0000)
        #expect(knobs(solution).maxRamBelow4G == 0x7ba0_0000)
        #expect(solution.layout.bootRAM == 8 * gib && solution.layout.dimmCount == 0)
        #expect(QEMUArguments.argv(for: solution.layout).contains("pc-q35-7.2,max-ram-below-4g=1978M"))
    }

    @Test func relaxableRegionsAreIgnoredUnlessStrict() throws {
        let host = Fixture.x86Host("client", reserved: [(0, 0xff_ffff, .directRelaxable), (0x3c00_0000, 0x407f_ffff, .directRelaxable)])
        let relaxed = try solve([host], VMSpec(ram: 8 * gib))
        #expect(knobs(relaxed).maxRamBelow4G == nil)
        #expect {
            try Solver.solve(hosts: [host], vm: VMSpec(ram: 8 * gib), options: SolveOptions(strictRelaxable: true))
        } throws: { ($0 as? NoLayoutExists)?.description.contains("address 0") ?? false }
    }

    @Test func holeAbove4GiBForcesOneDIMM() throws {
        let host = Fixture.x86Host("hole", reserved: [(8 * gib, 9 * gib - 1, .reserved)])
        let solution = try solve([host], VMSpec(ram: 16 * gib))
        let k = knobs(solution)
        #expect(k.ramSize == 6 * gib)
        #expect(k.dimms == [.init(id: "ls-dimm0", address: 9 * gib, size: 10 * gib)])
        #expect(k.slots == 1 && k.maxmem == 16 * gib + (k.maxmem! - 16 * gib))
        #expect(solution.layout.regions.first { $0.name == "ram-above-4g" }?.range == AddressRange(start: 4 * gib, last: 8 * gib - 1))
        let device = solution.layout.regions.first { $0.kind == .deviceMemory }!.range
        #expect(device.contains(AddressRange(start: 9 * gib, size: 10 * gib)!))
    }

    @Test func fewestDIMMsBeatsLowerAddresses() throws {
        // A 1 GiB gap between two holes, then open space: one DIMM past both beats two DIMMs.
        let host = Fixture.x86Host("holes", reserved: [(8 * gib, 9 * gib - 1, .reserved), (10 * gib, 11 * gib - 1, .reserved)])
        let k = knobs(try solve([host], VMSpec(ram: 16 * gib)))
        #expect(k.dimms.count == 1 && k.dimms[0].address == 11 * gib)
    }

    @Test func narrowIOMMUCapsPhysBits() throws {
        let solution = try solve([Fixture.x86Host("xeon"), Fixture.x86Host("client", cpuBits: 46, iommuBits: 39)], VMSpec(ram: 64 * gib))
        // 38: the widest within the 39-bit IOMMU that firmware does not trust (BARs stay in pci-hole64).
        #expect(solution.layout.physBits == 38)
        #expect(solution.layout.dmaTargets.allSatisfy { $0.range.last < 1 << 39 })
        #expect(solution.layout.topAddress < 1 << 39)
    }

    @Test func hugepageAlignmentAppliesToEveryPiece() throws {
        let host = Fixture.x86Host("odd", reserved: [(0x6000_0000, 0x6000_0fff, .direct), (20 * gib + 4 * mib, 21 * gib, .reserved)])
        let solution = try solve([host], VMSpec(ram: 32 * gib, ramAlign: gib))
        let k = knobs(solution)
        #expect(k.maxRamBelow4G == nil || k.maxRamBelow4G! % gib == 0)
        for region in solution.layout.regions where region.kind == .ram || region.kind == .dimm {
            #expect(region.range.start % gib == 0 && region.range.size! % gib == 0, "\(region.name) \(region.range)")
        }
        #expect(k.dimms.allSatisfy { $0.address % gib == 0 && $0.size % gib == 0 })
        #expect(QEMUArguments.argv(for: solution.layout).contains { $0.hasPrefix("memory-backend-file,id=ls-ram") })
    }

    @Test func userSlotsAndMaxmemStayFree() throws {
        let host = Fixture.x86Host("hole", reserved: [(8 * gib, 9 * gib - 1, .reserved)])
        let solution = try solve([host], VMSpec(ram: 16 * gib, maxmem: 48 * gib, slots: 4))
        let k = knobs(solution)
        #expect(k.slots == 4 + k.dimms.count)
        let dimmBytes = k.dimms.reduce(0) { $0 + $1.size }
        #expect(k.maxmem! - k.ramSize - dimmBytes >= 32 * gib)
    }

    @Test func sameAnswerInAnyHostOrder() throws {
        let hosts = [
            Fixture.x86Host("a", reserved: [(0x7bb2_4000, 0x7bb3_2fff, .direct)]),
            Fixture.x86Host("b", vendor: "intel", cpuBits: 46, iommuBits: 39),
            Fixture.x86Host("c", reserved: [(20 * gib, 21 * gib - 1, .reserved)]),
        ]
        let vm = VMSpec(name: "order", ram: 48 * gib, maxmem: 64 * gib, slots: 2)
        let reference = LayoutJSON.document(for: try solve(hosts, vm)).rendered()
        for permutation in [[2, 1, 0], [1, 0, 2], [0, 2, 1], [2, 0, 1]] {
            #expect(LayoutJSON.document(for: try solve(permutation.map { hosts[$0] }, vm)).rendered() == reference)
        }
    }

    @Test func amdVCPURelocatesBigGuestsAndPinsTheVendor() throws {
        let amd = Fixture.x86Host("epyc", vendor: "amd", cpuBits: 48, reserved: [Fixture.amdHT])
        let solution = try solve([amd], VMSpec(ram: 1100 * gib))
        #expect(solution.layout.cpuVendor == .amd)
        #expect(solution.layout.regions.first { $0.name == "ram-above-4g" }?.range.start == 0x100_0000_0000)
        #expect(QEMUArguments.argv(for: solution.layout).contains { $0.hasSuffix("vendor=AuthenticAMD") })
        #expect(solution.layout.physBits >= 41)
    }

    @Test func intelVCPUStepsOverTheHyperTransportHoleWithADIMM() throws {
        let fleet = [Fixture.x86Host("xeon"), Fixture.x86Host("epyc", vendor: "amd", cpuBits: 48, reserved: [Fixture.amdHT])]
        let solution = try solve(fleet, VMSpec(ram: 1100 * gib, cpuVendor: .intel))
        let k = knobs(solution)
        #expect(k.dimms.count == 1 && k.dimms[0].address == 0x100_0000_0000)
        #expect(solution.layout.regions.first { $0.name == "ram-above-4g" }?.range.last == 0xfc_ffff_ffff)
    }

    @Test func mixedVendorsWithoutPinStayBelowTheRelocationThreshold() throws {
        let fleet = [Fixture.x86Host("xeon"), Fixture.x86Host("epyc", vendor: "amd", cpuBits: 48, reserved: [Fixture.amdHT])]
        let solution = try solve(fleet, VMSpec(ram: 64 * gib))
        #expect(solution.layout.cpuVendor == nil)
        #expect(!QEMUArguments.argv(for: solution.layout).contains { $0.contains("vendor=") })
        #expect(solution.layout.topAddress < 0xfd_0000_0000)
        #expect {
            try solve(fleet, VMSpec(ram: 1100 * gib))
        } throws: { ($0 as? NoLayoutExists)?.description.contains("pin cpu_vendor") ?? false }
    }

    @Test func infeasibleNamesHostsRegionsAndNumbers() throws {
        let fleet = [
            Fixture.x86Host("intel-client-39", cpuBits: 46, iommuBits: 39),
            Fixture.x86Host("amd-epyc-7003", vendor: "amd", cpuBits: 48, reserved: [Fixture.amdHT]),
        ]
        do {
            _ = try solve(fleet, VMSpec(ram: 1100 * gib, cpuVendor: .intel))
            Issue.record("a 1100 GiB VM cannot fit a 39-bit IOMMU")
        } catch let error as NoLayoutExists {
            let text = error.description
            #expect(text.contains("1100 GiB") && text.contains("2^39") && text.contains("intel-client-39"))
            #expect(error.conflicts[0].hosts.contains("intel-client-39"))
        }
    }

    @Test func guestAddressZeroReservedIsExplained() {
        let host = Fixture.x86Host("s390ish", reserved: [(0, 0xffff_ffff, .reserved)])
        #expect {
            try solve([host], VMSpec(ram: 4 * gib))
        } throws: { error in
            guard let error = error as? NoLayoutExists else { return false }
            return error.conflicts[0].hosts == ["s390ish"] && error.description.contains("address 0")
        }
    }

    @Test func p2pMovesThe64BitHolePastAHole() throws {
        let host = Fixture.x86Host("p2p", reserved: [(40 * gib, 41 * gib - 1, .reserved)])
        let solution = try solve([host], VMSpec(ram: 4 * gib, p2p: true))
        let hole64 = solution.layout.regions.first { $0.kind == .pciHole64 }!
        #expect(hole64.isDMATarget)
        #expect(!hole64.range.overlaps(AddressRange(start: 40 * gib, last: 41 * gib - 1)!))
        #expect(solution.layout.regions.first { $0.kind == .pciHole32 }!.isDMATarget)
    }

    @Test func programmableWindowMovesOutOfGuestRAM() throws {
        let window = ProgrammableRegion(type: .swMSI, size: mib, align: mib, within: AddressRange(start: 0, last: 0xffff_ffff)!, defaultBase: 0x800_0000, path: "$.programmable[0]")
        let host = Fixture.x86Host("swmsi", programmable: [window])
        let solution = try solve([host], VMSpec(ram: 8 * gib))
        let placement = try #require(solution.programmable.first)
        #expect(!placement.isDefault)
        #expect(!solution.layout.dmaTargets.contains { $0.range.overlaps(placement.range) })
        #expect(placement.range.start % mib == 0)
    }

    @Test func programmableWindowWithNoRoomShortensLowRAMAsLittleAsPossible() throws {
        // The window may only live inside [0, 1 GiB), which low RAM would cover: the model shortens
        // low RAM just enough for the window to sit at the top of that range.
        let window = ProgrammableRegion(type: .swMSI, size: mib, align: mib, within: AddressRange(start: 0, last: gib - 1)!, defaultBase: 0x800_0000, path: "$.programmable[0]")
        let solution = try solve([Fixture.x86Host("tight", programmable: [window])], VMSpec(ram: 8 * gib))
        #expect(solution.programmable.first?.range == AddressRange(start: gib - 2 * mib, size: mib))
        #expect(solution.layout.regions.first { $0.name == "ram-below-4g" }?.range.size == gib - 2 * mib)
    }

    @Test func wrongArchitectureIsAnInputError() throws {
        var arm = Fixture.x86Host("arm")
        arm.arch = .aarch64
        #expect(throws: InputError.self) { try solve([arm], VMSpec(ram: 4 * gib)) }
        #expect(throws: InputError.self) { try solve([], VMSpec(ram: 4 * gib)) }
        #expect(throws: InputError.self) { try solve([Fixture.x86Host("x")], VMSpec(ram: 4 * gib + 1)) }
    }

    @Test func everyBundledExampleSolvesOrExplains() throws {
        let hosts = try InputLoader.loadHosts(paths: [Fixture.path("Examples/fleets/mixed-x86")])
        for name in ["small-4g", "db-64g", "hugepage-1g"] {
            let vm = try InputLoader.loadVM(path: Fixture.path("Examples/vm/\(name).json"))
            let solution = try Solver.solve(hosts: hosts, vm: vm)
            #expect(LayoutVerifier.violations(of: solution.layout.guest, on: hosts, strictRelaxable: false).isEmpty)
        }
    }

    @Test func pcRaisesAndLowersLowRAM() throws {
        let plain = Fixture.x86Host("xeon")
        // Raised: with a 256 MiB minimum 32-bit hole, 3.6 GiB fits below 4 GiB (QEMU's default would split it 3 GiB + 0.6 GiB).
        let raised = try solve([plain], VMSpec(machine: .pc, ram: 3686 * mib, pciHole32: 256 * mib))
        #expect(knobs(raised).maxRamBelow4G == 4 * gib)
        #expect(raised.layout.regions.first { $0.name == "ram-below-4g" }?.range.size == 3686 * mib)
        #expect(!raised.layout.regions.contains { $0.name == "ram-above-4g" })
        // By default the same VM keeps QEMU's own split.
        let plainSplit = try solve([plain], VMSpec(machine: .pc, ram: 3686 * mib))
        #expect(knobs(plainSplit).maxRamBelow4G == nil)
        // Lowered: an RMRR at 0x7bb24000 ends low RAM below it.
        let lowered = try solve([Fixture.x86Host("rmrr", reserved: [(0x7bb2_4000, 0x7bb3_2fff, .direct)])], VMSpec(machine: .pc, ram: 8 * gib))
        #expect(knobs(lowered).maxRamBelow4G == 0x7ba0_0000)
        #expect(knobs(lowered).chipset == .i440fx && knobs(lowered).machineType == "pc-i440fx-7.2")
        // An RMRR at 0xbdf6e000 is inside q35's 32-bit hole but inside pc's default 3 GiB of low RAM.
        let hp = try solve([Fixture.x86Host("hp", reserved: [(0xbdf6_e000, 0xbdf8_4fff, .direct)])], VMSpec(machine: .pc, ram: 8 * gib))
        #expect(hp.layout.regions.first { $0.name == "ram-below-4g" }!.range.last < 0xbdf6_e000)
        #expect(QEMUArguments.argv(for: hp.layout).contains("pc-i440fx-7.2,max-ram-below-4g=3038M"))
    }

    @Test func pcHole64GoesOnTheI440FXHostBridge() throws {
        let solution = try solve([Fixture.x86Host("xeon")], VMSpec(machine: .pc, ram: 8 * gib, pciHole64: 64 * gib))
        #expect(QEMUArguments.argv(for: solution.layout).contains("i440FX-pcihost.pci-hole64-size=64G"))
    }

    /// Found by the fleet check: a layout planned above 1 TiB must really be relocated by QEMU. For
    /// an AMD vCPU a hole below 1 TiB is best left behind: maxmem grows until QEMU relocates, and
    /// boot RAM stays one piece without DIMMs.
    @Test func amdVCPUWithAHoleBelowTheRelocationThreshold() throws {
        let host = Fixture.x86Host("amd", vendor: "amd", cpuBits: 48, reserved: [Fixture.amdHT, (0x32_0000_0000, 0x32_03ff_ffff, .reserved)])
        let solution = try solve([host], VMSpec(ram: 256 * gib, cpuVendor: .amd))
        #expect(solution.layout.regions.first { $0.name == "ram-above-4g" }?.range.start == 1 << 40)
        #expect(solution.layout.dimmCount == 0 && solution.layout.physBits >= 41)
        guard let knobs = solution.layout.guest.knobs.pc else { return }
        #expect(try PCMachineModel.derive(knobs).relocatedAbove1TiB)
        // An Intel vCPU has no such rule: one DIMM past the hole.
        let intel = try solve([host], VMSpec(ram: 256 * gib, cpuVendor: .intel))
        #expect(intel.layout.dimmCount == 1)
    }
}

