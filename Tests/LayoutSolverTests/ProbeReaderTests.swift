import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

/// The readers one by one: sysfs lines, the merge, MSI kinds, cpuinfo and each IOMMU's width.
@Suite("probe: readers")
struct ProbeReaderTests {
    // MARK: reserved_regions

    @Test func readsTheKernelsFormat() {
        let text = "0x0000000000000000 0x0000000000ffffff direct-relaxable\n0x00000000fee00000 0x00000000feefffff msi\n"
        let (regions, errors) = ReservedRegionsReader.parse(text, file: "rr", group: 11)
        #expect(errors.isEmpty)
        #expect(regions == [
            SysfsReservedRegion(range: AddressRange(start: 0, last: 0xff_ffff)!, kind: .directRelaxable, group: 11, line: 1),
            SysfsReservedRegion(range: MSIClassifier.x86InterruptWindow, kind: .msi, group: 11, line: 2),
        ])
        #expect(ReservedRegionsReader.parse("", file: "rr", group: 0) == ([], []))
    }

    @Test(arguments: [
        ("0x00000000fee00000 0x00000000feefffff", "3 fields"),
        ("0x00000000fee00000 0x00000000feefffff msi extra", "3 fields"),
        ("fee00000 0x00000000feefffff msi", "start \"fee00000\""),
        ("0x00000000fee00000 0xfeefffzz msi", "end \"0xfeefffzz\""),
        ("0x00000000fee00000 0x10000000000000000 msi", "end \"0x10000000000000000\""),
        ("0x00000000fee00000 0x00000000feefffff doorbell", "unknown region type \"doorbell\""),
        ("0x00000000fee00000 0x00000000fedfffff msi", "below start"),
        ("0x00000000fee00000 0x00000000feefffff sw-msi", "unknown region type"),
    ])
    func malformedLineNamesFileAndLine(bad: String, fragment: String) {
        let text = "0x0000000000000000 0x0000000000ffffff direct\n\(bad)\n0x000000fd00000000 0x000000ffffffffff reserved\n"
        let (regions, errors) = ReservedRegionsReader.parse(text, file: "/sys/kernel/iommu_groups/3/reserved_regions", group: 3)
        #expect(errors.count == 1)
        #expect(errors.first?.description.hasPrefix("/sys/kernel/iommu_groups/3/reserved_regions:2: ") == true, "\(errors)")
        #expect(errors.first?.message.contains(fragment) == true, "\(errors)")
        #expect(regions.map(\.line) == [1, 3], "the good lines are kept for --partial")
    }

    @Test func garbageNeverCrashesAReaderAndEveryLineIsAccountedFor() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0x0123456789abcdefABCDEF:  \t\n\n,.-_msidrectlaxbpyhz\u{0}é")
        for _ in 0..<2000 {
            let count = Int.random(in: 0...160, using: &generator)
            let text = String((0..<count).compactMap { _ in alphabet.randomElement(using: &generator) })
            let (regions, errors) = ReservedRegionsReader.parse(text, file: "f", group: 0)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).isEmpty }
            #expect(regions.count + errors.count == lines.count, "\(text.debugDescription)")
            _ = CPUInfoReader.parse(text, file: "f")
            _ = try? IntelVTdWidth.parseCapability(text, file: "f", unit: "dmar0")
            _ = try? AMDViWidth.parseFeatures(text, file: "f", unit: "ivhd0")
            _ = PCIAddress(text)
        }
    }

    // MARK: merging

    func region(_ start: UInt64, _ last: UInt64, _ type: ReservedType, _ group: Int) -> (range: AddressRange, type: ReservedType, group: Int) {
        (AddressRange(start: start, last: last)!, type, group)
    }

    @Test func mergesOverlappingAndAdjacentRegionsOfOneType() {
        let merged = ReservedRegionMerger.merge([
            region(0x2000, 0x2fff, .direct, 4),
            region(0x1000, 0x1fff, .direct, 2),    // adjacent: merged, as the kernel's start > end + 1 test does
            region(0x1800, 0x2800, .direct, 7),    // overlapping
            region(0x3001, 0x3fff, .direct, 1),    // one byte apart: kept
        ])
        #expect(merged == [
            ProbedRegion(range: AddressRange(start: 0x1000, last: 0x2fff)!, type: .direct, groups: [2, 4, 7]),
            ProbedRegion(range: AddressRange(start: 0x3001, last: 0x3fff)!, type: .direct, groups: [1]),
        ])
    }

    @Test func keepsOverlappingRegionsOfDifferentTypesApartInKernelOrder() {
        let merged = ReservedRegionMerger.merge([
            region(0xfee0_0000, 0xfeef_ffff, .msi, 0),
            region(0xbdf6_e000, 0xbdf8_4fff, .directRelaxable, 18),
            region(0xbdf6_e000, 0xbdf8_4fff, .direct, 19),
            region(0xbdf6_f000, 0xbdf7_efff, .direct, 21),
            region(0xfee0_0000, 0xfeef_ffff, .msi, 1),
        ])
        #expect(merged.map(\.type) == [.direct, .directRelaxable, .msi])
        #expect(merged[0].range == AddressRange(start: 0xbdf6_e000, last: 0xbdf8_4fff) && merged[0].groups == [19, 21])
        #expect(merged[2].groups == [0, 1])
    }

    @Test func mergesUpToTheTopOfTheAddressSpace() {
        let merged = ReservedRegionMerger.merge([region(0xffff_ffff_0000_0000, .max, .reserved, 0), region(0xffff_ffff_ffff_0000, .max, .reserved, 1)])
        #expect(merged == [ProbedRegion(range: AddressRange(start: 0xffff_ffff_0000_0000, last: .max)!, type: .reserved, groups: [0, 1])])
    }

    @Test func mergeIsIndependentOfInputOrder() {
        var regions = [
            region(0, 0xff_ffff, .directRelaxable, 11), region(0x3c00_0000, 0x407f_ffff, .directRelaxable, 0),
            region(0xfee0_0000, 0xfeef_ffff, .msi, 3), region(0xfee0_0000, 0xfeef_ffff, .msi, 0), region(0x100_0000, 0x1ff_ffff, .directRelaxable, 5),
        ]
        let expected = ReservedRegionMerger.merge(regions)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            regions.shuffle(using: &generator)
            #expect(ReservedRegionMerger.merge(regions) == expected)
        }
        #expect(expected.first?.range == AddressRange(start: 0, last: 0x1ff_ffff))
    }

    // MARK: MSI kinds

    @Test func classifiesMSIByArchitectureAndWindow() {
        let software = MSIClassifier.armSoftwareWindow
        let its = AddressRange(start: 0xc601_0000, last: 0xc601_ffff)!
        #expect(MSIClassifier.type(of: .msi, range: software, arch: .aarch64) == .swMSI)
        #expect(MSIClassifier.type(of: .msi, range: its, arch: .aarch64) == .msi)
        #expect(MSIClassifier.type(of: .msi, range: AddressRange(start: 0x800_0000, last: 0x81f_ffff)!, arch: .aarch64) == .msi)
        #expect(MSIClassifier.type(of: .msi, range: software, arch: .x86_64) == .msi)
        #expect(MSIClassifier.type(of: .msi, range: MSIClassifier.x86InterruptWindow, arch: .x86_64) == .msi)
        #expect(MSIClassifier.type(of: .directRelaxable, range: software, arch: .aarch64) == .directRelaxable)
        #expect(MSIClassifier.type(of: .reserved, range: software, arch: .aarch64) == .reserved)
    }

    // MARK: cpuinfo

    @Test func readsTheNarrowestAddressSizeAndTheVendor() {
        let text = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            model name\t: 12th Gen Intel(R) Core(TM) i9-12900K
            flags\t\t: fpu lm vmx
            address sizes\t: 46 bits physical, 48 bits virtual
            power management:

            processor\t: 1
            vendor_id\t: GenuineIntel
            flags\t\t: fpu lm vmx hypervisor
            address sizes\t: 39 bits physical, 48 bits virtual
            power management:

            """
        let (info, errors) = CPUInfoReader.parse(text, file: "cpuinfo")
        #expect(errors.isEmpty)
        #expect(info.physBits == 39 && info.vendor == "intel" && info.inferredArch == .x86_64)
        #expect(info.isVirtualMachine && info.modelName == "12th Gen Intel(R) Core(TM) i9-12900K")
    }

    @Test func recognisesEachArchitecturesLayout() {
        let arm = CPUInfoReader.parse("processor\t: 0\nCPU implementer\t: 0x48\nCPU architecture: 8\nCPU part\t: 0xd01\n", file: "c").info
        #expect(arm.inferredArch == .aarch64 && arm.vendor == "hisilicon" && arm.physBits == nil)
        let arm32 = CPUInfoReader.parse("processor\t: 0\nCPU implementer\t: 0x41\nCPU architecture: 7\n", file: "c").info
        #expect(arm32.inferredArch == nil)
        let s390 = CPUInfoReader.parse("vendor_id       : IBM/S390\n# processors    : 4\nprocessor 0: version = 00,  identification = 0A2E78,  machine = 8561\n", file: "c").info
        #expect(s390.inferredArch == .s390x && s390.vendor == "ibm")
        let power = CPUInfoReader.parse("processor\t: 0\ncpu\t\t: POWER9 (raw), altivec supported\n", file: "c").info
        #expect(power.inferredArch == .ppc64le)
        let hygon = CPUInfoReader.parse("vendor_id\t: HygonGenuine\nflags\t\t: lm\naddress sizes\t: 43 bits physical, 48 bits virtual\n", file: "c").info
        #expect(hygon.vendor == "hygon" && hygon.physBits == 43)
        let odd = CPUInfoReader.parse("vendor_id\t: Vortex86 SoC\nflags\t\t: lm\naddress sizes\t: 36 bits physical, 48 bits virtual\n", file: "c").info
        #expect(odd.vendor == "vortex86-soc")
    }

    @Test(arguments: [
        ("address sizes\t: 46 bits, 48 bits virtual", "N bits physical"),
        ("address sizes\t: lots of bits physical", "N bits physical"),
        ("address sizes\t: 128 bits physical, 48 bits virtual", "from 32 to 64"),
        ("this line has no colon", "key : value"),
        ("CPU implementer\t: ARM", "hex implementer"),
    ])
    func malformedCPUInfoLineNamesFileAndLine(bad: String, fragment: String) {
        let (_, errors) = CPUInfoReader.parse("processor\t: 0\nvendor_id\t: GenuineIntel\n\(bad)\n", file: "/proc/cpuinfo")
        #expect(errors.count == 1)
        #expect(errors.first?.description.hasPrefix("/proc/cpuinfo:3: ") == true, "\(errors)")
        #expect(errors.first?.message.contains(fragment) == true, "\(errors)")
    }

    // MARK: IOMMU widths

    @Test(arguments: [
        ("1c0000c40660462", 39), ("d2008c40660462", 39), ("d2078c106f0466", 48), ("8d2078c106f0466", 48),
        ("c90780106f0462", 48), ("0xd2008c40660462\n", 39),
    ])
    func vtdWidthIsMGAW(cap: String, bits: Int) throws {
        #expect(try IntelVTdWidth.parseCapability(cap, file: "cap", unit: "dmar0").bits == bits)
    }

    @Test func vtdCapabilityErrorsNameTheFile() {
        for bad in ["", "not-hex", "1234567890abcdef0", "0"] {
            #expect {
                try IntelVTdWidth.parseCapability(bad, file: "/sys/class/iommu/dmar0/intel-iommu/cap", unit: "dmar0")
            } throws: { error in
                (error as? InputError)?.description.hasPrefix("/sys/class/iommu/dmar0/intel-iommu/cap:1: ") == true
            }
        }
    }

    @Test func amdWidthFollowsHATS() {
        #expect(AMDViWidth.hats(efr: 0x58f_77ef_2229_4a5a) == 2)
        #expect(AMDViWidth.hats(efr: 0xa5bf_732f_a229_5afe) == 2)
        #expect((0...3).map(AMDViWidth.bits(hats:)) == [48, 57, 64, nil])
    }

    @Test(arguments: [
        ("58f77ef22294a5a", 64, 0),                       // "%llx": the EFR
        ("0:58f77ef22294a5a", 64, 0),                     // features2:features with no EFR2
        ("58f77ef22294a5a:0", 64, 0),                     // efr:efr2 with no EFR2
        ("58f77ef22294a5a:58f77ef22294a5a", 64, 0),       // both halves agree
        ("58f77ef22294a5a:1", 48, 1),                     // order unknown, HATS 2 vs 0: the narrower, warned
        ("800:58f77ef22294a5a", 64, 0),                   // EFR2 HTRangeIgnore (bit 11) reads as HATS 2 too: no ambiguity
        ("0", 48, 1),                                     // EFR not read: assumed 4-level, warned
        ("0:0", 48, 1),
        ("c00", 48, 1),                                   // HATS 3, reserved: warned
        ("400", 57, 0),
    ])
    func amdFeaturesInEveryKernelFormat(text: String, bits: Int, warnings: Int) throws {
        let reading = try AMDViWidth.parseFeatures(text + "\n", file: "features", unit: "ivhd0")
        #expect(reading.bits == bits)
        #expect(reading.warnings.count == warnings, "\(reading.warnings)")
    }

    @Test func amdFeaturesErrorsNameTheFile() {
        for bad in ["", "xyz", "1:2:3", "58f77ef22294a5a:", "0x:1"] {
            #expect {
                try AMDViWidth.parseFeatures(bad, file: "/sys/class/iommu/ivhd0/amd-iommu/features", unit: "ivhd0")
            } throws: { error in
                (error as? InputError)?.description.hasPrefix("/sys/class/iommu/ivhd0/amd-iommu/features:1: ") == true
            }
        }
    }

    @Test func s390WidthIsTheTopOfTheReservedRegions() {
        #expect(S390Width.bits(topOfReservedRegions: 0x3ff_ffff_ffff) == 42)
        #expect(S390Width.bits(topOfReservedRegions: 0x8_ffff_ffff) == nil)
        #expect(S390Width.bits(topOfReservedRegions: .max) == 64)
    }

    @Test func armWidthIsCappedAtAStage1SMMU() {
        #expect(ArmSMMUWidth.assumedBits(ipaBits: 44) == 44)
        #expect(ArmSMMUWidth.assumedBits(ipaBits: 52) == 48)
    }

    // MARK: names

    @Test func unitsAreKindedAndSortedNaturally() {
        let names = ["dmar10", "dmar2", "ivhd0", "smmu3.0x0000000009050000", "smmu.0x0000000005000000", "s390-iommu.00000011", "virtio0", "dmarx"]
        #expect(names.map { IOMMUUnit(name: $0).kind } == [.intelVTd, .intelVTd, .amdVi, .armSMMUv3, .armSMMU, .s390, .other, .other])
        #expect(["dmar10", "dmar2", "dmar1"].sorted(by: IOMMUUnits.naturalOrder) == ["dmar1", "dmar2", "dmar10"])
        let (kind, warning) = IOMMUUnits.kind(of: [IOMMUUnit(name: "smmu.0x1"), IOMMUUnit(name: "smmu3.0x2")], arch: .aarch64)
        #expect(kind == .armSMMUv3 && warning?.contains("several kinds") == true)
        #expect(IOMMUUnits.kind(of: [], arch: .s390x).kind == .s390)
        #expect(IOMMUUnits.kind(of: [], arch: .x86_64).kind == .other)
    }

    @Test func pciAddressesAndGroupLists() {
        #expect(PCIAddress("0000:3b:00.0")?.description == "0000:3b:00.0")
        #expect(PCIAddress("3B:00.1")?.description == "0000:3b:00.1")
        #expect(PCIAddress("10000:00:1f.7")?.description == "10000:00:1f.7")
        for bad in ["", "3b:00", "0000:3b:20.0", "0000:3b:00.8", "00:3b:00.0", "0000:3b:0.0", "zzzz:3b:00.0", "0000:3b:00.0:1"] {
            #expect(PCIAddress(bad) == nil, "\(bad)")
        }
        #expect(IOMMUGroups.compact([9, 0, 1, 2, 3, 7, 10, 12, 13]) == "0-3, 7, 9, 10, 12, 13")
        #expect(IOMMUGroups.compact([5]) == "5")
    }

    @Test func profileNamesFromHostNames() {
        #expect(ProbeOptions.profileName(fromHostname: "DL388g8-07.lab.example.com") == "dl388g8-07.lab.example.com")
        #expect(ProbeOptions.profileName(fromHostname: "_build host#3") == "build-host-3")
        #expect(ProbeOptions.profileName(fromHostname: "---") == nil)
        #expect(ProbeOptions.profileName(fromHostname: String(repeating: "a", count: 300))?.count == 100)
        #expect(ProbeOptions.isValidName("rpl-ws01") && !ProbeOptions.isValidName("Big Host") && !ProbeOptions.isValidName(""))
    }
}
