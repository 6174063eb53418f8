import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement

/// Each "no layout" site names its constraint family, and the numbers it knows (issue 11: typed
/// results a provisioning tool can act on).
@Suite("Constraint families") struct ConstraintFamilyTests {
    let gib = Fixture.gib

    func conflicts(_ hosts: [HostProfile], _ vm: VMSpec) throws -> [NoLayoutExists.Conflict] {
        do {
            _ = try Solver.solve(hosts: hosts, vm: vm)
        } catch let none as NoLayoutExists {
            return none.conflicts
        }
        Issue.record("expected no layout")
        return []
    }

    @Test func aHoleAtAddressZeroIsAHostHole() throws {
        let found = try conflicts([Fixture.x86Host("zero", reserved: [(0, 0xffff_ffff, .reserved)])], VMSpec(ram: 4 * gib))
        #expect(found.map(\.family) == [.hostHole] && found[0].shortBy == nil)
    }

    @Test func aNarrowIOMMUIsIOMMUWidthWithTheBytesShort() throws {
        let found = try conflicts([Fixture.x86Host("client-39", cpuBits: 46, iommuBits: 39)], VMSpec(ram: 1100 * gib, cpuVendor: .intel))
        let width = try #require(found.first { $0.family == .iommuWidth })
        let short = try #require(width.shortBy)
        // Below 2^39 = 512 GiB at most 512 GiB can be RAM: at least 588 GiB are missing.
        #expect(short >= 588 * gib && short < 1100 * gib)
        let json = ErrorJSON.conflict(width).rendered()
        #expect(json.contains("\"family\": \"iommu-width\"") && json.contains("\"short_by\": \"0x"))
    }

    @Test func aNarrowCPUIsCPUWidth() throws {
        let found = try conflicts([Fixture.x86Host("small-cpu", cpuBits: 39, iommuBits: 48)], VMSpec(ram: 600 * gib, cpuVendor: .intel))
        #expect(found.contains { $0.family == .cpuWidth })
        #expect(!found.contains { $0.family == .iommuWidth })
    }

    @Test func mixedVendorsWithoutAPinAreTheAMDRelocation() throws {
        let fleet = [Fixture.x86Host("xeon"), Fixture.x86Host("epyc", vendor: "amd", cpuBits: 48, reserved: [Fixture.amdHT])]
        let found = try conflicts(fleet, VMSpec(ram: 1100 * gib))
        #expect(found.contains { $0.family == .amdRelocation && ($0.shortBy ?? 0) > 0 })
    }

    @Test func p2pAgainstALowHoleIsThePCIHole() throws {
        let host = Fixture.x86Host("low", reserved: [(0xe000_0000, 0xe00f_ffff, .reserved), (0, 0xffff_ffff, .reserved)])
        var vm = VMSpec(ram: 4 * gib)
        vm.p2p = true
        // Address 0 is reported first and alone; drop it to see the p2p family.
        #expect(try conflicts([host], vm).map(\.family) == [.hostHole])
        let onlyWindow = Fixture.x86Host("low", reserved: [(0xe000_0000, 0xe00f_ffff, .reserved)])
        let found = try conflicts([onlyWindow], vm)
        // Lifting p2p or the host's hole each lets a layout fit; both are named, p2p with its numbers.
        #expect(found.contains { $0.family == .pciHole && $0.hosts == ["low"] })
        #expect(Set(found.map(\.family)).isSubset(of: [.pciHole, .hostHole]))
    }

    @Test func virtRAMBaseBlockedIsAHostHole() throws {
        var arm = try Fixture.profile("arm64-smmuv3")
        arm.reserved.append(ReservedRegion(range: Fixture.range(0x4000_0000, 0x4fff_ffff), type: .reserved, path: "$.reserved[99]"))
        let found = try conflicts([arm], VMSpec(machine: .virt, ram: 4 * gib))
        #expect(found.map(\.family) == [.hostHole] && found[0].hosts == [arm.name])
    }

    @Test func familiesRoundTripTheirJSONNames() {
        #expect(ConstraintFamily.allCases.map(\.rawValue) == [
            "host-hole", "iommu-width", "cpu-width", "amd-relocation", "pci-hole", "memory-block", "hugepage-alignment", "slots", "programmable-window", "qemu-rule", "other",
        ])
        #expect(Set(ConstraintFamily.allCases.map(\.rawValue)).count == ConstraintFamily.allCases.count)
    }
}
