import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

/// The profile writer the probe prints with: canonical key order and numbers, and a round trip
/// through the parser for every profile the repository ships.
@Suite("probe: host profile JSON writer")
struct ProbeHostProfileJSONTests {
    static let bundled: [String] = {
        let folder = Fixture.path("Profiles")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }()

    @Test(arguments: bundled)
    func bundledProfileRoundTrips(file: String) throws {
        let original = try Fixture.profile(String(file.dropLast(5)))
        let rendered = HostProfileJSON.render(original)
        let reparsed = try HostProfileParser.parse(Array(rendered.utf8), source: "rendered.json")
        #expect(ProbeFixture.comparable(reparsed) == ProbeFixture.comparable(original))
        #expect(HostProfileJSON.render(reparsed) == rendered, "rendering is not canonical")
    }

    @Test func writesTheCanonicalForm() throws {
        let profile = HostProfile(
            name: "edge", source: "test", arch: .aarch64, cpuVendor: "arm", cpuPhysBits: 44, iommuKind: IOMMUKind.armSMMUv3, iommuAddressBits: 48,
            iovaRanges: [AddressRange(start: 0, last: 0xffff_ffff_ffff)!],
            reserved: [ReservedRegion(range: AddressRange(start: 0xC601_0000, size: 0x1_0000)!, type: .msi)],
            programmable: [ProgrammableRegion(type: .swMSI, size: 1 << 20, align: 1 << 20, within: AddressRange(start: 0, last: 0xffff_ffff)!, defaultBase: 0x800_0000, note: "window")],
            count: 12)
        #expect(HostProfileJSON.render(profile) == """
            {
              "schema": "layoutsolve/host/v1",
              "name": "edge",
              "source": "test",
              "arch": "aarch64",
              "cpu": {
                "vendor": "arm",
                "phys_bits": 44
              },
              "iommu": {
                "kind": "arm-smmu-v3",
                "address_bits": 48
              },
              "iova_ranges": [
                {
                  "start": "0x0",
                  "end": "0xffffffffffff"
                }
              ],
              "reserved": [
                {
                  "start": "0xc6010000",
                  "end": "0xc601ffff",
                  "type": "msi"
                }
              ],
              "programmable": [
                {
                  "type": "sw-msi",
                  "size": "0x100000",
                  "align": "0x100000",
                  "within": {
                    "start": "0x0",
                    "end": "0xffffffff"
                  },
                  "default": "0x8000000",
                  "note": "window"
                }
              ],
              "count": 12
            }

            """)
    }

    @Test func leavesOutWhatSaysNothing() throws {
        let bare = HostProfile(name: "bare", arch: .x86_64, cpuVendor: "intel", cpuPhysBits: 39, iommuKind: IOMMUKind.intelVTd, iommuAddressBits: 39)
        let text = HostProfileJSON.render(bare)
        #expect(!text.contains("\"source\"") && !text.contains("iova_ranges") && !text.contains("programmable") && !text.contains("count"))
        #expect(text.contains("\"reserved\": []"))
        let reparsed = try HostProfileParser.parse(Array(text.utf8), source: "bare.json")
        #expect(ProbeFixture.comparable(reparsed) == ProbeFixture.comparable(bare))
        let emptyRanges = HostProfile(name: "r", arch: .s390x, cpuVendor: "ibm", cpuPhysBits: 64, iommuKind: .s390, iommuAddressBits: 42, iovaRanges: [])
        #expect(try HostProfileParser.parse(Array(HostProfileJSON.render(emptyRanges).utf8), source: "r.json").iovaRanges == [])
    }

    @Test func regionsReachingTheTopOfTheSpaceRoundTrip() throws {
        let profile = HostProfile(
            name: "top", source: "quotes \"and\" \\ backslashes\nand a newline", arch: .x86_64, cpuVendor: "amd", cpuPhysBits: 52, iommuKind: IOMMUKind.amdVi, iommuAddressBits: 64,
            reserved: [ReservedRegion(range: AddressRange(start: 0xffff_ffff_ffff_f000, last: .max)!, type: .reserved, note: "top page")])
        let text = HostProfileJSON.render(profile)
        #expect(text.contains("\"end\": \"0xffffffffffffffff\""))
        #expect(ProbeFixture.comparable(try HostProfileParser.parse(Array(text.utf8), source: "top.json")) == ProbeFixture.comparable(profile))
    }
}
