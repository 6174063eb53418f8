import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

/// The six fixture platforms give the profiles checked in beside them, byte for byte, and those
/// profiles say what the domain notes say of each platform.
@Suite("probe: fixture platforms")
struct ProbeFixtureTests {
    @Test(arguments: ProbeFixture.platforms.map(\.name))
    func fixtureGivesTheExpectedProfile(name: String) throws {
        let result = try Prober.probe(ProbeFixture.options(name))
        let expected = try ProbeFixture.expectedJSON(name)
        #expect(result.json == expected, "probe --root Fixtures/probe/\(name) differs from expected.json:\n\(result.json)")
        #expect(result.missing.isEmpty)
    }

    @Test(arguments: ProbeFixture.platforms.map(\.name))
    func probingTwiceGivesTheSameBytes(name: String) throws {
        let first = try Prober.probe(ProbeFixture.options(name)).json
        let second = try Prober.probe(ProbeFixture.options(name)).json
        #expect(first == second)
        #expect(!first.contains(ProbeFixture.folder.path), "the profile must not depend on where the copy lives")
    }

    @Test(arguments: ProbeFixture.platforms.map(\.name))
    func probedProfileParsesBackToItself(name: String) throws {
        let result = try Prober.probe(ProbeFixture.options(name))
        let parsed = try HostProfileParser.parse(Array(result.json.utf8), source: "\(name).json")
        #expect(ProbeFixture.comparable(parsed) == ProbeFixture.comparable(result.profile))
        #expect(HostProfileLint.lint(bytes: Array(result.json.utf8), source: "-").lines == ["ok \(result.profile.name)"])
    }

    @Test func sameHostUnderAnotherRootGivesTheSameBytes() throws {
        let scratch = try ProbeFixture.Scratch(copying: "amd-epyc")
        defer { scratch.delete() }
        #expect(try Prober.probe(scratch.options()).json == ProbeFixture.expectedJSON("amd-epyc"))
    }

    @Test func intelClientHasTheNarrowVTdAndTheISABridgeRegion() throws {
        let profile = try Prober.probe(ProbeFixture.options("intel-client")).profile
        #expect(profile.arch == .x86_64 && profile.cpuVendor == "intel")
        #expect(profile.cpuPhysBits == 46 && profile.iommuKind == IOMMUKind.intelVTd && profile.iommuAddressBits == 39)
        #expect(profile.reserved.map(\.label).map { $0.components(separatedBy: " (").first ?? "" } == [
            "direct-relaxable 0x0-0xffffff", "direct-relaxable 0x3c000000-0x407fffff", "msi 0xfee00000-0xfeefffff",
        ])
        #expect(profile.reserved[0].note?.contains("ISA/LPC bridge") == true && profile.reserved[0].note?.hasSuffix("group 11") == true)
        #expect(profile.reserved[2].note?.hasSuffix("groups 0-14") == true)
        #expect(profile.name == "rpl-ws01")
        #expect(profile.source.contains("dmar0 cap 1c0000c40660462: 39") && profile.source.contains("Linux 6.1.0-18-amd64"))
    }

    @Test func intelServerKeepsTheRMRRTypesApartAndMergesWithinOne() throws {
        let profile = try Prober.probe(ProbeFixture.options("intel-server")).profile
        let rmrr = AddressRange(start: 0xbdf6_e000, last: 0xbdf8_4fff)!
        let direct = profile.reserved.filter { $0.range == rmrr && $0.type == .direct }
        let relaxable = profile.reserved.filter { $0.range == rmrr && $0.type == .directRelaxable }
        #expect(direct.count == 1 && relaxable.count == 1)
        // Group 21 lists only 0xbdf6f000-0xbdf7efff, inside the RMRR the other groups list whole.
        #expect(direct.first?.note?.hasSuffix("groups 19-21") == true)
        #expect(direct.first?.note?.contains("cannot be assigned") == true)
        #expect(relaxable.first?.note?.hasSuffix("groups 18, 20") == true)
        #expect(profile.iommuAddressBits == 48 && profile.cpuPhysBits == 46)
        #expect(profile.name == "dl388g8-07.lab.example.com")
    }

    @Test func amdHasTheHyperTransportHoleAndTheHATSWidth() throws {
        let profile = try Prober.probe(ProbeFixture.options("amd-epyc")).profile
        #expect(profile.cpuVendor == "amd" && profile.iommuKind == IOMMUKind.amdVi)
        #expect(profile.reserved.map(\.type) == [.msi, .reserved])
        #expect(profile.reserved[1].range == AddressRange(start: 0xfd_0000_0000, last: 0xff_ffff_ffff))
        #expect(profile.reserved[1].note?.contains("HyperTransport") == true)
        // EFR 0x58f77ef22294a5a: HATS (bits 11:10) = 2, a 6-level host page table.
        #expect(profile.iommuAddressBits == 64 && profile.cpuPhysBits == 48)
    }

    @Test func arm64SoftwareWindowIsAFixedSWMSIRegion() throws {
        let result = try Prober.probe(ProbeFixture.options("arm64-smmuv3"))
        let profile = result.profile
        #expect(profile.arch == .aarch64 && profile.cpuVendor == "arm" && profile.iommuKind == IOMMUKind.armSMMUv3)
        #expect(profile.reserved.count == 1 && profile.reserved[0].type == .swMSI)
        #expect(profile.reserved[0].range == MSIClassifier.armSoftwareWindow)
        #expect(profile.reserved[0].note?.contains("fixed region, not programmable") == true)
        #expect(profile.reserved[0].note?.contains("also has a hardware doorbell") == false, "no HW doorbell on this host")
        #expect(profile.programmable.isEmpty)
        #expect(profile.cpuPhysBits == 48 && profile.iommuAddressBits == 48)
        #expect(result.warnings.contains { $0.contains("input address size is not in sysfs") })
        #expect(profile.source.contains("--ipa-bits"))
    }

    @Test func hisiliconHasBothMSIKinds() throws {
        let profile = try Prober.probe(ProbeFixture.options("hisilicon-d05")).profile
        #expect(profile.reserved.map(\.type) == [.swMSI, .msi])
        #expect(profile.reserved[1].range == AddressRange(start: 0xc601_0000, last: 0xc601_ffff))
        #expect(profile.reserved[0].note?.contains("VFIO uses instead") == true)
        #expect(profile.reserved[1].note?.contains("vfio_iommu_has_sw_msi") == true)
        // The IPA limit (44, Cortex-A72) is narrower than a stage-1 SMMU's 48 bits.
        #expect(profile.cpuPhysBits == 44 && profile.iommuAddressBits == 44)
    }

    @Test func s390TakesItsWidthFromTheReservedRegions() throws {
        let result = try Prober.probe(ProbeFixture.options("s390x"))
        let profile = result.profile
        #expect(profile.arch == .s390x && profile.cpuVendor == "ibm" && profile.iommuKind == .s390)
        #expect(profile.iommuAddressBits == 42 && profile.cpuPhysBits == 64)
        #expect(profile.reserved.map(\.range) == [AddressRange(start: 0, last: 0xffff_ffff)!, AddressRange(start: 0x9_0000_0000, last: 0x3ff_ffff_ffff)!])
        #expect(result.warnings.isEmpty)
    }

    @Test func probedFleetSolves() throws {
        let x86 = try ["intel-client", "intel-server", "amd-epyc"].map { try Prober.probe(ProbeFixture.options($0)).profile }
        let solution = try Solver.solve(hosts: x86, vm: VMSpec(name: "probe-fleet", ram: 64 << 30))
        #expect(solution.layout.physBits == 38)
    }
}
