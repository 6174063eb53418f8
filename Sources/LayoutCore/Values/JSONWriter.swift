/// A JSON value built for output: object keys keep the order they are written in, so the same
/// layout always gives the same bytes.
package indirect enum JSONOutput: Equatable, Sendable {
    case object([(String, JSONOutput)])
    case array([JSONOutput])
    case string(String)
    case integer(Int)
    case bool(Bool)
    case null

    package static func == (lhs: JSONOutput, rhs: JSONOutput) -> Bool { lhs.rendered() == rhs.rendered() }

    /// Pretty-printed with two-space indentation and a final newline.
    package func rendered() -> String {
        String(decoding: renderedBytes(), as: UTF8.self)
    }

    /// The same text as UTF-8 bytes. Written into one byte buffer: appending to a String scalar by
    /// scalar was a visible share of printing a 10,000-host answer.
    package func renderedBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4096)
        write(into: &bytes, indent: 0)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private func write(into bytes: inout [UInt8], indent: Int) {
        switch self {
        case .object(let members):
            if members.isEmpty { bytes.append(contentsOf: "{}".utf8); return }
            bytes.append(contentsOf: "{\n".utf8)
            for (index, (key, value)) in members.enumerated() {
                Self.pad(&bytes, indent + 1)
                Self.appendQuoted(key, to: &bytes)
                bytes.append(contentsOf: ": ".utf8)
                value.write(into: &bytes, indent: indent + 1)
                bytes.append(contentsOf: index == members.count - 1 ? "\n".utf8 : ",\n".utf8)
            }
            Self.pad(&bytes, indent)
            bytes.append(UInt8(ascii: "}"))
        case .array(let elements):
            if elements.isEmpty { bytes.append(contentsOf: "[]".utf8); return }
            // Arrays of plain strings stay readable one per line too (argv).
            bytes.append(contentsOf: "[\n".utf8)
            for (index, value) in elements.enumerated() {
                Self.pad(&bytes, indent + 1)
                value.write(into: &bytes, indent: indent + 1)
                bytes.append(contentsOf: index == elements.count - 1 ? "\n".utf8 : ",\n".utf8)
            }
            Self.pad(&bytes, indent)
            bytes.append(UInt8(ascii: "]"))
        case .string(let value): Self.appendQuoted(value, to: &bytes)
        case .integer(let value): bytes.append(contentsOf: String(value).utf8)
        case .bool(let value): bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
        case .null: bytes.append(contentsOf: "null".utf8)
        }
    }

    /// Two spaces per level.
    private static func pad(_ bytes: inout [UInt8], _ level: Int) {
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
    }

    package static func quoted(_ value: String) -> String {
        var bytes: [UInt8] = []
        appendQuoted(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `value` as a JSON string: `"`, `\`, newline, return and tab by their short escapes, other
    /// control characters as `\u00xx`, everything else as its own UTF-8 bytes. Byte by byte is
    /// scalar by scalar here: every byte of a multi-byte scalar is >= 0x80 and copied as it is.
    private static func appendQuoted(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
                case UInt8(ascii: "\n"): bytes.append(contentsOf: "\\n".utf8)
                case UInt8(ascii: "\r"): bytes.append(contentsOf: "\\r".utf8)
                case UInt8(ascii: "\t"): bytes.append(contentsOf: "\\t".utf8)
                default:
                    let hex = String(byte, radix: 16)
                    bytes.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    package static func hex(_ value: UInt64) -> JSONOutput { .string(Hex.format(value)) }
    package static func optionalHex(_ value: UInt64?) -> JSONOutput { value.map(hex) ?? .null }
}
