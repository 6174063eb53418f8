import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

/// Selecting groups, and every way a tree can be incomplete or wrong: a clear error naming the
/// file and line, or with --partial a profile that says what it stands in for. Never a crash.
@Suite("probe: selection, missing and malformed files")
struct ProbeErrorTests {
    // MARK: --groups and --devices

    @Test func groupsOptionReadsOnlyThoseGroups() throws {
        let result = try Prober.probe(ProbeFixture.options("intel-client") { $0.groups = [12, 11, 12] })
        #expect(result.profile.reserved.map(\.type) == [.directRelaxable, .msi])
        #expect(result.profile.reserved[1].note?.hasSuffix("groups 11, 12") == true)
        #expect(result.profile.source.contains("/sys/kernel/iommu_groups/{11,12}/reserved_regions"))
        #expect(result.profile.source.contains("group(s) 11, 12 (--groups)"))
    }

    @Test func devicesOptionMapsDevicesToTheirGroups() throws {
        let gpu = try Prober.probe(ProbeFixture.options("intel-client") { $0.devices = [PCIAddress("0000:01:00.0")!, PCIAddress("01:00.1")!] })
        #expect(gpu.profile.reserved.map(\.type) == [.msi])
        #expect(gpu.profile.reserved[0].note?.hasSuffix("group 12") == true)
        #expect(gpu.profile.source.contains("group(s) 12 of 0000:01:00.0, 0000:01:00.1 (--devices)"))
        #expect(gpu.profile.source.contains("/sys/bus/pci/devices/{0000:01:00.0,0000:01:00.1}/iommu_group"))
        // The HP RMRR is non-relaxable in the Smart Array's group, so assigning the NIC alone avoids it.
        let nic = try Prober.probe(ProbeFixture.options("intel-server") { $0.devices = [PCIAddress("0000:04:00.0")!] }).profile
        #expect(nic.reserved.map(\.type) == [.msi])
        let storage = try Prober.probe(ProbeFixture.options("intel-server") { $0.devices = [PCIAddress("0000:02:00.0")!] }).profile
        #expect(storage.reserved.map(\.range) == [AddressRange(start: 0xbdf6_f000, last: 0xbdf7_efff)!, MSIClassifier.x86InterruptWindow])
    }

    @Test func devicesResolveThroughRealSymlinks() throws {
        let scratch = try ProbeFixture.Scratch(copying: "intel-client")
        defer { scratch.delete() }
        try scratch.link("/sys/bus/pci/devices/0000:00:1f.3/iommu_group", to: "../../../kernel/iommu_groups/11")
        let result = try Prober.probe(scratch.options { $0.devices = [PCIAddress("0000:00:1f.3")!] })
        #expect(result.profile.reserved.map(\.type) == [.directRelaxable, .msi])
        #expect(result.profile.reserved[0].range == AddressRange(start: 0, last: 0xff_ffff))
    }

    @Test func unknownGroupsAndDevicesAreErrorsEvenWithPartial() {
        let group = ProbeFixture.problems(ProbeFixture.options("amd-epyc") { $0.groups = [3, 99]; $0.partial = true })
        #expect(group.count == 1)
        #expect(group.first?.source.hasSuffix("/sys/kernel/iommu_groups/99") == true)
        #expect(group.first?.message.contains("this host has groups: 0-9") == true, "\(group)")

        let device = ProbeFixture.problems(ProbeFixture.options("amd-epyc") { $0.devices = [PCIAddress("0000:c1:00.0")!]; $0.partial = true })
        #expect(device.first?.source.hasSuffix("/sys/bus/pci/devices/0000:c1:00.0") == true)
        #expect(device.first?.message.contains("no such PCI device") == true)
    }

