/// The number syntax shared by profiles, VM specs and command-line flags:
/// `"0x1f"`, `4096`, `"4096"`, `"16G"`, `"16GiB"`, `"1T"` (binary units, K through P).
public enum SizeSyntax {
    private static let suffixes: [(String, UInt64)] = [
        ("KIB", 1 << 10), ("MIB", 1 << 20), ("GIB", 1 << 30), ("TIB", 1 << 40), ("PIB", 1 << 50),
        ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("T", 1 << 40), ("P", 1 << 50), ("B", 1),
    ]

    public enum Failure: Error, Equatable, Sendable {
        case empty, negative, notANumber, tooLarge
    }

    /// Parses one number or size; exact, never rounded, never wrapped.
    public static func parse(_ text: String) -> Result<UInt64, Failure> {
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

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
