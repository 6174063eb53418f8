/// A parsed JSON document that keeps what error messages and exact arithmetic need:
/// the source line of every value, the literal text of numbers (no trip through Double),
/// and the order of object keys. Not `indirect`: arrays already box the recursion, and a box per
/// value was an allocation per value of every profile.
package enum JSONValue: Sendable, Equatable {
    case object([(key: String, value: JSONNode)])
    case array([JSONNode])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(a), .array(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// What a person calls this kind of value in an error message.
    package var kindName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        // prefix(41), not count: counting the characters of a 100 MB string took a second.
        case .string(let text): return "the string \"\(text.prefix(41).count > 40 ? String(text.prefix(40)) + "…" : text)\""
        // At most 40 digits: a 100,000-digit number must not come back as a 100 KB message.
        // A number's text is ASCII, so its UTF-8 count is its length, without walking it.
        case .number(let text): return "the number \(text.utf8.count > 40 ? String(text.prefix(40)) + "… (\(text.utf8.count) characters)" : text)"
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        }
    }
}

/// A JSON value in its parsed document, with the 1-based line it starts on. Reading `value`
/// decodes this one level; members and elements stay nodes until they are read in turn.
package struct JSONNode: Sendable, Equatable {
    let tape: JSONTape
    let index: Int

    package var value: JSONValue { tape.value(at: index) }
    package var line: Int { Int(tape.entries[index].line) }

    /// What a person calls this value in an error message (``JSONValue/kindName``), decoding at
    /// most the start of a long string: naming a 100 MB string must not copy 100 MB.
    package var kindName: String {
        let entry = tape.entries[index]
        let byteCount = Int(entry.second - entry.first)
        // 41 characters of at most 4 bytes each; a longer plain string is cut anyway.
        let prefixBytes = 41 * 4
        guard entry.kind == .string, byteCount > prefixBytes else { return value.kindName }
        var end = Int(entry.first) + prefixBytes
        // Back to the start of a character: UTF-8 continuation bytes are 0b10xxxxxx.
        while end > Int(entry.first), tape.bytes[end] & 0xC0 == 0x80 { end -= 1 }
        let start = String(decoding: tape.bytes[Int(entry.first)..<end], as: UTF8.self)
        return "the string \"\(String(start.prefix(40)))…\""
    }

    /// Whether this value is JSON null, read from the tape without decoding anything.
    package var isNull: Bool { tape.entries[index].kind == .null }

    /// Whether a null is anywhere in this value: one pass over its entries, decoding nothing.
    package var containsNull: Bool {
        tape.entries[index..<tape.next(after: index)].contains { $0.kind == .null }
    }

    /// Same value and same line, wherever the two documents came from.
    package static func == (lhs: JSONNode, rhs: JSONNode) -> Bool {
        lhs.line == rhs.line && lhs.value == rhs.value
    }
}