    @Test func deviceWithoutAGroupOrWithABadLinkIsNamed() throws {
        let scratch = try ProbeFixture.Scratch(copying: "amd-epyc")
        defer { scratch.delete() }
        try scratch.remove("/sys/bus/pci/devices/0000:41:00.0/iommu_group")
        try scratch.write("/sys/bus/pci/devices/0000:41:00.1/iommu_group", "../../../kernel/iommu_groups/nine\n")
        let missing = ProbeFixture.problems(scratch.options { $0.devices = [PCIAddress("0000:41:00.0")!] })
        #expect(missing.first?.message.contains("has no IOMMU group") == true, "\(missing)")
        let bad = ProbeFixture.problems(scratch.options { $0.devices = [PCIAddress("0000:41:00.1")!] })
        #expect(bad.first?.source.hasSuffix("0000:41:00.1/iommu_group") == true && bad.first?.message.contains("iommu_groups/nine") == true, "\(bad)")
    }

    @Test func contradictoryOptionsAreInputErrors() {
        let both = ProbeFixture.problems(ProbeFixture.options("amd-epyc") { $0.groups = [1]; $0.devices = [PCIAddress("0000:41:00.0")!] })
        #expect(both.first?.source == "--groups")
        let ipa = ProbeFixture.problems(ProbeFixture.options("amd-epyc") { $0.ipaBits = 48 })
        #expect(ipa.first?.source == "--ipa-bits" && ipa.first?.message.contains("only arm64") == true)
        let range = ProbeFixture.problems(ProbeFixture.options("arm64-smmuv3") { $0.ipaBits = 60 })
        #expect(range.first?.source == "--ipa-bits")
        let name = ProbeFixture.problems(ProbeFixture.options("amd-epyc") { $0.name = "Big Host" })
        #expect(name.first?.source == "--name")
        let root = ProbeFixture.problems(ProbeOptions(root: "/nonexistent/probe-root"))
        #expect(root.first?.source == "/nonexistent/probe-root" && root.first?.message.contains("no such folder") == true)
    }

    @Test func nameOptionWins() throws {
        #expect(try Prober.probe(ProbeFixture.options("s390x") { $0.name = "zpci-lpar-7" }).profile.name == "zpci-lpar-7")
        let scratch = try ProbeFixture.Scratch(copying: "s390x")
        defer { scratch.delete() }
        try scratch.remove("/etc/hostname")
        #expect(try Prober.probe(scratch.options()).profile.name == Prober.defaultName)
        try scratch.write("/proc/sys/kernel/hostname", "LPAR_Z15\n")
        #expect(try Prober.probe(scratch.options()).profile.name == "lpar_z15")
    }

    // MARK: malformed files

    @Test func malformedRegionLineIsAnErrorWithFileAndLine() throws {
        let scratch = try ProbeFixture.Scratch(copying: "intel-client")
        defer { scratch.delete() }
        try scratch.write("/sys/kernel/iommu_groups/11/reserved_regions", "0x0000000000000000 0x0000000000ffffff direct-relaxable\n0x00000000fee00000 0x00000000feefffff\n")
        let problems = ProbeFixture.problems(scratch.options())
        #expect(problems.count == 1)
        #expect(problems.first?.description.hasPrefix(scratch.path + "/sys/kernel/iommu_groups/11/reserved_regions:2: ") == true, "\(problems)")

        let partial = try Prober.probe(scratch.options { $0.partial = true })
        #expect(partial.isPartial && partial.missing.count == 1)
        // Group 11's good line is kept; the msi window still comes from the other groups.
        #expect(partial.profile.reserved.map(\.type) == [.directRelaxable, .directRelaxable, .msi])
        #expect(partial.profile.source.contains("PARTIAL PROFILE (--partial), not read: /sys/kernel/iommu_groups/11/reserved_regions:2: expected"))
        #expect(!partial.profile.source.contains(scratch.path))
    }

