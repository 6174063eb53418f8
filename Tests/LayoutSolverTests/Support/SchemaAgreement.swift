import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutSolver
import FleetGenerator
import TestSupport

/// Mutates valid documents member by member and asks both the parser and Python's `jsonschema`.
enum SchemaAgreement {
    enum Kind: String { case host, vm, request }

    /// A JSON tree that keeps key order and number literals, so a mutation changes one thing only.
    indirect enum Tree {
        case object([(String, Tree)]), array([Tree]), string(String), number(String), bool(Bool), null

        /// The document as one line of JSON bytes (written straight into a buffer: building
        /// strings recursively cost seconds per thousand documents in a debug build).
        var bytes: [UInt8] {
            var out: [UInt8] = []
            write(into: &out)
            return out
        }

        func write(into out: inout [UInt8]) {
            switch self {
            case .object(let members):
                out.append(UInt8(ascii: "{"))
                for (index, member) in members.enumerated() {
                    if index > 0 { out += Array(", ".utf8) }
                    Tree.string(member.0).write(into: &out)
                    out += Array(": ".utf8)
                    member.1.write(into: &out)
                }
                out.append(UInt8(ascii: "}"))
            case .array(let elements):
                out.append(UInt8(ascii: "["))
                for (index, element) in elements.enumerated() {
                    if index > 0 { out += Array(", ".utf8) }
                    element.write(into: &out)
                }
                out.append(UInt8(ascii: "]"))
            case .string(let value):
                out.append(UInt8(ascii: "\""))
                for byte in value.utf8 {
                    switch byte {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
                    case 0..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
                    default: out.append(byte)
                    }
                }
                out.append(UInt8(ascii: "\""))
            case .number(let literal): out += Array(literal.utf8)
            case .bool(let value): out += Array((value ? "true" : "false").utf8)
            case .null: out += Array("null".utf8)
            }
        }
    }

    struct Document {
        let kind: Kind
        let origin: String
        let mutation: String
        let bytes: [UInt8]

        init(kind: Kind, origin: String, mutation: String, value: Tree) {
            self.kind = kind
            self.origin = origin
            self.mutation = mutation
            self.bytes = value.bytes
        }
    }

    /// A parser refusal the schema cannot express: a semantic rule, named as Schemas/README.md
    /// names it, recognised by a fragment of the parser's message.
    struct Rule {
        let name: String
        let messageFragments: [String]
    }

    static let parserOnlyRules: [Rule] = [
        Rule(name: "numbers are written as integers", messageFragments: ["written as a plain non-negative integer"]),
        Rule(name: "fits in 64 bits", messageFragments: ["does not fit in 64 bits", "runs past the 64-bit address space"]),
        Rule(name: "end is not below start", messageFragments: ["is below start"]),
        Rule(name: "sizes are not zero", messageFragments: ["cannot have size 0", "must be larger than 0"]),
        Rule(name: "programmable windows fit", messageFragments: ["is not a power of two", "fits in", "is not aligned to", "is not inside"]),
        Rule(name: "host count at most 1,000,000,000", messageFragments: ["a host count: an integer from 1 to 1000000000"]),
        Rule(name: "QEMU's own rules on memory sizes", messageFragments: [
            "is below ram", "must be a multiple of 4 KiB", "no room to hot-add", "must be a multiple of 1 GiB", "must be a multiple of 2 MiB",
            "is not a multiple of ram_align", "must be a power of two from 2M to 64G", "Linux onlines hot-added memory", "exceed QEMU's 256 memory slots",
        ]),
        Rule(name: "modelled QEMU releases", messageFragments: ["is not modelled"]),
        Rule(name: "host names are unique", messageFragments: ["needs its own name"]),
    ]

    /// Requests name files: an error about another file than the request (missing, given twice,
    /// or invalid itself) is the parser's business; the schema sees a non-empty string.
    static let requestFilesRule = "paths in a request name readable files, each once"

    static func parserOnlyRule(for error: InputError) -> String? {
        if error.source != "doc.json" { return requestFilesRule }
        return parserOnlyRules.first { rule in rule.messageFragments.contains { error.message.contains($0) } }?.name
    }

    static func tree(_ bytes: [UInt8]) throws -> Tree { convert(try JSONParser.parse(bytes).value) }

