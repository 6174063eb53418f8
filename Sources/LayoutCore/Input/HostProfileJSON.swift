/// Writes a host profile as canonical `layoutsolve/host/v1` JSON: a fixed key order, every
/// address as lowercase `"0x…"`, regions by inclusive `end`, optional members only when they say
/// something. `HostProfileParser` reads it back to the same profile.
package enum HostProfileJSON {
    package static func render(_ profile: HostProfile) -> String { document(for: profile).rendered() }

    package static func document(for profile: HostProfile) -> JSONOutput {
        var members: [(String, JSONOutput)] = [
            ("schema", .string(HostProfile.schema)),
            ("name", .string(profile.name)),
        ]
        // The parser reads an absent source as "", and the schema rejects an empty one.
        if !profile.source.isEmpty { members.append(("source", .string(profile.source))) }
        members.append(("arch", .string(profile.arch.rawValue)))
        members.append(("cpu", .object([("vendor", .string(profile.cpuVendor.rawValue)), ("phys_bits", .integer(profile.cpuPhysBits))])))
        members.append(("iommu", .object([("kind", .string(profile.iommuKind.rawValue)), ("address_bits", .integer(profile.iommuAddressBits))])))
        if let ranges = profile.iovaRanges { members.append(("iova_ranges", .array(ranges.map(range)))) }
        members.append(("reserved", .array(profile.reserved.map(region))))
        if !profile.programmable.isEmpty { members.append(("programmable", .array(profile.programmable.map(programmable)))) }
        if profile.count != 1 { members.append(("count", .integer(profile.count))) }
        return .object(members)
    }

    package static func range(_ range: AddressRange) -> JSONOutput {
        .object([("start", .hex(range.start)), ("end", .hex(range.last))])
    }

    package static func region(_ region: ReservedRegion) -> JSONOutput {
        var members: [(String, JSONOutput)] = [("start", .hex(region.range.start)), ("end", .hex(region.range.last)), ("type", .string(region.type.rawValue))]
        if let note = region.note { members.append(("note", .string(note))) }
        return .object(members)
    }

    package static func programmable(_ window: ProgrammableRegion) -> JSONOutput {
        var members: [(String, JSONOutput)] = [
            ("type", .string(window.type.rawValue)),
            ("size", .hex(window.size)),
            ("align", .hex(window.align)),
            ("within", range(window.within)),
        ]
        if let base = window.defaultBase { members.append(("default", .hex(base))) }
        if let note = window.note { members.append(("note", .string(note))) }
        return .object(members)
    }
}
