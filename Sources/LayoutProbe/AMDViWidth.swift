import LayoutCore
/// The host-translation width of AMD-Vi units, from the Extended Feature Register that
/// `/sys/class/iommu/ivhd*/amd-iommu/features` prints. The IOMMU's own VA-size field (the
/// Miscellaneous Information register) is not in sysfs.
package enum AMDViWidth {
    /// EFR[11:10] HATS, the host page-table levels the IOMMU supports.
    package static func hats(efr: UInt64) -> Int { Int((efr >> 10) & 0x3) }

    /// 0 → 4 levels (48 bits), 1 → 5 (57), 2 → 6 (64: 12 + 6 × 9 bits, capped). 3 is reserved;
    /// the kernel then disables host translation (`amd_iommu_hatdis`), so there is no width to read.
    package static func bits(hats: Int) -> Int? {
        switch hats {
        case 0: return 48
        case 1: return 57
        case 2: return 64
        default: return nil
        }
    }

    /// What a kernel that cannot read HATS would use anyway: the 4-level table.
    package static let fallbackBits = 48

    package struct UnitReading: Equatable, Sendable {
        package var unit: String
        package var bits: Int
        /// How the EFR was found in the file, for the source line.
        package var detail: String
        package var warnings: [String]
    }

    /// Parses one `features` file. Kernels printed `%llx` (the EFR) until EFR2 support (2022),
    /// then `%llx:%llx` as `features2:features`, and later `efr:efr2` from the global copies; a
    /// two-part file does not say which order it uses. An IOMMU without an EFR has no EFR2, so a
    /// half that reads 0 next to one that does not is EFR2; when both are non-zero and their HATS
    /// differ, the narrower reading is used and a warning says so.
    package static func parseFeatures(_ text: String, file: String, unit: String) throws -> UnitReading {
        let trimmed = text.trimmingWhitespace()
        let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false)
        let values = parts.map { part -> UInt64? in
            let digits = part.lowercased().hasPrefix("0x") ? part.dropFirst(2) : Substring(part)
            guard (1...16).contains(digits.count), digits.allSatisfy(\.isHexDigit) else { return nil }
            return UInt64(digits, radix: 16)
        }
        guard (1...2).contains(values.count), values.allSatisfy({ $0 != nil }) else {
            throw InputError(source: file, line: 1, message: "expected the extended features in hex as \"EFR\" or \"A:B\" (e.g. 58f77ef22294a5a or 0:58f77ef22294a5a), found \"\(trimmed.prefix(60))\"")
        }
        let numbers = values.compactMap { $0 }
        var warnings: [String] = []
        let efr: UInt64
        let detail: String
        if numbers.count == 1 {
            efr = numbers[0]
            detail = "EFR \(hexDigits(efr))"
        } else if numbers[0] == 0 || numbers[1] == 0 {
            efr = max(numbers[0], numbers[1])
            detail = "EFR \(hexDigits(efr)) (the non-zero half of \(trimmed))"
        } else {
            let first = bits(hats: hats(efr: numbers[0])) ?? fallbackBits, second = bits(hats: hats(efr: numbers[1])) ?? fallbackBits
            efr = first <= second ? numbers[0] : numbers[1]
            detail = "EFR \(hexDigits(efr)) (of \(trimmed))"
            if first != second {
                warnings.append("\(unit): the two halves of the features file \"\(trimmed)\" give HATS widths \(first) and \(second), and the kernel's order (features2:features or efr:efr2) is not known; using the narrower, \(min(first, second)) bits")
            }
        }
        if efr == 0 {
            warnings.append("\(unit): the extended features read 0 (the kernel had not read the EFR, e.g. from an IVHD type 10h entry); assumed HATS 0, a 4-level host page table (48 bits)")
            return UnitReading(unit: unit, bits: fallbackBits, detail: detail, warnings: warnings)
        }
        let level = hats(efr: efr)
        guard let width = bits(hats: level) else {
            warnings.append("\(unit): EFR \(hexDigits(efr)) has HATS 3 (reserved; the kernel disables host translation on such units); assumed \(fallbackBits) bits")
            return UnitReading(unit: unit, bits: fallbackBits, detail: detail + ", HATS 3", warnings: warnings)
        }
        return UnitReading(unit: unit, bits: width, detail: detail + ", HATS \(level)", warnings: warnings)
    }

    package static func read(units: [IOMMUUnit], root: ProbeRoot) -> (readings: [UnitReading], files: [String], errors: [InputError]) {
        var readings: [UnitReading] = []
        var files: [String] = []
        var errors: [InputError] = []
        for unit in units where unit.kind == .amdVi {
            let hostPath = "\(IOMMUUnits.folder)/\(unit.name)/\(ProbeFiles.amdFeatures)"
            files.append(hostPath)
            do {
                readings.append(try parseFeatures(try root.readText(hostPath), file: root.location(hostPath), unit: unit.name))
            } catch let error as InputError {
                errors.append(error)
            } catch {
                errors.append(InputError(source: root.location(hostPath), message: "\(error)"))
            }
        }
        return (readings, files, errors)
    }

    package static func hexDigits(_ value: UInt64) -> String { String(value, radix: 16) }
}
