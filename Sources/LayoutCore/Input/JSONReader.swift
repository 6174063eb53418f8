/// Walks a parsed JSON document with a path, so every error names where it is,
/// and rejects members nobody read: a misspelt key must not be silently ignored.
package struct JSONReader {
    package let source: String
    package let node: JSONNode
    /// The path is kept as the parent's path and one step, joined only when asked for (an error
    /// message, a region that records where it came from): joining it for every value read was a
    /// visible share of reading a 10,000-host fleet, and almost no path is ever shown.
    let parentPath: String
    let step: PathStep

    /// One step from a value to a member or an element, as JSONPath writes it.
    enum PathStep {
        case none
        case member(String)
        case element(Int)

        func appended(to path: String) -> String {
            switch self {
            case .none: return path
            case .member(let key): return path + "." + key
            case .element(let index): return path + "[" + String(index) + "]"
            }
        }
    }

    /// `$.reserved[2].start`: where this value is in its document.
    package var path: String { step.appended(to: parentPath) }

    package init(source: String, node: JSONNode, path: String = "$") {
        self.init(source: source, node: node, parentPath: path, step: .none)
    }

    init(source: String, node: JSONNode, parentPath: String, step: PathStep) {
        self.source = source
        self.node = node
        self.parentPath = parentPath
        self.step = step
    }

    /// The root of a whole document, with a syntax error turned into an input error naming the line.
    package static func document(_ bytes: [UInt8], source: String) throws -> JSONReader {
        do {
            return JSONReader(source: source, node: try JSONParser.parse(bytes))
        } catch {
            throw InputError(source: source, line: error.line, message: error.inputMessage)
        }
    }

    package func error(_ message: String) -> InputError {
        InputError(source: source, path: path, line: node.line, message: message)
    }

    package func expectation(_ expected: String) -> InputError {
        error("expected \(expected), found \(node.kindName)")
    }

    /// An object's members, read one by one; `finish()` reports members that were not read.
    package func object() throws -> ObjectReader {
        guard case .object(let members) = node.value else { throw expectation("an object") }
        return ObjectReader(reader: self, members: members)
    }

    package func array() throws -> [JSONReader] {
        guard case .array(let elements) = node.value else { throw expectation("an array") }
        let path = self.path
        return elements.enumerated().map { JSONReader(source: source, node: $1, parentPath: path, step: .element($0)) }
    }

    package func string() throws -> String {
        guard case .string(let text) = node.value else { throw expectation("a string") }
        return text
    }

    package func bool() throws -> Bool {
        guard case .bool(let value) = node.value else { throw expectation("true or false") }
        return value
    }

    /// A plain integer (a JSON number or a decimal string), for counts and bit widths.
    package func integer(in range: ClosedRange<Int>, what: String) throws -> Int {
        let text: String
        switch node.value {
        case .number(let literal): text = literal
        case .string(let literal): text = literal
        default: throw expectation("\(what): an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        guard let value = Int(text), range.contains(value) else {
            throw error("expected \(what): an integer from \(range.lowerBound) to \(range.upperBound), found \(node.kindName)")
        }
        return value
    }

    /// An address or size: `"0x…"`, a decimal integer or string, or a size like `"12G"`.
    package func quantity(_ what: String) throws -> UInt64 {
        let text: String
        switch node.value {
        case .number(let literal): text = literal
        case .string(let literal): text = literal
        default: throw expectation("\(what) (\"0x…\", an integer, or a size such as \"16G\")")
        }
        switch SizeSyntax.parse(text) {
        case .success(let value): return value
        case .failure(.negative): throw error("\(what) must not be negative, found \(node.kindName)")
        case .failure(.tooLarge): throw error("\(what) \(quotedForMessage(text)) does not fit in 64 bits (the address space ends at 0xffffffffffffffff)")
        case .failure(.empty), .failure(.notANumber):
            throw error("expected \(what) (\"0x…\", an integer, or a size such as \"16G\"), found \(node.kindName)")
        }
    }
}

package struct ObjectReader {
    package let reader: JSONReader
    package let members: [(key: String, value: JSONNode)]
    /// The object's own path, joined once for all its members.
    let path: String
    /// Which members were read, by index (keys are unique, the parser refuses repeats): a bit
    /// mask for real objects, a set only past 64 members; a Set of key strings per object was a
    /// visible cost of reading a 10,000-host fleet.
    private var usedMask: UInt64 = 0
    private var usedLarge: Set<Int> = []

    package init(reader: JSONReader, members: [(key: String, value: JSONNode)]) {
        self.reader = reader
        self.members = members
        self.path = reader.path
    }

    package mutating func optional(_ key: String) -> JSONReader? {
        guard let index = members.firstIndex(where: { $0.key == key }) else { return nil }
        let member = members[index]
        markUsed(index)
        if member.value.isNull { return nil }
        return JSONReader(source: reader.source, node: member.value, parentPath: path, step: .member(key))
    }

    package mutating func required(_ key: String) throws -> JSONReader {
        guard let member = optional(key) else {
            // A misspelt member is the likelier mistake than a forgotten one: name it.
            if let typo = members.indices.first(where: { !isUsed($0) && Suggestion.closest(to: members[$0].key, among: [key]) != nil }).map({ members[$0] }) {
                throw InputError(
                    source: reader.source, path: "\(path).\(typo.key)", line: typo.value.line,
                    message: "unknown member \"\(typo.key)\"; did you mean \"\(key)\"?")
            }
            throw reader.error("missing required member \"\(key)\"")
        }
        return member
    }

    private mutating func markUsed(_ index: Int) {
        if index < 64 { usedMask |= 1 << UInt64(index) } else { usedLarge.insert(index) }
    }

    private func isUsed(_ index: Int) -> Bool {
        index < 64 ? usedMask & (1 << UInt64(index)) != 0 : usedLarge.contains(index)
    }

    package func has(_ key: String) -> Bool { members.contains { $0.key == key } }

    /// Fails on the first member that was never read, naming the members that are allowed.
    package func finish(allowed: [String]) throws {
        for (index, member) in members.enumerated() where !isUsed(index) {
            throw InputError(
                source: reader.source, path: "\(path).\(member.key)", line: member.value.line,
                message: Suggestion.closest(to: member.key, among: allowed).map { "unknown member \"\(member.key)\"; did you mean \"\($0)\"?" }
                    ?? "unknown member \"\(member.key)\"; allowed here: \(allowed.joined(separator: ", "))")
        }
    }
}
