import Foundation

/// Reads and validates `layoutsolve/host/v1` documents.
package enum HostProfileParser {
    package static let topLevelMembers = ["schema", "name", "source", "arch", "cpu", "iommu", "iova_ranges", "reserved", "programmable", "count"]

    /// Parses one profile from bytes; `source` names the file in errors.
    package static func parse(_ bytes: [UInt8], source: String) throws -> HostProfile {
        return try parse(try JSONReader.document(bytes, source: source), file: source)
    }

    package static func parse(_ reader: JSONReader, file: String) throws -> HostProfile {
        var object = try reader.object()
        try reader.refusingNull()
        let schemaReader = try object.required("schema")
        let schema = try schemaReader.string()
        guard schema == HostProfile.schema else {
            if schema == VMSpec.schema {
                throw schemaReader.error("this is a VM spec (\(schema)), not a host profile; pass it with --vm")
            }
            throw schemaReader.error("expected \"\(HostProfile.schema)\", found \"\(quotedForMessage(schema))\"")
        }
        let nameReader = try object.required("name")
        let name = try nameReader.string()
        guard SchemaSpelling.isName(name) else {
            throw nameReader.error("expected a host name of at most 100 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit, found \(nameReader.node.kindName)")
        }
        let sourceText = try object.optional("source")?.schemaString(matching: { !$0.isEmpty }, "a non-empty string (or no source member)") ?? ""
        let archReader = try object.required("arch")
        let archText = try archReader.string()
        guard let arch = HostProfile.Architecture(rawValue: archText) else {
            throw archReader.error("expected one of \(HostProfile.Architecture.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(quotedForMessage(archText))\"")
        }

        var cpu = try object.required("cpu").object()
        let vendor = try cpu.required("vendor").schemaString(matching: SchemaSpelling.isVendor, "a lowercase CPU vendor such as intel, amd, arm or ibm")
        let cpuBits = try cpu.required("phys_bits").schemaInteger(in: 32...64, what: "a CPU physical address width in bits")
        try cpu.finish(allowed: ["vendor", "phys_bits"])

        var iommu = try object.required("iommu").object()
        let kindMember = try iommu.required("kind")
        let kindText = try kindMember.string()
        guard let iommuKind = IOMMUKind(rawValue: kindText) else {
            throw kindMember.expectation("one of " + IOMMUKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let iommuBits = try iommu.required("address_bits").schemaInteger(in: 32...64, what: "an IOMMU address width in bits")
        try iommu.finish(allowed: ["kind", "address_bits"])

        var iovaRanges: [AddressRange]?
        if let rangesReader = object.optional("iova_ranges") {
            iovaRanges = try rangesReader.array().map { element in
                var range = try element.object()
                try range.refuse("size", "a usable IOVA range gives an inclusive \"end\", not \"size\" (as VFIO reports it)")
                let parsed = try parseRange(&range, reader: element, what: "usable IOVA range")
                try range.finish(allowed: ["start", "end", "size"])
                return parsed
            }
        }

        let reserved = try (object.optional("reserved")?.array() ?? []).map(parseReserved)
        let programmable = try (object.optional("programmable")?.array() ?? []).map(parseProgrammable)
        let count = try object.optional("count")?.schemaInteger(in: 1...1_000_000_000, what: "a host count") ?? 1
        try object.finish(allowed: topLevelMembers)

        return HostProfile(
            name: name, source: sourceText, arch: arch, cpuVendor: HostCPUVendor(rawValue: vendor), cpuPhysBits: cpuBits,
            iommuKind: iommuKind, iommuAddressBits: iommuBits, iovaRanges: iovaRanges,
            reserved: reserved, programmable: programmable, count: count, file: file)
    }

    /// `start` with either an inclusive `end` or a `size`, never both.
    package static func parseRange(_ object: inout ObjectReader, reader: JSONReader, what: String) throws -> AddressRange {
        let start = try object.required("start").schemaQuantity("a start address")
        let hasEnd = object.has("end"), hasSize = object.has("size")
        if hasEnd && hasSize { throw reader.error("a \(what) gives \"end\" or \"size\", not both") }
        if let endReader = object.optional("end") {
            let last = try endReader.schemaQuantity("an inclusive end address")
            guard let range = AddressRange(start: start, last: last) else {
                throw endReader.error("end \(Hex.format(last)) is below start \(Hex.format(start)); end is inclusive, as in sysfs")
            }
            return range
        }
        if let sizeReader = object.optional("size") {
            let size = try sizeReader.schemaQuantity("a size")
            guard size > 0 else { throw sizeReader.error("a \(what) cannot have size 0") }
            guard let range = AddressRange(start: start, size: size) else {
                throw sizeReader.error("\(Hex.format(start)) + size \(Hex.format(size)) runs past the 64-bit address space")
            }
            return range
        }
        throw reader.error("a \(what) needs \"end\" (inclusive) or \"size\"")
    }

    package static func parseReserved(_ reader: JSONReader) throws -> ReservedRegion {
        var object = try reader.object()
        let range = try parseRange(&object, reader: reader, what: "reserved region")
        let typeReader = try object.required("type")
        let typeText = try typeReader.string()
        guard let type = ReservedType(rawValue: typeText) else {
            throw typeReader.error("expected one of \(ReservedType.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(quotedForMessage(typeText))\"")
        }
        let note = try object.optional("note")?.string()
        try object.finish(allowed: ["start", "end", "size", "type", "note"])
        return ReservedRegion(range: range, type: type, note: note, path: reader.path)
    }

    package static func parseProgrammable(_ reader: JSONReader) throws -> ProgrammableRegion {
        var object = try reader.object()
        let typeReader = try object.required("type")
        let typeText = try typeReader.string()
        guard typeText == ReservedType.swMSI.rawValue else {
            throw typeReader.error("expected \"sw-msi\" (the only window a host lets software place), found \"\(quotedForMessage(typeText))\"")
        }
        let sizeReader = try object.required("size")
        let size = try sizeReader.schemaQuantity("a window size")
        guard size > 0 else { throw sizeReader.error("a programmable window cannot have size 0") }
        let alignReader = try object.required("align")
        let align = try alignReader.schemaQuantity("an alignment")
        guard align.isPowerOfTwo else { throw alignReader.error("alignment \(Hex.format(align)) is not a power of two") }
        let withinReader = try object.required("within")
        var within = try withinReader.object()
        try within.refuse("size", "\"within\" gives an inclusive \"end\", not \"size\"")
        let withinRange = try parseRange(&within, reader: withinReader, what: "range")
        try within.finish(allowed: ["start", "end", "size"])
        guard let firstBase = try? withinRange.start.alignedUp(align), let firstWindow = AddressRange(start: firstBase, size: size),
              withinRange.contains(firstWindow) else {
            throw withinReader.error("no window of \(ByteCount.format(size)) aligned to \(Hex.format(align)) fits in \(withinRange)")
        }
        var defaultBase: UInt64?
        if let defaultReader = object.optional("default") {
            let base = try defaultReader.schemaQuantity("a default base address")
            guard base % align == 0 else { throw defaultReader.error("default \(Hex.format(base)) is not aligned to \(Hex.format(align))") }
            guard let window = AddressRange(start: base, size: size), withinRange.contains(window) else {
                throw defaultReader.error("default window at \(Hex.format(base)) (\(ByteCount.format(size))) is not inside \(withinRange)")
            }
            defaultBase = base
        }
        let note = try object.optional("note")?.string()
        try object.finish(allowed: ["type", "size", "align", "within", "default", "note"])
        return ProgrammableRegion(type: .swMSI, size: size, align: align, within: withinRange, defaultBase: defaultBase, note: note, path: reader.path)
    }
}
