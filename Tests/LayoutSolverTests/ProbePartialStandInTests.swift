import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutProbe

/// `probe --partial` uses the narrow stand-ins the docs promise (Probing.md): a partial x86
/// profile whose IOMMU could not be read gets the narrowest VT-d width, not the CPU's.
@Suite("probe --partial: narrow stand-ins")
struct ProbePartialStandInTests {
    @Test func x86WithoutIOMMUUnitsGetsTheNarrowestVTdWidth() throws {
        let copy = try ProbeFixture.Scratch(copying: "intel-client")
        defer { copy.delete() }
        try copy.remove("/sys/class/iommu")
        try copy.remove("/sys/kernel/iommu_groups")
        try copy.makeFolder("/sys/kernel/iommu_groups")
        let result = try Prober.probe(copy.options { $0.partial = true })
        #expect(result.isPartial)
        #expect(result.profile.cpuPhysBits == 46)
        #expect(result.profile.iommuAddressBits == Prober.fallbackVTdBits)
        #expect(result.profile.source.contains("iommu.address_bits 39 is a stand-in"))
    }

    @Test func x86WithoutCPUWidthGetsThirtySixBits() throws {
        let copy = try ProbeFixture.Scratch(copying: "intel-client")
        defer { copy.delete() }
        let cpuinfo = try String(contentsOfFile: copy.path + "/proc/cpuinfo", encoding: .utf8)
        try copy.write("/proc/cpuinfo", cpuinfo.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("address sizes") }.joined(separator: "\n"))
        let result = try Prober.probe(copy.options { $0.partial = true })
        #expect(result.profile.cpuPhysBits == Prober.fallbackX86PhysBits)
    }
}
