/// The number syntax shared by profiles, VM specs and command-line flags:
/// `"0x1f"`, `4096`, `"4096"`, `"16G"`, `"16GiB"`, `"1T"` (binary units, K through P).
package enum SizeSyntax {
    private static let suffixes: [(String, UInt64)] = [
        ("KIB", 1 << 10), ("MIB", 1 << 20), ("GIB", 1 << 30), ("TIB", 1 << 40), ("PIB", 1 << 50),
        ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("T", 1 << 40), ("P", 1 << 50), ("B", 1),
    ]

    package enum Failure: Error, Equatable, Sendable {
        case empty, negative, notANumber, tooLarge
    }

    /// Parses one number or size; exact, never rounded, never wrapped.
    package static func parse(_ text: String) -> Result<UInt64, Failure> {
        parsePlainASCII(text) ?? parseGeneral(text)
    }

    package static func parseGeneral(_ text: String) -> Result<UInt64, Failure> {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return .failure(.empty) }
        if trimmed.hasPrefix("-") { return .failure(.negative) }
        let lower = trimmed.lowercased()
        if lower.hasPrefix("0x") {
            let digits = lower.dropFirst(2)
            guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit) else { return .failure(.notANumber) }
            guard digits.drop(while: { $0 == "0" }).count <= 16, let value = UInt64(digits, radix: 16) else {
                return .failure(.tooLarge)
            }
            return .success(value)
        }
        let upper = trimmed.uppercased()
        var digits = Substring(upper)
        var multiplier: UInt64 = 1
        for (suffix, factor) in suffixes where upper.hasSuffix(suffix) {
            digits = upper.dropLast(suffix.count)
            multiplier = factor
            break
        }
        digits = Substring(digits.trimmingWhitespace())
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .failure(.notANumber) }
        guard let value = UInt64(digits) else { return .failure(.tooLarge) }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? .failure(.tooLarge) : .success(product)
    }
}

extension SizeSyntax {
    /// The forms profiles are written in (`0x7bb24000`, `4096`, `12G`), read straight from the UTF-8
    /// bytes; nil for anything else, which takes the general path. Reading a fleet parses tens of
    /// thousands of addresses, and the general path's trimming and case mapping allocate strings.
    package static func parsePlainASCII(_ text: String) -> Result<UInt64, Failure>? {
        if let result = text.utf8.withContiguousStorageIfAvailable({ parsePlainASCII(bytes: $0) }) { return result }
        return parsePlainASCII(bytes: Array(text.utf8))
    }

    /// Every byte is checked before an answer: "0x" and 17 digits is too large, but with a stray
    /// letter after them it is not a number at all, as on the general path.
    private static func parsePlainASCII<C: Collection>(bytes: C) -> Result<UInt64, Failure>? where C.Element == UInt8 {
        guard let first = bytes.first else { return nil }
        var rest = bytes.dropFirst()
        var value: UInt64 = 0
        var tooLarge = false
        if first == UInt8(ascii: "0"), let marker = rest.first, marker == UInt8(ascii: "x") || marker == UInt8(ascii: "X") {
            rest = rest.dropFirst()
            guard !rest.isEmpty else { return nil }
            var significant = 0
            for byte in rest {
                let digit: UInt64
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt64(byte - UInt8(ascii: "A") + 10)
                default: return nil
                }
                if significant > 0 || digit != 0 { significant += 1 }
                if significant > 16 { tooLarge = true } else { value = value << 4 | digit }
            }
            return tooLarge ? .failure(.tooLarge) : .success(value)
        }
        var digits = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { break }
            let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if overflow || carry { tooLarge = true }
            value = sum
            digits += 1
        }
        guard digits > 0 else { return nil }
        // A unit straight after the digits: K, M, G, T or P, alone or with "iB" (any case), or B.
        let suffix = bytes.dropFirst(digits).map { $0 | 0x20 }
        let multiplier: UInt64
        switch suffix.first {
        case nil: multiplier = 1
        case UInt8(ascii: "b")? where suffix.count == 1: multiplier = 1
        case let unit? where suffix.count == 1 || suffix.dropFirst().elementsEqual("ib".utf8):
            switch unit {
            case UInt8(ascii: "k"): multiplier = 1 << 10
            case UInt8(ascii: "m"): multiplier = 1 << 20
            case UInt8(ascii: "g"): multiplier = 1 << 30
            case UInt8(ascii: "t"): multiplier = 1 << 40
            case UInt8(ascii: "p"): multiplier = 1 << 50
            default: return nil
            }
        default: return nil
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return tooLarge || overflow ? .failure(.tooLarge) : .success(product)
    }
}

extension StringProtocol {
    package func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
