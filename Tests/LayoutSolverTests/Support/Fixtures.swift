import Foundation
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver
import TestSupport

/// Small helpers to write hosts and VMs in tests the way profiles write them.
enum Fixture {
    static let gib: UInt64 = 1 << 30
    static let mib: UInt64 = 1 << 20

    static func range(_ start: UInt64, _ last: UInt64) -> AddressRange { AddressRange(start: start, last: last)! }

    static func x86Host(
        _ name: String, vendor: HostCPUVendor = "intel", cpuBits: Int = 46, iommuBits: Int = 48,
        reserved: [(UInt64, UInt64, ReservedType)] = [], iova: [AddressRange]? = nil, programmable: [ProgrammableRegion] = []
    ) -> HostProfile {
        var regions = [ReservedRegion(range: range(0xfee0_0000, 0xfeef_ffff), type: .msi, path: "$.reserved[0]")]
        for (index, region) in reserved.enumerated() {
            regions.append(ReservedRegion(range: range(region.0, region.1), type: region.2, path: "$.reserved[\(index + 1)]"))
        }
        return HostProfile(
            name: name, source: "test", arch: .x86_64, cpuVendor: vendor, cpuPhysBits: cpuBits,
            iommuKind: vendor == "amd" ? IOMMUKind.amdVi : IOMMUKind.intelVTd, iommuAddressBits: iommuBits, iovaRanges: iova,
            reserved: regions, programmable: programmable, file: "\(name).json")
    }

    static let amdHT: (UInt64, UInt64, ReservedType) = (0xfd_0000_0000, 0xff_ffff_ffff, .reserved)

    /// The repository root, found from this file's path, so tests read the real Profiles/ and Examples/.
    static let repository = TestRepository.root

    static func path(_ relative: String) -> String { repository.appendingPathComponent(relative).path }

    static func profile(_ name: String) throws -> HostProfile {
        let file = path("Profiles/\(name).json")
        return try HostProfileParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: file))), source: file)
    }

    static func hostJSON(_ body: String) -> [UInt8] { Array(body.utf8) }
}

/// Test fixtures name host vendors as the profiles do.
extension HostCPUVendor: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
}