    static func convert(_ value: JSONValue) -> Tree {
        switch value {
        case .object(let members): return .object(members.map { ($0.key, convert($0.value.value)) })
        case .array(let elements): return .array(elements.map { convert($0.value) })
        case .string(let text): return .string(text)
        case .number(let literal): return .number(literal)
        case .bool(let value): return .bool(value)
        case .null: return .null
        }
    }

    // MARK: Mutations

    /// Replacement values for one value: type changes, case and space changes, unit changes,
    /// zero/negative/huge numbers, wrong enum values.
    static func replacements(for value: Tree) -> [(String, Tree)] {
        var out: [(String, Tree)] = [
            ("null", .null), ("true", .bool(true)), ("empty string", .string("")), ("word", .string("x")),
            ("zero", .number("0")), ("negative", .number("-1")), ("fraction", .number("1.5")),
            ("huge", .number("18446744073709551616")), ("empty array", .array([])), ("empty object", .object([])),
        ]
        switch value {
        case .string(let text):
            out += [("leading space", .string(" " + text)), ("trailing space", .string(text + " ")),
                    ("upper case", .string(text.uppercased())), ("capitalised", .string(text.prefix(1).uppercased() + text.dropFirst())),
                    ("tab", .string("\t" + text))]
            if let number = Int(text) { out.append(("as number", .number(String(number)))) }
            if let last = text.last, "KMGTP".contains(last), text.dropLast().allSatisfy(\.isNumber), !text.dropLast().isEmpty {
                let digits = String(text.dropLast())
                out += [("lower-case unit", .string(digits + last.lowercased())), ("iB unit", .string(text + "iB")),
                        ("IB unit", .string(text + "IB")), ("B unit", .string(text + "B")), ("spaced unit", .string(digits + " " + String(last))),
                        ("digits only", .string(digits)), ("unit only", .string(String(last)))]
            }
            if text.hasPrefix("0x") {
                let digits = String(text.dropFirst(2))
                out += [("upper-case X", .string("0X" + digits)), ("upper-case hex", .string("0x" + digits.uppercased())),
                        ("17 hex digits", .string("0x" + String(repeating: "0", count: max(0, 17 - digits.count)) + digits)),
                        ("no digits", .string("0x")), ("hex with unit", .string(text + "K"))]
                if let value = UInt64(digits, radix: 16) {
                    out += [("as decimal string", .string(String(value))), ("as number", .number(String(value))),
                            ("as fraction", .number(String(value) + ".0"))]
                }
            }
        case .number(let literal):
            out += [("as string", .string(literal)), ("negated", .number("-" + literal)), ("with fraction", .number(literal + ".0")),
                    ("exponent", .number(literal + "e0")), ("31", .number("31")), ("65", .number("65")), ("257", .number("257")),
                    ("one", .number("1"))]
        case .bool(let flag): out += [("bool as string", .string(flag ? "true" : "false")), ("bool as number", .number("1"))]
        case .array(let elements):
            if let first = elements.first { out += [("duplicated element", .array(elements + [first])), ("element replaced by object", .array([.object([])] + elements.dropFirst()))] }
        case .object(let members):
            out += [("unknown member", .object(members + [("extra", .number("1"))])),
                    ("upper-case key", .object(members.enumerated().map { $0.offset == 0 ? ($0.element.0.uppercased(), $0.element.1) : $0.element }))]
        case .null: break
        }
        return out
    }

    /// Every member and element of `tree` (depth first), each with its path of keys and indices.
    enum Step { case key(String), index(Int) }

    static func paths(_ tree: Tree, prefix: [Step] = []) -> [[Step]] {
        switch tree {
        case .object(let members): return members.flatMap { [prefix + [.key($0.0)]] + paths($0.1, prefix: prefix + [.key($0.0)]) }
        case .array(let elements): return elements.enumerated().flatMap { [prefix + [.index($0.offset)]] + paths($0.element, prefix: prefix + [.index($0.offset)]) }
        default: return []
        }
    }

    static func value(_ tree: Tree, at path: [Step]) -> Tree? {
        guard let step = path.first else { return tree }
        switch (tree, step) {
        case (.object(let members), .key(let key)): return members.first { $0.0 == key }.flatMap { value($0.1, at: Array(path.dropFirst())) }
        case (.array(let elements), .index(let index)): return elements.indices.contains(index) ? value(elements[index], at: Array(path.dropFirst())) : nil
        default: return nil
        }
    }

