import LayoutCore
/// One line of `/sys/kernel/iommu_groups/<N>/reserved_regions`, as `iommu_group_show_resv_regions()`
/// prints it: `0x%016llx 0x%016llx %s`, start, inclusive end, type.
package struct SysfsReservedRegion: Equatable, Sendable {
    /// The names of `iommu_group_resv_type_string[]`. Both MSI kinds print as `msi`.
    package enum Kind: String, Sendable, CaseIterable {
        case direct
        case directRelaxable = "direct-relaxable"
        case reserved
        case msi
    }

    package var range: AddressRange
    package var kind: Kind
    package var group: Int
    package var line: Int

    package init(range: AddressRange, kind: Kind, group: Int, line: Int) {
        self.range = range
        self.kind = kind
        self.group = group
        self.line = line
    }
}

package enum ReservedRegionsReader {
    /// Parses one group's file. Every malformed line is an error naming the file and the line;
    /// the good lines are returned as well, so `--partial` can keep them.
    package static func parse(_ text: String, file: String, group: Int) -> (regions: [SysfsReservedRegion], errors: [InputError]) {
        var regions: [SysfsReservedRegion] = []
        var errors: [InputError] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let fields = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            func fail(_ message: String) { errors.append(InputError(source: file, line: line, message: message)) }
            guard fields.count == 3 else {
                fail("expected \"0xSTART 0xEND TYPE\" (3 fields, end inclusive), found \(fields.count) field(s): \"\(rawLine.prefix(100))\"")
                continue
            }
            guard let start = hex(fields[0]) else { fail("start \"\(fields[0].prefix(40))\" is not a 64-bit hex address such as 0x00000000fee00000"); continue }
            guard let last = hex(fields[1]) else { fail("end \"\(fields[1].prefix(40))\" is not a 64-bit hex address such as 0x00000000feefffff"); continue }
            guard let kind = SysfsReservedRegion.Kind(rawValue: String(fields[2])) else {
                fail("unknown region type \"\(fields[2].prefix(40))\"; the kernel prints \(SysfsReservedRegion.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            guard let range = AddressRange(start: start, last: last) else {
                fail("end \(Hex.format(last)) is below start \(Hex.format(start)); the end is inclusive")
                continue
            }
            regions.append(SysfsReservedRegion(range: range, kind: kind, group: group, line: line))
        }
        return (regions, errors)
    }

    /// `0x` and 1 to 16 hex digits; sysfs pads to 16, copies by hand may not.
    package static func hex(_ field: Substring) -> UInt64? {
        guard field.hasPrefix("0x") || field.hasPrefix("0X") else { return nil }
        let digits = field.dropFirst(2)
        guard (1...16).contains(digits.count), digits.allSatisfy(\.isHexDigit) else { return nil }
        return UInt64(digits, radix: 16)
    }
}
