import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

/// virt against what QEMU 7.2.22 was seen to do (QEMUMemoryLayout.md in LayoutSolver.docc, "Arm virt", and runs here).
@Suite("virt model = QEMU 7.2's derivation")
struct VirtModelTests {
    let gib: UInt64 = 1 << 30

    @Test func smallGuestUsesTheLegacyHighMap() throws {
        let derived = try VirtModel.derive(VirtKnobs(ramSize: 4 * gib, ipaBits: 48, firmwareLoaded: false))
        #expect(derived.ram == AddressRange(start: 0x4000_0000, last: 0x1_3fff_ffff))
        #expect(derived.deviceMemory == nil)
        #expect(derived.highRedistributor?.start == 0x40_0000_0000)
        #expect(derived.highECAM == AddressRange(start: 0x40_1000_0000, size: 256 << 20))
        #expect(derived.highMMIO == AddressRange(start: 0x80_0000_0000, last: 0xff_ffff_ffff))
        #expect(derived.highestGPA == 0xff_ffff_ffff)
    }

    @Test func deviceMemoryFollowsRAMOnAGigabyteBoundary() throws {
        // -m 2G,slots=2,maxmem=10G: device-memory 0xc0000000-0x33fffffff (seen on 7.2.22).
        let derived = try VirtModel.derive(VirtKnobs(ramSize: 2 * gib, maxmem: 10 * gib, slots: 2, ipaBits: 40, firmwareLoaded: false))
        #expect(derived.deviceMemory == AddressRange(start: 0xc000_0000, last: 0x3_3fff_ffff))
    }

    @Test func bigGuestMovesTheHighRegions() throws {
        // -m 300G: high ECAM at 0x4b50000000, MMIO still at 512 GiB (seen on 7.2.22); 256G RAM: ECAM 0x4050000000 (notes).
        #expect(try VirtModel.derive(VirtKnobs(ramSize: 300 * gib, ipaBits: 48, firmwareLoaded: false)).highECAM?.start == 0x4b_5000_0000)
        #expect(try VirtModel.derive(VirtKnobs(ramSize: 256 * gib, ipaBits: 48, firmwareLoaded: false)).highECAM?.start == 0x40_5000_0000)
        // -m 300G,maxmem=400G: ECAM at 0x6450000000; with slots=4: 0x6550000000 (both seen on 7.2.22;
        // the domain notes' "0x6550000000 for maxmem 400G" was the run with slots).
        #expect(try VirtModel.derive(VirtKnobs(ramSize: 300 * gib, maxmem: 400 * gib, ipaBits: 48, firmwareLoaded: false)).highECAM?.start == 0x64_5000_0000)
        let slotted = try VirtModel.derive(VirtKnobs(ramSize: 300 * gib, maxmem: 400 * gib, slots: 4, ipaBits: 48, firmwareLoaded: false))
        #expect(slotted.highECAM?.start == 0x65_5000_0000)
        #expect(slotted.deviceMemory == AddressRange(start: 0x4b_4000_0000, last: 0x65_3fff_ffff))
    }

    @Test func regionsThatDoNotFitAreDroppedLegacyOrCompact() throws {
        let legacy = try VirtModel.derive(VirtKnobs(ramSize: 4 * gib, ipaBits: 39, firmwareLoaded: false))
        #expect(legacy.highMMIO == nil && legacy.droppedHighRegions == ["pcie-mmio-high"])
        #expect(legacy.highestGPA == 0x40_1fff_ffff)
        #expect(throws: QEMURejection("Addressing limited to 32 bits, but memory exceeds it by 1073741824 bytes")) {
            try VirtModel.derive(VirtKnobs(ramSize: 4 * gib, ipaBits: 32, firmwareLoaded: false))
        }
    }

    @Test func dimmsNeedFirmwareOn72() {
        #expect(throws: QEMURejection("memory hotplug is not enabled: missing acpi-ged device")) {
            try VirtModel.derive(VirtKnobs(ramSize: 2 * gib, maxmem: 4 * gib, slots: 1, ipaBits: 40, firmwareLoaded: false,
                                           dimms: [DIMM(id: "d", address: 3 * gib, size: gib)]))
        }
    }

    @Test func solverStepsOverTheD05DoorbellAndKeepsTheSoftwareWindow() throws {
        let d05 = try Fixture.profile("hisilicon-d05")
        let solution = try Solver.solve(hosts: [d05, try Fixture.profile("arm64-smmuv3")], vm: VMSpec(machine: .virt, ram: 8 * gib))
        let ram = try #require(solution.layout.regions.first { $0.name == "ram" })
        #expect(ram.range.last < 0xc601_0000)
        #expect(solution.layout.dimmCount == 1)
        for region in solution.layout.dmaTargets {
            #expect(!region.range.overlaps(AddressRange(start: 0xc601_0000, last: 0xc601_ffff)!))
            #expect(!region.range.overlaps(AddressRange(start: 0x800_0000, last: 0x80f_ffff)!))
        }
        #expect(solution.layout.physBits <= 44)
    }

    @Test func machineAndHostArchitecturesMustMatch() throws {
        let x86 = try Fixture.profile("intel-xeon-vtd48")
        #expect {
            try Solver.solve(hosts: [x86, try Fixture.profile("arm64-smmuv3")], vm: VMSpec(machine: .virt, ram: 4 * gib))
        } throws: { ($0 as? InputError)?.message.contains("intel-xeon-vtd48 is x86_64") ?? false }
        #expect(throws: InputError.self) { try Solver.solve(hosts: [try Fixture.profile("arm64-smmuv3")], vm: VMSpec(machine: .q35, ram: 4 * gib)) }
    }

    @Test func ipaLimitBelow40BitsDropsTheHighWindowWithANote() throws {
        let narrow = HostProfile(name: "narrow", arch: .aarch64, cpuVendor: "arm", cpuPhysBits: 39, iommuKind: IOMMUKind.armSMMUv3, iommuAddressBits: 48)
        let solution = try Solver.solve(hosts: [narrow], vm: VMSpec(machine: .virt, ram: 4 * gib))
        #expect(!solution.layout.regions.contains { $0.name == "pcie-mmio-high" })
        #expect(solution.layout.notes.contains { $0.contains("highmem-mmio") })
    }
}
