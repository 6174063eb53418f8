/// How the published schemas (Schemas/host-v1.schema.json, vm-v1.schema.json) spell values, checked
/// by the host and VM parsers on top of the general readers: the parser and the schemas are one
/// contract (issue 15), and the parser is stricter only for the semantic rules Schemas/README.md
/// lists. The command-line flags keep the general, forgiving syntax (SizeSyntax).
extension JSONReader {
    /// A `number`/`size` of the schemas: a non-negative JSON integer, or a string of "0x" and 1 to
    /// 16 hex digits, 1 to 20 decimal digits, or digits with K, M, G, T or P (alone or with "iB").
    package func schemaQuantity(_ what: String) throws -> UInt64 {
        switch node.value {
        case .number(let literal): try requirePlainInteger(literal, expected: what)
        case .string(let text):
            guard SchemaSpelling.isQuantity(text) else {
                // What is no number at all, negative or too large keeps the general reader's message;
                // this one is for numbers the command-line syntax would take ("4k", " 0x1").
                if case .failure = SizeSyntax.parse(text) { _ = try quantity(what) }
                throw error("expected \(what) as the schema spells it: \"0x\" and 1 to 16 hex digits, decimal digits, or digits with K, M, G, T, P, KiB, MiB, GiB, TiB or PiB (such as \"16G\"), with no spaces; found \(node.kindName)")
            }
        default: break // quantity() names the expected types
        }
        return try quantity(what)
    }

    /// A count or bit width of the schemas: a JSON integer (not a string).
    package func schemaInteger(in range: ClosedRange<Int>, what: String) throws -> Int {
        switch node.value {
        case .number(let literal): try requirePlainInteger(literal, expected: "\(what): an integer from \(range.lowerBound) to \(range.upperBound),")
        default: throw expectation("\(what): an integer from \(range.lowerBound) to \(range.upperBound) (a JSON number, not a string)")
        }
        return try integer(in: range, what: what)
    }

    /// JSON Schema counts 46.0 and 4.6e1 as the integer 46; layoutsolve wants integers written as
    /// digits (a parser-only rule, listed in Schemas/README.md). Negative ones get the range message.
    private func requirePlainInteger(_ literal: String, expected: String) throws {
        let digits = literal.hasPrefix("-") ? literal.dropFirst() : Substring(literal)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              !(literal.hasPrefix("-") && digits.utf8.allSatisfy { $0 == UInt8(ascii: "0") }) else {
            throw error("expected \(expected) written as a plain non-negative integer (digits only, no fraction or exponent), found \(node.kindName)")
        }
    }

    /// A string matching `pattern` (described for the message), as the schema's `pattern` says.
    package func schemaString(matching pattern: (String) -> Bool, _ expected: String) throws -> String {
        guard case .string(let text) = node.value, pattern(text) else { throw error("expected \(expected), found \(node.kindName)") }
        return text
    }

    /// null is no value in the schemas: `"maxmem": null` is refused, not read as an absent member.
    package func refusingNull() throws {
        // Almost every document has no null: one pass over the tape says so. Only a document
        // with one is walked, and only the null that is refused gets a path.
        guard node.containsNull, let (steps, null) = Self.firstNull(in: node) else { return }
        let path = steps.reversed().reduce(self.path) { $1.appended(to: $0) }
        throw JSONReader(source: source, node: null, path: path).error("null is not allowed here; leave the member out instead")
    }

    /// The first null in document order and the steps to it, innermost first.
    private static func firstNull(in node: JSONNode) -> ([PathStep], JSONNode)? {
        switch node.value {
        case .null: return ([], node)
        case .object(let members):
            for member in members {
                if var found = firstNull(in: member.value) {
                    found.0.append(.member(member.key))
                    return found
                }
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if var found = firstNull(in: element) {
                    found.0.append(.element(index))
                    return found
                }
            }
        default: break
        }
        return nil
    }
}

extension ObjectReader {
    /// Refuses a member the general reader would take but this schema does not allow here.
    package func refuse(_ key: String, _ message: String) throws {
        guard let member = members.first(where: { $0.key == key }) else { return }
        throw InputError(source: reader.source, path: "\(path).\(key)", line: member.value.line, message: message)
    }
}

package enum SchemaSpelling {
    /// `^(0[xX][0-9a-fA-F]{1,16}|[0-9]{1,20}|[0-9]{1,20}([KMGTP]|[KMGTP]iB))$`
    package static func isQuantity(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        if bytes.count >= 3, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "x") || bytes[1] == UInt8(ascii: "X") {
            let hex = bytes.dropFirst(2)
            return hex.count <= 16 && hex.allSatisfy { isDigit($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0 | 0x20) }
        }
        let digits = bytes.prefix(while: isDigit)
        guard (1...20).contains(digits.count) else { return false }
        let unit = Array(bytes.dropFirst(digits.count))
        if unit.isEmpty { return true }
        guard "KMGTP".utf8.contains(unit[0]) else { return false }
        return unit.count == 1 || unit.dropFirst().elementsEqual("iB".utf8)
    }

    /// `^[a-z0-9][a-z0-9._-]*$`, at most 100 characters: host and VM names.
    package static func isName(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 100, isLowerOrDigit(first) else { return false }
        return text.utf8.allSatisfy { isLowerOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// `^[a-z][a-z0-9_-]*$`: a CPU vendor.
    package static func isVendor(_ text: String) -> Bool {
        guard let first = text.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return text.utf8.allSatisfy { isLowerOrDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    private static func isLowerOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
