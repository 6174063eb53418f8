/// A parsed JSON document as one flat array of 16-byte entries over the input's bytes.
///
/// A tree of Swift values cost about 80 bytes and an allocation per value: a 100 MB profile of
/// 1.9 million small objects took 630 MB and four seconds before its first member could be read.
/// The tape holds every value in preorder (an object's key, then its value, member after member),
/// strings and numbers as byte ranges decoded only when read, and containers with the index just
/// past their last descendant, so a reader skips a subtree in one step. Its memory is the input's
/// bytes plus 16 bytes per value, and `JSONParser.maximumValues` bounds the values.
package final class JSONTape: Sendable {
    package enum Kind: UInt8, Sendable {
        case object, array, string, escapedString, number, `true`, `false`, null
    }

    /// One value: where it starts (line) and what it holds.
    /// - object, array: `first` = members or elements, `second` = the index past the subtree;
    /// - string, escapedString, number: the bytes `first..<second` (a string's without its quotes);
    /// - true, false, null: nothing.
    package struct Entry: Sendable {
        package var kind: Kind
        package var line: UInt32
        package var first: UInt32
        package var second: UInt32
    }

    package let bytes: [UInt8]
    package let entries: [Entry]

    init(bytes: [UInt8], entries: [Entry]) {
        self.bytes = bytes
        self.entries = entries
    }

    /// The index of the entry after `index` and everything inside it.
    package func next(after index: Int) -> Int {
        let entry = entries[index]
        switch entry.kind {
        case .object, .array: return Int(entry.second)
        default: return index + 1
        }
    }

    /// The text of a string entry. Escapes were checked while parsing, so decoding cannot fail;
    /// a string without escapes is its bytes, already checked to be UTF-8.
    package func string(at index: Int) -> String {
        Self.decode(bytes, entries[index])
    }

    static func decode(_ bytes: [UInt8], _ entry: Entry) -> String {
        let range = Int(entry.first)..<Int(entry.second)
        guard entry.kind == .escapedString else { return String(decoding: bytes[range], as: UTF8.self) }
        return JSONParser.decodeEscapedString(bytes, range)
    }

    /// The literal text of a number entry.
    package func number(at index: Int) -> String {
        let entry = entries[index]
        return String(decoding: bytes[Int(entry.first)..<Int(entry.second)], as: UTF8.self)
    }

    /// The value at `index`, one level deep: members and elements are nodes into this tape.
    package func value(at index: Int) -> JSONValue {
        let entry = entries[index]
        switch entry.kind {
        case .object:
            var members: [(key: String, value: JSONNode)] = []
            members.reserveCapacity(Int(entry.first))
            var child = index + 1
            for _ in 0..<entry.first {
                let key = string(at: child)
                members.append((key, JSONNode(tape: self, index: child + 1)))
                child = next(after: child + 1)
            }
            return .object(members)
        case .array:
            var elements: [JSONNode] = []
            elements.reserveCapacity(Int(entry.first))
            var child = index + 1
            for _ in 0..<entry.first {
                elements.append(JSONNode(tape: self, index: child))
                child = next(after: child)
            }
            return .array(elements)
        case .string, .escapedString: return .string(string(at: index))
        case .number: return .number(number(at: index))
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .null: return .null
        }
    }
}
