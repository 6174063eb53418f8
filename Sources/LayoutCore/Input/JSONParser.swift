/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// Foundation's JSONSerialization turns large integers into Doubles and forgets where a value
/// was; a profile error must name the line, and a 64-bit address must survive exactly.
package struct JSONParser {
    package struct SyntaxError: Error, Equatable, Sendable {
        package let line: Int
        package let message: String
    }

    /// Deeper nesting than any real profile needs; the limit keeps hostile input from exhausting the stack.
    package static let maximumDepth = 128

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var depth = 0
    /// False in the checking pass: values are parsed and dropped, so no tree is built.
    private var building = true

    /// Inputs larger than this are first checked without building a tree: a malformed 100 MB file
    /// (a million objects broken at the end) is then refused in one pass at the memory of its bytes,
    /// instead of after building gigabytes of values. Real profiles (2-5 KiB) skip the pass.
    package static let checkFirstAbove = 4 << 20

    package static func parse(_ data: [UInt8]) throws(SyntaxError) -> JSONNode {
        if data.count > checkFirstAbove {
            var checker = JSONParser(bytes: data)
            checker.building = false
            _ = try checker.parseDocument()
        }
        var parser = JSONParser(bytes: data)
        return try parser.parseDocument()
    }

    private mutating func parseDocument() throws(SyntaxError) -> JSONNode {
        skipByteOrderMark()
        skipWhitespace()
        guard index < bytes.count else { throw SyntaxError(line: 1, message: "the file is empty; expected a JSON object") }
        let node = try parseValue()
        skipWhitespace()
        if index < bytes.count {
            throw SyntaxError(line: line, message: "unexpected \(describeCurrent()) after the end of the JSON document")
        }
        return node
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func skipByteOrderMark() {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A: index += 1; line += 1
            default: return
            }
        }
    }

    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of file" }
        let byte = bytes[index]
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(UnicodeScalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16))"
    }

    private mutating func parseValue() throws(SyntaxError) -> JSONNode {
        skipWhitespace()
        guard index < bytes.count else { throw SyntaxError(line: line, message: "unexpected end of file; expected a value") }
        let startLine = line
        switch bytes[index] {
        case UInt8(ascii: "{"): return JSONNode(value: try parseObject(), line: startLine)
        case UInt8(ascii: "["): return JSONNode(value: try parseArray(), line: startLine)
        case UInt8(ascii: "\""): return JSONNode(value: .string(try parseString()), line: startLine)
        case UInt8(ascii: "t"): try expectLiteral("true"); return JSONNode(value: .bool(true), line: startLine)
        case UInt8(ascii: "f"): try expectLiteral("false"); return JSONNode(value: .bool(false), line: startLine)
        case UInt8(ascii: "n"): try expectLiteral("null"); return JSONNode(value: .null, line: startLine)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return JSONNode(value: .number(try parseNumber()), line: startLine)
        default: throw SyntaxError(line: line, message: "unexpected \(describeCurrent()); expected a JSON value")
        }
    }

    private mutating func enter() throws(SyntaxError) {
        depth += 1
        if depth > Self.maximumDepth { throw SyntaxError(line: line, message: "JSON nested deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func parseObject() throws(SyntaxError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var members: [(key: String, value: JSONNode)] = []
        var keys: Set<String> = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw SyntaxError(line: line, message: "unexpected \(describeCurrent()); expected a quoted member name")
            }
            let keyLine = line
            let key = try parseString()
            // A linear scan suits real objects (a dozen members); a hostile one with 10^5 members
            // would make it quadratic, so larger objects keep a set of their keys.
            let repeated: Bool
            if members.count < 16 {
                repeated = members.contains(where: { $0.key == key })
            } else {
                if keys.isEmpty { keys = Set(members.map(\.key)) }
                repeated = !keys.insert(key).inserted
            }
            if repeated {
                throw SyntaxError(line: keyLine, message: "member \"\(key)\" appears twice in one object")
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw SyntaxError(line: line, message: "unexpected \(describeCurrent()); expected ':' after \"\(key)\"")
            }
            index += 1
            let value = try parseValue()
            // The checking pass keeps only the keys, for the repeated-member check.
            members.append((key, building ? value : JSONNode(value: .null, line: 0)))
            skipWhitespace()
            guard index < bytes.count else { throw SyntaxError(line: line, message: "unexpected end of file inside an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw SyntaxError(line: line, message: "unexpected \(describeCurrent()); expected ',' or '}'")
        }
    }

    private mutating func parseArray() throws(SyntaxError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var elements: [JSONNode] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
        while true {
            let element = try parseValue()
            if building { elements.append(element) }
            skipWhitespace()
            guard index < bytes.count else { throw SyntaxError(line: line, message: "unexpected end of file inside an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            throw SyntaxError(line: line, message: "unexpected \(describeCurrent()); expected ',' or ']'")
        }
    }

    private mutating func expectLiteral(_ literal: String) throws(SyntaxError) {
        for expected in literal.utf8 {
            guard index < bytes.count, bytes[index] == expected else {
                throw SyntaxError(line: line, message: "unexpected \(describeCurrent()); expected '\(literal)'")
            }
            index += 1
        }
    }

    private mutating func parseNumber() throws(SyntaxError) -> String {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits(_ parser: inout JSONParser) -> Int {
            let from = parser.index
            while parser.index < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) { parser.index += 1 }
            return parser.index - from
        }
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw SyntaxError(line: line, message: "a number needs digits after '-'") }
        if integerDigits > 1 && bytes[index - integerDigits] == UInt8(ascii: "0") {
            throw SyntaxError(line: line, message: "numbers must not have leading zeros")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw SyntaxError(line: line, message: "a number needs digits after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw SyntaxError(line: line, message: "a number needs digits in its exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func parseString() throws(SyntaxError) -> String {
        index += 1
        // UTF-8 bytes, not a UnicodeScalarView: building a String from scalars went through UTF-32
        // and was the largest cost of reading a fleet (profiles carry long source and note texts).
        // Each run between escapes is still validated where it ends, so errors are unchanged.
        var utf8: [UInt8] = []
        var runStart = index
        var nonASCII = false
        func flush(_ parser: inout JSONParser, into utf8: inout [UInt8], from runStart: Int) throws(SyntaxError) {
            guard runStart < parser.index else { return }
            let run = parser.bytes[runStart..<parser.index]
            guard String(validating: run, as: UTF8.self) != nil else {
                throw SyntaxError(line: parser.line, message: "a string is not valid UTF-8")
            }
            utf8.append(contentsOf: run)
        }
        while true {
            index = Self.plainASCIIRunEnd(bytes, from: index)
            guard index < bytes.count else { throw SyntaxError(line: line, message: "unexpected end of file inside a string") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                if utf8.isEmpty {
                    // No escapes, the common case: no copy through a buffer, and plain ASCII needs no validation.
                    let run = bytes[runStart..<index]
                    let text: String
                    if nonASCII {
                        guard let valid = String(validating: run, as: UTF8.self) else {
                            throw SyntaxError(line: line, message: "a string is not valid UTF-8")
                        }
                        text = valid
                    } else {
                        text = String(decoding: run, as: UTF8.self)
                    }
                    index += 1
                    return text
                }
                try flush(&self, into: &utf8, from: runStart)
                index += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try flush(&self, into: &utf8, from: runStart)
                index += 1
                guard index < bytes.count else { throw SyntaxError(line: line, message: "unexpected end of file in an escape") }
                let escape = bytes[index]
                index += 1
                let scalar: Unicode.Scalar
                switch escape {
                case UInt8(ascii: "\""): scalar = "\""
                case UInt8(ascii: "\\"): scalar = "\\"
                case UInt8(ascii: "/"): scalar = "/"
                case UInt8(ascii: "b"): scalar = "\u{08}"
                case UInt8(ascii: "f"): scalar = "\u{0C}"
                case UInt8(ascii: "n"): scalar = "\n"
                case UInt8(ascii: "r"): scalar = "\r"
                case UInt8(ascii: "t"): scalar = "\t"
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw SyntaxError(line: line, message: "a \\u escape starts a surrogate pair that is not completed")
                        }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw SyntaxError(line: line, message: "invalid surrogate pair in a \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let decoded = Unicode.Scalar(code) else { throw SyntaxError(line: line, message: "a \\u escape names no character") }
                    scalar = decoded
                default:
                    throw SyntaxError(line: line, message: "unknown escape '\\\(Character(UnicodeScalar(escape)))' in a string")
                }
                utf8.append(contentsOf: scalar.utf8)
                runStart = index
            default:
                if byte < 0x20 { throw SyntaxError(line: line, message: "a control character inside a string (strings cannot span lines)") }
                if byte >= 0x80 { nonASCII = true }
                index += 1
            }
        }
    }

    /// The first index at or after `start` whose byte needs the string loop's attention: a quote,
    /// a backslash, a control byte (< 0x20) or a non-ASCII byte (>= 0x80). Every byte skipped is
    /// plain printable ASCII, which the loop would only have stepped over, so what is accepted and
    /// refused is unchanged. Eight bytes at a time (the bit tricks of "Bit Twiddling Hacks",
    /// "Determine if a word has a byte equal to n / less than n"): profiles are mostly long
    /// `source` and `note` texts, and a byte at a time was the parser's largest cost.
    private static func plainASCIIRunEnd(_ bytes: [UInt8], from start: Int) -> Int {
        bytes.withUnsafeBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress else { return start }
            let count = buffer.count
            var index = start
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while index + 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                // A byte is zero (quote, backslash) or below 0x20: the subtraction borrows into its
                // high bit where the byte's own high bit was clear. A set high bit is non-ASCII.
                let hasQuote = (quote &- ones) & ~quote
                let hasBackslash = (backslash &- ones) & ~backslash
                let hasControl = (word &- (ones &* 0x20)) & ~word
                if (hasQuote | hasBackslash | hasControl | word) & highs != 0 { break }
                index += 8
            }
            while index < count {
                let byte = base[index]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
                index += 1
            }
            return index
        }
    }

    private mutating func parseHex4() throws(SyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw SyntaxError(line: line, message: "a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw SyntaxError(line: line, message: "a \\u escape needs four hex digits")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }
}
