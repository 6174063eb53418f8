// fuzz-sources: Sources/LayoutCore
// fuzz-corpus: Profiles Examples/fleets Examples/vm Schemas
//
// The strict JSON parser every input goes through. Oracles: a syntax error names a line that
// exists; an accepted document, written back out and parsed again, is the same document
// (escapes, number literals and member order survive exactly).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let lines = bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    let node: JSONNode
    do {
        node = try JSONParser.parse(bytes)
    } catch {
        precondition((1...lines).contains(error.line), "syntax error on line \(error.line) of a \(lines)-line input")
        precondition(!error.message.isEmpty)
        return 0
    }
    precondition((1...lines).contains(node.line))
    let again: JSONNode
    do {
        again = try JSONParser.parse(Array(written(node.value).utf8))
    } catch {
        preconditionFailure("the parser rejects its own document written back: \(error.message)")
    }
    precondition(same(node.value, again.value), "a document changed when written out and read back")
    return 0
}

func written(_ value: JSONValue) -> String {
    switch value {
    case .object(let members): return "{" + members.map { JSONOutput.quoted($0.key) + ":" + written($0.value.value) }.joined(separator: ",") + "}"
    case .array(let elements): return "[" + elements.map { written($0.value) }.joined(separator: ",") + "]"
    case .string(let text): return JSONOutput.quoted(text)
    case .number(let literal): return literal
    case .bool(let flag): return flag ? "true" : "false"
    case .null: return "null"
    }
}

/// Structural equality; line numbers differ by construction once written on one line.
func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && same($0.value.value, $1.value.value) }
    case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy { same($0.value, $1.value) }
    case let (.string(x), .string(y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
    case let (.number(x), .number(y)): return x == y
    case let (.bool(x), .bool(y)): return x == y
    case (.null, .null): return true
    default: return false
    }
}