    /// `tree` with the value at `path` replaced (nil: the member or element removed).
    static func replacing(_ tree: Tree, at path: [Step], with new: Tree?) -> Tree {
        guard let step = path.first else { return new ?? .null }
        let rest = Array(path.dropFirst())
        switch (tree, step) {
        case (.object(let members), .key(let key)):
            if rest.isEmpty && new == nil { return .object(members.filter { $0.0 != key }) }
            return .object(members.map { $0.0 == key ? ($0.0, replacing($0.1, at: rest, with: new)) : $0 })
        case (.array(var elements), .index(let index)):
            if rest.isEmpty && new == nil { elements.remove(at: index); return .array(elements) }
            elements[index] = replacing(elements[index], at: rest, with: new)
            return .array(elements)
        default: return tree
        }
    }

    static func describe(_ path: [Step]) -> String {
        "$" + path.map { step in
            switch step { case .key(let key): return ".\(key)"; case .index(let index): return "[\(index)]" }
        }.joined()
    }

    /// Mutations of every member of `seed`: removal and every replacement for members outside
    /// arrays and in first array elements; a seeded choice of three replacements for members of
    /// later elements (profiles with many regions), and of two everywhere when not `thorough` (the
    /// fleet examples repeat the profiles' shapes), so every member is mutated but the one
    /// jsonschema batch stays small (a few ms per document on a loaded machine). Plus seeded pairs.
    static func mutations(of seed: Tree, kind: Kind, origin: String, thorough: Bool) -> [Document] {
        // Seeded from the document's name, so a failure names a reproducible document.
        var random = SplitMix64(seed: UInt64(truncatingIfNeeded: origin.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) }))
        var out: [Document] = []
        let allPaths = paths(seed)
        for path in allPaths {
            guard let current = value(seed, at: path) else { continue }
            let label = describe(path)
            out.append(.init(kind: kind, origin: origin, mutation: "\(label) removed", value: replacing(seed, at: path, with: nil)))
            var choices = replacements(for: current)
            let laterElement = path.contains { if case .index(let index) = $0 { return index >= 1 } else { return false } }
            if laterElement || !thorough {
                var picked: [(String, Tree)] = []
                for _ in 0..<(thorough ? 3 : 2) where !choices.isEmpty { picked.append(choices.remove(at: Int(random.next() % UInt64(choices.count)))) }
                choices = picked
            }
            for (name, replacement) in choices {
                out.append(.init(kind: kind, origin: origin, mutation: "\(label) \(name)", value: replacing(seed, at: path, with: replacement)))
            }
        }
        for _ in 0..<20 where allPaths.count > 1 {
            let first = allPaths[Int(random.next() % UInt64(allPaths.count))], second = allPaths[Int(random.next() % UInt64(allPaths.count))]
            guard let a = value(seed, at: first) else { continue }
            let optionsA = replacements(for: a)
            let (nameA, newA) = optionsA[Int(random.next() % UInt64(optionsA.count))]
            let once = replacing(seed, at: first, with: newA)
            guard let b = value(once, at: second) else { continue }
            let optionsB = replacements(for: b)
            let (nameB, newB) = optionsB[Int(random.next() % UInt64(optionsB.count))]
            out.append(.init(kind: kind, origin: origin, mutation: "\(describe(first)) \(nameA) + \(describe(second)) \(nameB)",
                             value: replacing(once, at: second, with: newB)))
        }
        return out
    }

    // MARK: Verdicts

    /// The parser's verdict: nil when accepted; the parse plus what the command checks before
    /// solving (the machine must be modelled).
    static func parserVerdict(_ document: Document) -> [InputError]? {
        let bytes = document.bytes
        do {
            switch document.kind {
            case .host: _ = try HostProfileParser.parse(bytes, source: "doc.json")
            case .vm:
                let spec = try VMSpecParser.parse(bytes, source: "doc.json")
                _ = try MachineRegistry.model(for: spec.machine, source: "doc.json")
            case .request:
                let request = try SolveRequest.parse(bytes, source: "doc.json", base: Fixture.repository.appendingPathComponent("Examples/requests").path)
                _ = try MachineRegistry.model(for: request.vm.machine, source: "doc.json")
            }
            return nil
        } catch let error as InputError {
            return [error]
        } catch let several as InputErrors {
            return several.errors
        } catch {
            return [InputError(source: "doc.json", message: "unexpected error \(error)")]
        }
    }

    struct SchemaVerdict: Decodable {
        let valid: Bool
        let message: String
    }

    /// Validates every document with one python3 process. The host and VM schemas refer only to
    /// their own `$defs`, which are inlined first: resolving references through jsonschema's
    /// registry made the batch eight times slower. Works with jsonschema 4.10 (Debian bookworm's
    /// python3-jsonschema) and later.
    static let validator = """
        import json, sys
        from jsonschema import Draft202012Validator
        import glob, os
        schemas = {}
        for path in glob.glob(os.path.join(sys.argv[2], "*.schema.json")):
            schema = json.load(open(path))
            schemas[schema["$id"]] = schema
        def inline(node, defs):
            if isinstance(node, dict):
                if isinstance(node.get("$ref"), str):
                    ref = node["$ref"]
                    if ref.startswith("#/$defs/"):
                        target = inline(defs[ref[len("#/$defs/"):]], defs)
                    else:
                        other = schemas[ref]
                        target = {key: value for key, value in inline(other, other.get("$defs", {})).items() if key not in ("$id", "$schema")}
                    rest = {key: value for key, value in node.items() if key not in ("$ref", "description")}
                    return {"allOf": [target], **rest} if rest else target
                return {key: inline(value, defs) for key, value in node.items() if key != "$defs"}
            if isinstance(node, list):
                return [inline(value, defs) for value in node]
            return node
        validators = {}
        verdicts = []
        for line in open(sys.argv[1], encoding="utf-8"):
            schema_file, _, text = line.rstrip("\\n").partition("\\t")
            if schema_file not in validators:
                schema = json.load(open(schema_file))
                Draft202012Validator.check_schema(schema)
                validators[schema_file] = Draft202012Validator(inline(schema, schema.get("$defs", {})))
            error = next(validators[schema_file].iter_errors(json.loads(text)), None)
            verdicts.append({"valid": error is None, "message": "" if error is None else "/".join(map(str, error.absolute_path)) + ": " + error.message[:160]})
        json.dump(verdicts, sys.stdout)
        """

    static func validateWithJSONSchema(_ documents: [Document]) throws -> [SchemaVerdict] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-agreement-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // One line per document: the schema file, a tab, the document (no raw newlines in it).
        var batch: [UInt8] = []
        for document in documents {
            batch += Array(Fixture.repository.appendingPathComponent("Schemas/\(document.kind.rawValue)-v1.schema.json").path.utf8)
            batch.append(UInt8(ascii: "\t"))
            batch += document.bytes
            batch.append(UInt8(ascii: "\n"))
        }
        let manifestFile = folder.appendingPathComponent("documents.jsonl")
        try Data(batch).write(to: manifestFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", validator, manifestFile.path, Fixture.repository.appendingPathComponent("Schemas").path]
        let output = folder.appendingPathComponent("verdicts.json"), errors = folder.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        // One minute is many times what the batch takes; a hung interpreter must not hang the suite.
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "python3 jsonschema failed (status \(process.terminationStatus)): \(stderr.suffix(2000))"])
        }
        let verdicts = try JSONDecoder().decode([SchemaVerdict].self, from: Data(contentsOf: output))
        guard verdicts.count == documents.count else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(verdicts.count) verdicts for \(documents.count) documents"])
        }
        return verdicts
    }

    /// True when python3 with jsonschema runs. Missing: a failure, except locally with
    /// LAYOUTSOLVE_SKIP_SLOW_TESTS=1 (CI=true never skips).
    static func pythonAvailable() throws -> Bool? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import jsonschema"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        var works = false
        if (try? process.run()) != nil {
            process.waitUntilExit()
            works = process.terminationStatus == 0
        }
        if works { return true }
        let environment = ProcessInfo.processInfo.environment
        if environment["CI"] != "true" && environment["LAYOUTSOLVE_SKIP_SLOW_TESTS"] == "1" { return nil }
        Issue.record("python3 with jsonschema is needed (apt-get install python3-jsonschema, or bash .ci/install-deps)")
        return nil
    }
}
