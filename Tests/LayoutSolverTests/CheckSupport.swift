import Foundation
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver
import FleetGenerator

/// Helpers for the fleet-check tests: documents without files, folders of profiles, and a
/// generator of large realistic fleets.
enum CheckFixture {
    static let gib: UInt64 = 1 << 30

    /// A parsed profile as `check` would hold it, without a file (no line numbers).
    static func document(_ profile: HostProfile) -> ProfileDocument {
        var profile = profile
        if profile.file.isEmpty { profile.file = "\(profile.name).json" }
        return ProfileDocument(file: profile.file, profile: profile, error: nil, root: nil)
    }

    static func parsed(_ text: String, file: String) -> ProfileDocument { CheckInput.parseProfile(Array(text.utf8), file: file) }

    static func shape(_ spec: VMSpec, name: String) -> ShapeDocument {
        var spec = spec
        spec.name = name
        return ShapeDocument(file: "\(name).json", spec: spec, name: name)
    }

    static func check(_ hosts: [HostProfile], _ shapes: [ShapeDocument], configure: (inout FleetCheck.Options) -> Void = { _ in }) throws -> CheckReport {
        var options = FleetCheck.Options()
        configure(&options)
        return try FleetCheck(options: options).run(profiles: hosts.map(document), shapes: shapes)
    }

    static func temporaryFolder(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ls-check-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A profile document in the repository's own style, for fleets written to disk.
    static func profileJSON(_ host: HostProfile, source: String? = nil) -> String {
        var members: [(String, JSONOutput)] = [
            ("schema", .string(HostProfile.schema)), ("name", .string(host.name)),
            ("source", .string(source ?? host.source)), ("arch", .string(host.arch.rawValue)),
            ("cpu", .object([("vendor", .string(host.cpuVendor.rawValue)), ("phys_bits", .integer(host.cpuPhysBits))])),
            ("iommu", .object([("kind", .string(host.iommuKind.rawValue)), ("address_bits", .integer(host.iommuAddressBits))])),
        ]
        if let ranges = host.iovaRanges {
            members.append(("iova_ranges", .array(ranges.map { .object([("start", .string(Hex.format($0.start))), ("end", .string(Hex.format($0.last)))]) })))
        }
        members.append(("reserved", .array(host.reserved.map { region in
            var fields: [(String, JSONOutput)] = [("start", .string(Hex.format(region.range.start))), ("end", .string(Hex.format(region.range.last))), ("type", .string(region.type.rawValue))]
            if let note = region.note { fields.append(("note", .string(note))) }
            return .object(fields)
        })))
        if !host.programmable.isEmpty {
            members.append(("programmable", .array(host.programmable.map { window in
                var fields: [(String, JSONOutput)] = [
                    ("type", .string(window.type.rawValue)), ("size", .string(Hex.format(window.size))), ("align", .string(Hex.format(window.align))),
                    ("within", .object([("start", .string(Hex.format(window.within.start))), ("end", .string(Hex.format(window.within.last)))])),
                ]
                if let base = window.defaultBase { fields.append(("default", .string(Hex.format(base)))) }
                return .object(fields)
            })))
        }
        if host.count != 1 { members.append(("count", .integer(host.count))) }
        return JSONOutput.object(members).rendered()
    }

    static func write(_ hosts: [HostProfile], to folder: URL) throws {
        for host in hosts {
            try Data(profileJSON(host).utf8).write(to: folder.appendingPathComponent("\(host.name).json"))
        }
    }
}

/// A data-centre fleet: a few dozen platform kinds (server and client Intel parts, EPYC with and
/// without the HyperTransport hole or with SME, a few arm64 servers), each host with its own
/// firmware build. The build moves a relaxable RMRR/IVMD around, and a few builds add a `direct`
/// region in the 32-bit PCI hole or a reserved window above 4 GiB, so hosts of one kind share their
/// holes in a handful of variants, as real fleets do. Deterministic for a seed.
struct GeneratedFleet {
    struct Kind {
        var name: String
        var arch: HostProfile.Architecture
        var vendor: HostCPUVendor
        var cpuBits: Int
        var iommuBits: Int
        var regions: [(UInt64, UInt64, ReservedType, String)]
        var swMSI: Bool
        var weight: Int
    }

