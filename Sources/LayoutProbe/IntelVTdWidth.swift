import LayoutCore
/// The input width of Intel VT-d units, from the capability register that
/// `/sys/class/iommu/dmar*/intel-iommu/cap` prints as `%llx` (no `0x`).
package enum IntelVTdWidth {
    /// `cap_mgaw(c)`: bits 21:16 hold the maximum guest address width minus one.
    package static func mgaw(capability: UInt64) -> Int { Int((capability >> 16) & 0x3f) + 1 }

    package struct UnitReading: Equatable, Sendable {
        package var unit: String
        package var capability: UInt64
        package var bits: Int
    }

    /// Parses one `cap` file. dmesg's `Host address width` is the DMAR table's HAW, not MGAW,
    /// and a Xeon can print HAW 39 with MGAW 48, so only the register is trusted.
    package static func parseCapability(_ text: String, file: String, unit: String) throws -> UnitReading {
        let trimmed = text.trimmingWhitespace()
        let digits = trimmed.lowercased().hasPrefix("0x") ? String(trimmed.dropFirst(2)) : trimmed
        guard (1...16).contains(digits.count), digits.allSatisfy(\.isHexDigit), let capability = UInt64(digits, radix: 16) else {
            throw InputError(source: file, line: 1, message: "expected the VT-d capability register in hex (as the kernel prints it, e.g. d2008c40660462), found \"\(trimmed.prefix(40))\"")
        }
        let bits = mgaw(capability: capability)
        guard (32...64).contains(bits) else {
            throw InputError(source: file, line: 1, message: "capability \(digits) gives MGAW \(bits) bits, outside 32 to 64; the register reads wrong")
        }
        return UnitReading(unit: unit, capability: capability, bits: bits)
    }

    /// Every unit's width; a guest DMA target must be mappable by whichever unit serves the
    /// device, so the narrowest unit is the host's width.
    package static func read(units: [IOMMUUnit], root: ProbeRoot) -> (readings: [UnitReading], files: [String], errors: [InputError]) {
        var readings: [UnitReading] = []
        var files: [String] = []
        var errors: [InputError] = []
        for unit in units where unit.kind == .intelVTd {
            let hostPath = "\(IOMMUUnits.folder)/\(unit.name)/\(ProbeFiles.intelCapability)"
            files.append(hostPath)
            do {
                readings.append(try parseCapability(try root.readText(hostPath), file: root.location(hostPath), unit: unit.name))
            } catch let error as InputError {
                errors.append(error)
            } catch {
                errors.append(InputError(source: root.location(hostPath), message: "\(error)"))
            }
        }
        return (readings, files, errors)
    }
}
