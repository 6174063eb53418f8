/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// Foundation's JSONSerialization turns large integers into Doubles and forgets where a value
/// was; a profile error must name the line, and a 64-bit address must survive exactly.
package struct JSONParser {
    package struct SyntaxError: Error, Equatable, Sendable {
        package let line: Int
        package let message: String
        /// The document is valid JSON but larger than layoutsolve reads (`maximumValues`).
        package var isSizeLimit = false

        package init(line: Int, message: String, isSizeLimit: Bool = false) {
            self.line = line
            self.message = message
            self.isSizeLimit = isSizeLimit
        }

        /// What a user reads: a syntax error says the file is not JSON, a size limit does not.
        package var inputMessage: String { isSizeLimit ? message : "not valid JSON: \(message)" }
    }

    /// Deeper nesting than any real profile needs; the limit keeps hostile input from exhausting the stack.
    package static let maximumDepth = 128

    /// At most this many values in one document (2^23): five times the one-profile benchmark with
    /// 10^6 reserved regions, and some 30,000 hosts of a request document. It bounds the tape at
    /// 128 MiB, so parsing a hostile file costs its bytes plus at most that, whatever its shape
    /// (100 MB of `0,` would be 50 million values).
    package static let maximumValues = 1 << 23

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var depth = 0
    private var entries: [JSONTape.Entry] = []
    /// The keys of the objects being parsed, innermost last, for the repeated-member check: one
    /// buffer for the whole document instead of an array per object.
    private var openKeys: [String] = []
    private var valueLimit = JSONParser.maximumValues

    package static func parse(_ data: [UInt8]) throws(SyntaxError) -> JSONNode {
        try parse(data, maximumValues: maximumValues)
    }

    /// `maximumValues` other than the documented limit only for tests.
    static func parse(_ data: [UInt8], maximumValues: Int) throws(SyntaxError) -> JSONNode {
        // Entries hold byte offsets and lines (at most one more than the bytes) as 32 bits.
        guard data.count < Int(UInt32.max) else {
            throw SyntaxError(line: 1, message: "the document is larger than 4 GiB", isSizeLimit: true)
        }
        var parser = JSONParser(bytes: data)
        parser.valueLimit = maximumValues
        try parser.parseDocument()
        return JSONNode(tape: JSONTape(bytes: data, entries: parser.entries), index: 0)
    }

    private mutating func parseDocument() throws(SyntaxError) {
        skipByteOrderMark()
        skipWhitespace()
        guard index < bytes.count else { throw SyntaxError(line: 1, message: "the file is empty; expected a JSON object") }
        try parseValue()
        skipWhitespace()
        if index < bytes.count {
            throw SyntaxError(line: line, message: "unexpected \(describeCurrent()) after the end of the JSON document")
        }
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

    /// Appends an entry for a value starting on the current line; returns its index.
    private mutating func append(_ kind: JSONTape.Kind, first: Int = 0, second: Int = 0, line startLine: Int) throws(SyntaxError) -> Int {
        guard entries.count < valueLimit else {
            throw SyntaxError(
                line: startLine,
                message: "more than \(valueLimit) JSON values (member names count too); layoutsolve reads at most that many from one document (a host profile with 10^6 reserved regions has 7 million)",
                isSizeLimit: true)
        }
        entries.append(JSONTape.Entry(kind: kind, line: UInt32(startLine), first: UInt32(first), second: UInt32(second)))
        return entries.count - 1
    }

    private mutating func parseValue() throws(SyntaxError) {
        skipWhitespace()
        guard index < bytes.count else { throw SyntaxError(line: line, message: "unexpected end of file; expected a value") }
        let startLine = line
        switch bytes[index] {
        case UInt8(ascii: "{"): try parseObject()
        case UInt8(ascii: "["): try parseArray()
        case UInt8(ascii: "\""): try parseString()
        case UInt8(ascii: "t"): try expectLiteral("true"); _ = try append(.true, line: startLine)
        case UInt8(ascii: "f"): try expectLiteral("false"); _ = try append(.false, line: startLine)
        case UInt8(ascii: "n"): try expectLiteral("null"); _ = try append(.null, line: startLine)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            try parseNumber()
            _ = try append(.number, first: start, second: index, line: startLine)
        default: throw SyntaxError(line: line, message: "unexpected \(describeCurrent()); expected a JSON value")
        }
    }

    private mutating func enter() throws(SyntaxError) {
        depth += 1
        if depth > Self.maximumDepth { throw SyntaxError(line: line, message: "JSON nested deeper than \(Self.maximumDepth) levels") }
    }

    /// Records the count and the end of the subtree of the container entry at `container`.
    private mutating func close(_ container: Int, count: Int) {
        entries[container].first = UInt32(count)
        entries[container].second = UInt32(entries.count)
    }

    private mutating func parseObject() throws(SyntaxError) {
        let object = try append(.object, line: line)
        try enter()
        defer { depth -= 1 }
        index += 1
        let keysBase = openKeys.count
        defer { openKeys.removeSubrange(keysBase...) }
        var keys: Set<String> = []
        var count = 0
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; close(object, count: 0); return }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw SyntaxError(line: line, message: "unexpected \(describeCurrent()); expected a quoted member name")
            }
            let keyLine = line
            let keyEntry = try parseString()
            let key = JSONTape.decode(bytes, entries[keyEntry])
            // A linear scan suits real objects (a dozen members); a hostile one with 10^5 members
            // would make it quadratic, so larger objects keep a set of their keys.
            let repeated: Bool
            if count < 16 {
                repeated = openKeys[keysBase...].contains(key)
                openKeys.append(key)
            } else {
                if keys.isEmpty { keys = Set(openKeys[keysBase...]) }
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
            try parseValue()
            count += 1
            skipWhitespace()
            guard index < bytes.count else { throw SyntaxError(line: line, message: "unexpected end of file inside an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; close(object, count: count); return }
            throw SyntaxError(line: line, message: "unexpected \(describeCurrent()); expected ',' or '}'")
        }
    }

    private mutating func parseArray() throws(SyntaxError) {
        let array = try append(.array, line: line)
        try enter()
        defer { depth -= 1 }
        index += 1
        var count = 0
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; close(array, count: 0); return }
        while true {
            try parseValue()
            count += 1
            skipWhitespace()
            guard index < bytes.count else { throw SyntaxError(line: line, message: "unexpected end of file inside an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; close(array, count: count); return }
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

    private mutating func parseNumber() throws(SyntaxError) {
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
    }

    /// Checks the string at the current quote and appends its entry (`escapedString` when it
    /// holds an escape); returns the entry's index. The text is decoded only when it is read.
    @discardableResult
    private mutating func parseString() throws(SyntaxError) -> Int {
        let startLine = line
        index += 1
        let start = index
        var escaped = false
        var nonASCII = false
        while true {
            index = Self.plainRunEnd(bytes, from: index, nonASCII: &nonASCII)
            guard index < bytes.count else { throw SyntaxError(line: line, message: "unexpected end of file inside a string") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                // Escapes are ASCII, so the runs between them are valid UTF-8 exactly when all of
                // the string's raw bytes are: one check, and none for plain ASCII.
                if nonASCII, String(validating: bytes[start..<index], as: UTF8.self) == nil {
                    throw SyntaxError(line: line, message: "a string is not valid UTF-8")
                }
                let end = index
                index += 1
                return try append(escaped ? .escapedString : .string, first: start, second: end, line: startLine)
            case UInt8(ascii: "\\"):
                escaped = true
                index += 1
                guard index < bytes.count else { throw SyntaxError(line: line, message: "unexpected end of file in an escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"):
                    _ = try parseUnicodeEscape()
                default:
                    throw SyntaxError(line: line, message: "unknown escape '\\\(Character(UnicodeScalar(escape)))' in a string")
                }
            default:
                // plainRunEnd stops only at a quote, a backslash or a control character.
                throw SyntaxError(line: line, message: "a control character inside a string (strings cannot span lines)")
            }
        }
    }

    /// The character of a `\u` escape (the `\u` already read), with a surrogate pair's second half.
    private mutating func parseUnicodeEscape() throws(SyntaxError) -> Unicode.Scalar {
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
        return decoded
    }

    /// The text of a string whose bytes `range` (between its quotes) `parseString` accepted.
    package static func decodeEscapedString(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        var parser = JSONParser(bytes: bytes)
        parser.index = range.lowerBound
        var utf8: [UInt8] = []
        utf8.reserveCapacity(range.count)
        while parser.index < range.upperBound {
            let byte = bytes[parser.index]
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                parser.index += 1
                continue
            }
            let escape = bytes[parser.index + 1]
            parser.index += 2
            let scalar: Unicode.Scalar
            switch escape {
            case UInt8(ascii: "b"): scalar = "\u{08}"
            case UInt8(ascii: "f"): scalar = "\u{0C}"
            case UInt8(ascii: "n"): scalar = "\n"
            case UInt8(ascii: "r"): scalar = "\r"
            case UInt8(ascii: "t"): scalar = "\t"
            // Accepted by parseString, so never the replacement character.
            case UInt8(ascii: "u"): scalar = (try? parser.parseUnicodeEscape()) ?? "\u{FFFD}"
            default: scalar = Unicode.Scalar(escape)  // \" \\ \/
            }
            utf8.append(contentsOf: scalar.utf8)
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The first index at or after `start` whose byte needs the string loop's attention: a quote,
    /// a backslash or a control byte (< 0x20). `nonASCII` becomes true if a skipped byte is
    /// 0x80 or above (the string then needs a UTF-8 check). Eight bytes at a time, with the
    /// whole-word tests of "Bit Twiddling Hacks" ("Determine if a word has a byte equal to n",
    /// "... less than n"), which are exact for the word though not for each byte: profiles are
    /// mostly long `source` and `note` texts, and a byte at a time was the parser's largest cost.
    private static func plainRunEnd(_ bytes: [UInt8], from start: Int, nonASCII: inout Bool) -> Int {
        bytes.withUnsafeBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress else { return start }
            let count = buffer.count
            var index = start
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            var highBits: UInt64 = 0
            while index + 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                let hasQuote = (quote &- ones) & ~quote
                let hasBackslash = (backslash &- ones) & ~backslash
                let hasControl = (word &- (ones &* 0x20)) & ~word
                if (hasQuote | hasBackslash | hasControl) & highs != 0 { break }
                highBits |= word
                index += 8
            }
            while index < count {
                let byte = base[index]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                highBits |= UInt64(byte)
                index += 1
            }
            if highBits & highs != 0 { nonASCII = true }
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