    @Test func malformedWidthFilesAreErrorsWithFileAndLine() throws {
        let scratch = try ProbeFixture.Scratch(copying: "intel-client")
        defer { scratch.delete() }
        try scratch.write("/sys/class/iommu/dmar1/intel-iommu/cap", "capability\n")
        try scratch.write("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu lm\naddress sizes\t: many bits physical, 48 bits virtual\n")
        let problems = ProbeFixture.problems(scratch.options())
        #expect(problems.map(\.description).contains { $0.hasPrefix(scratch.path + "/sys/class/iommu/dmar1/intel-iommu/cap:1: ") }, "\(problems)")
        #expect(problems.map(\.description).contains { $0.hasPrefix(scratch.path + "/proc/cpuinfo:4: ") }, "\(problems)")

        let partial = try Prober.probe(scratch.options { $0.partial = true })
        // dmar0 still reads; the CPU width falls back to the narrow stand-in, and says so.
        #expect(partial.profile.iommuAddressBits == 39)
        #expect(partial.profile.cpuPhysBits == Prober.fallbackX86PhysBits)
        #expect(partial.warnings.contains { $0.contains("cpu.phys_bits 36 is a stand-in") })
        #expect(partial.profile.source.contains("cpu.phys_bits 36 is a stand-in"))
    }

    @Test func amdFeaturesWithAmbiguousHalvesWarnAndTakeTheNarrower() throws {
        let scratch = try ProbeFixture.Scratch(copying: "amd-epyc")
        defer { scratch.delete() }
        try scratch.write("/sys/class/iommu/ivhd2/amd-iommu/features", "58f77ef22294a5a:1\n")
        let result = try Prober.probe(scratch.options())
        #expect(result.profile.iommuAddressBits == 48)
        #expect(result.warnings.contains { $0.hasPrefix("ivhd2: the two halves") })
        #expect(result.profile.source.contains("ivhd0, ivhd1, ivhd3: EFR 58f77ef22294a5a, HATS 2: 64"))
    }

    // MARK: missing and unreadable files

