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
        var text = ""
        write(into: &text, indent: 0)
        return text + "\n"
    }

    private func write(into text: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closing = String(repeating: "  ", count: indent)
        switch self {
        case .object(let members):
            if members.isEmpty { text += "{}"; return }
            text += "{\n"
            for (index, (key, value)) in members.enumerated() {
                text += pad + Self.quoted(key) + ": "
                value.write(into: &text, indent: indent + 1)
                text += index == members.count - 1 ? "\n" : ",\n"
            }
            text += closing + "}"
        case .array(let elements):
            if elements.isEmpty { text += "[]"; return }
            // Arrays of plain strings stay readable one per line too (argv).
            text += "[\n"
            for (index, value) in elements.enumerated() {
                text += pad
                value.write(into: &text, indent: indent + 1)
                text += index == elements.count - 1 ? "\n" : ",\n"
            }
            text += closing + "]"
        case .string(let value): text += Self.quoted(value)
        case .integer(let value): text += String(value)
        case .bool(let value): text += value ? "true" : "false"
        case .null: text += "null"
        }
    }

    package static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    package static func hex(_ value: UInt64) -> JSONOutput { .string(Hex.format(value)) }
    package static func optionalHex(_ value: UInt64?) -> JSONOutput { value.map(hex) ?? .null }
}