    static let kinds: [Kind] = {
        var kinds: [Kind] = []
        let msi: (UInt64, UInt64, ReservedType, String) = (0xfee0_0000, 0xfeef_ffff, .msi, "IOAPIC/MSI window")
        let isa: (UInt64, UInt64, ReservedType, String) = (0, 0xff_ffff, .directRelaxable, "ISA bridge")
        let ht: (UInt64, UInt64, ReservedType, String) = (0xfd_0000_0000, 0xff_ffff_ffff, .reserved, "HyperTransport")
        for generation in 0..<10 {
            kinds.append(Kind(name: "xeon-g\(generation)", arch: .x86_64, vendor: "intel", cpuBits: generation < 6 ? 46 : 52, iommuBits: generation < 8 ? 48 : 57,
                              regions: [isa, msi, (0x7bb2_4000 + UInt64(generation) << 16, 0x7bb3_2fff + UInt64(generation) << 16, .directRelaxable, "BMC RMRR")], swMSI: false, weight: 30))
        }
        for generation in 0..<4 {
            kinds.append(Kind(name: "proliant-g\(generation + 7)", arch: .x86_64, vendor: "intel", cpuBits: 46, iommuBits: 48,
                              regions: [isa, (0xbdf6_e000 - UInt64(generation) << 20, 0xbdf8_4fff - UInt64(generation) << 20, .direct, "HP RMRR"), msi], swMSI: false, weight: 8))
        }
        for generation in 0..<3 {
            kinds.append(Kind(name: "client-\(generation + 12)th", arch: .x86_64, vendor: "intel", cpuBits: 46, iommuBits: 39,
                              regions: [isa, (0x3c00_0000, 0x407f_ffff, .directRelaxable, "iGPU"), msi], swMSI: false, weight: 2))
        }
        for generation in 0..<8 {
            let sme = generation % 4 == 3, ignoresHT = generation >= 6
            kinds.append(Kind(name: "epyc-\(7001 + generation * 1000 / 4)\(sme ? "-sme" : "")\(ignoresHT ? "-htignore" : "")", arch: .x86_64, vendor: "amd",
                              cpuBits: sme ? 43 : 48, iommuBits: 48, regions: ignoresHT ? [msi] : [msi, ht], swMSI: false, weight: 25))
        }
        for generation in 0..<5 {
            kinds.append(Kind(name: "neoverse-n\(generation)", arch: .aarch64, vendor: "arm", cpuBits: generation < 3 ? 44 : 48, iommuBits: 48,
                              regions: generation == 4 ? [(0xc601_0000, 0xc601_ffff, .msi, "ITS doorbell")] : [], swMSI: true, weight: 3))
        }
        return kinds
    }()

    /// Firmware builds per kind; build numbers below decide the extra regions.
    static let firmwareBuilds = 12

    var random: SplitMix64

    init(seed: UInt64 = 10_000) { random = SplitMix64(seed: seed) }

    mutating func hosts(_ count: Int) -> [HostProfile] {
        let total = Self.kinds.reduce(0) { $0 + $1.weight }
        return (0..<count).map { index in
            var pick = Int.random(in: 0..<total, using: &random)
            var kind = Self.kinds[0]
            for candidate in Self.kinds {
                if pick < candidate.weight { kind = candidate; break }
                pick -= candidate.weight
            }
            return host(index, kind: kind, build: Int.random(in: 0..<Self.firmwareBuilds, using: &random))
        }
    }

    func host(_ index: Int, kind: Kind, build: Int) -> HostProfile {
        var regions = kind.regions
        if kind.arch == .x86_64 {
            // The build's own RMRR/IVMD: a few pages, mostly relaxable (USB scope).
            let base = 0x7a00_0000 + UInt64(build) * 0x4_0000
            regions.append((base, base + UInt64(2 + build % 3) * 4096 - 1, .directRelaxable, "firmware build \(build) RMRR"))
            // Odd builds have a shared buffer the BMC keeps mapped: `direct`, in q35's 32-bit PCI hole.
            if build % 2 == 1 {
                let buffer = 0xc000_0000 + UInt64(build) << 20
                regions.append((buffer, buffer + 0xffff, .direct, "firmware build \(build) shared buffer"))
            }
            if build == 9 { regions.append((200 * CheckFixture.gib, 200 * CheckFixture.gib + (64 << 20) - 1, .reserved, "firmware build 9 high window")) }
        }
        let reserved = regions.enumerated().map { position, region in
            ReservedRegion(range: AddressRange(start: region.0, last: region.1)!, type: region.2, note: region.3, path: "$.reserved[\(position)]")
        }
        let programmable = kind.swMSI
            ? [ProgrammableRegion(type: .swMSI, size: 1 << 20, align: 1 << 20, within: AddressRange(start: 0, last: 0xffff_ffff)!, defaultBase: 0x800_0000)]
            : []
        return HostProfile(
            name: "\(kind.name)-\(String(format: "%05d", index))", source: "probe of rack \(index / 40) slot \(index % 40), firmware build \(build)",
            arch: kind.arch, cpuVendor: kind.vendor, cpuPhysBits: kind.cpuBits, iommuKind: kind.arch == .aarch64 ? IOMMUKind.armSMMUv3 : kind.vendor == "amd" ? IOMMUKind.amdVi : IOMMUKind.intelVTd,
            iommuAddressBits: kind.iommuBits, reserved: reserved, programmable: programmable)
    }
}