    @Test func missingFilesAreNamedAndPartialStandsIn() throws {
        let scratch = try ProbeFixture.Scratch(copying: "amd-epyc")
        defer { scratch.delete() }
        try scratch.remove("/proc/cpuinfo")
        try scratch.remove("/sys/kernel/iommu_groups/4/reserved_regions")
        try scratch.remove("/proc/sys/kernel/osrelease")
        let problems = ProbeFixture.problems(scratch.options())
        #expect(problems.map(\.description).sorted() == [
            scratch.path + "/proc/cpuinfo: no such file",
            scratch.path + "/sys/kernel/iommu_groups/4/reserved_regions: no such file; every IOMMU group has one since Linux 4.11",
        ])

        let partial = try Prober.probe(scratch.options { $0.partial = true })
        // The IOMMU units still say x86 and AMD.
        #expect(partial.profile.arch == .x86_64 && partial.profile.cpuVendor == "amd")
        #expect(partial.profile.cpuPhysBits == 36 && partial.profile.iommuAddressBits == 64)
        #expect(partial.profile.reserved.count == 2)
        #expect(partial.warnings.contains { $0.contains("kernel version is unknown") })
        #expect(partial.profile.source.contains("(kernel version unknown)"))
        #expect(HostProfileLint.lint(bytes: Array(partial.json.utf8), source: "-").passed)
    }

    @Test func unreadableFileIsNamedWithTheReason() throws {
        let scratch = try ProbeFixture.Scratch(copying: "s390x")
        defer { scratch.delete() }
        // Tests may run as root, which reads any mode; a folder in a file's place fails for anyone.
        try scratch.remove("/sys/kernel/iommu_groups/1/reserved_regions")
        try scratch.makeFolder("/sys/kernel/iommu_groups/1/reserved_regions")
        try scratch.link("/proc/cpuinfo", to: "/nonexistent/cpuinfo")
        let problems = ProbeFixture.problems(scratch.options())
        #expect(problems.map(\.description).contains(scratch.path + "/sys/kernel/iommu_groups/1/reserved_regions: is a folder; expected a file"), "\(problems)")
        #expect(problems.map(\.description).contains(scratch.path + "/proc/cpuinfo: no such file"), "\(problems)")
    }

    @Test func hostWithoutIOMMUGroupsExplainsWhatIsMissing() throws {
        let scratch = try ProbeFixture.Scratch(copying: "intel-client")
        defer { scratch.delete() }
        try scratch.remove("/sys/kernel/iommu_groups")
        try scratch.makeFolder("/sys/kernel/iommu_groups")
        try scratch.remove("/sys/class/iommu")
        let problems = ProbeFixture.problems(scratch.options())
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("no IOMMU groups: the IOMMU is off or absent") == true, "\(problems)")

        let partial = try Prober.probe(scratch.options { $0.partial = true })
        #expect(partial.profile.iommuKind == .other && partial.profile.iommuAddressBits == Prober.fallbackVTdBits, "a partial profile takes the narrowest VT-d width when no unit could be read (issue 16)")
        #expect(partial.profile.reserved.map(\.range) == [MSIClassifier.x86InterruptWindow])
        #expect(partial.profile.reserved[0].note?.hasPrefix("not read") == true)
        #expect(partial.profile.source.contains("Reserved regions: none read."))
    }

    @Test func emptyTreeCannotTellTheArchitecture() throws {
        let scratch = try ProbeFixture.Scratch(copying: nil)
        defer { scratch.delete() }
        for partial in [false, true] {
            do {
                _ = try Prober.probe(scratch.options { $0.partial = partial })
                Issue.record("an empty tree gave a profile")
            } catch let failure as ProbeFailed {
                #expect(!failure.partialWouldHelp)
                #expect(failure.problems.contains { $0.message.contains("cannot tell the architecture") }, "\(failure)")
                #expect(failure.problems.contains { $0.description == scratch.path + "/proc/cpuinfo: no such file" }, "\(failure)")
            }
        }
    }

    @Test func armWithoutTheIPALimitAsksForIt() throws {
        let problems = ProbeFixture.problems(ProbeFixture.options("arm64-smmuv3") { $0.ipaBits = nil })
        #expect(problems.count == 1 && problems.first?.source == "--ipa-bits")
        #expect(problems.first?.message.contains("IPA Size Limit") == true)
        let partial = try Prober.probe(ProbeFixture.options("arm64-smmuv3") { $0.ipaBits = nil; $0.partial = true })
        #expect(partial.profile.cpuPhysBits == 40 && partial.profile.iommuAddressBits == 40)
        #expect(partial.profile.source.contains("PARTIAL PROFILE"))
    }

    @Test func powerHostsAreRefusedWithTheReason() throws {
        let scratch = try ProbeFixture.Scratch(copying: nil)
        defer { scratch.delete() }
        try scratch.write("/proc/cpuinfo", "processor\t: 0\ncpu\t\t: POWER9 (raw), altivec supported\nclock\t\t: 2166.000000MHz\n")
        try scratch.makeFolder("/sys/kernel/iommu_groups/0")
        let problems = ProbeFixture.problems(scratch.options { $0.partial = true })
        #expect(problems.contains { $0.message.contains("sPAPR TCE") }, "\(problems)")
    }

    @Test func kernelArchFileWinsOverTheCPUInfoShape() throws {
        let scratch = try ProbeFixture.Scratch(copying: "s390x")
        defer { scratch.delete() }
        try scratch.write("/proc/sys/kernel/arch", "s390x\n")
        let result = try Prober.probe(scratch.options())
        #expect(result.profile.arch == .s390x && result.profile.source.contains("/proc/sys/kernel/arch"))
        try scratch.write("/proc/sys/kernel/arch", "riscv64\n")
        let problems = ProbeFixture.problems(scratch.options { $0.partial = true })
        #expect(problems.first?.description.hasPrefix(scratch.path + "/proc/sys/kernel/arch:1: architecture \"riscv64\"") == true, "\(problems)")
    }
}
