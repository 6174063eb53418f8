import Foundation

/// One solve as a single JSON document, schema `layoutsolve/request/v1`
/// (Schemas/request-v1.schema.json), for programs that call `layoutsolve solve --request -`:
///
/// ```json
/// { "schema": "layoutsolve/request/v1",
///   "hosts": ["Examples/fleets/mixed-x86/", { "schema": "layoutsolve/host/v1", "name": "…", … }],
///   "vm": "Examples/vm/db-64g.json",
///   "options": { "strict_relaxable": false, "time_limit": 30, "hugepage_path": "/dev/hugepages" } }
/// ```
///
/// `hosts` mixes paths (files, or folders of `*.json`, relative to the request file's folder, or to
/// the current directory for a request on standard input) and
/// inline profiles; `vm` is a path or an inline spec. Inline documents are checked as strictly as
/// files, and errors name the request's own JSON path and line (`$.hosts[1].reserved[0].end`).
public struct SolveRequest: Sendable {
    /// The `schema` member a request must have.
    package static let schema = "layoutsolve/request/v1"
    package static let members = ["schema", "hosts", "vm", "options", "note"]
    package static let optionMembers = ["strict_relaxable", "time_limit", "hugepage_path"]

    /// Every host the VM may run on, from paths and inline profiles.
    package var hosts: [HostProfile]
    /// The VM, from a path or an inline spec.
    package var vm: VMSpec
    /// `strict_relaxable` and `time_limit`.
    package var options: SolveOptions
    /// `hugepage_path`.
    package var qemuOptions: QEMUArguments.Options

    /// A request built in code rather than read.
    package init(hosts: [HostProfile], vm: VMSpec, options: SolveOptions = SolveOptions(), qemuOptions: QEMUArguments.Options = .init()) {
        self.hosts = hosts
        self.vm = vm
        self.options = options
        self.qemuOptions = qemuOptions
    }

    /// Reads a request from a file, or from standard input for `-` (named `<stdin>` in errors).
    package static func load(path: String) throws -> SolveRequest {
        let base = path == "-" ? nil : (path as NSString).deletingLastPathComponent
        return try parse(try InputLoader.readBytes(path), source: InputLoader.sourceName(path), base: base)
    }

    /// A relative path in a request file names a file beside the request, as an `#include` does;
    /// from standard input there is no such folder, so it is relative to the current directory.
    package static func resolve(_ path: String, base: String?) -> String {
        guard let base, !base.isEmpty, !path.hasPrefix("/") else { return path }
        return (base as NSString).appendingPathComponent(path) + (path.hasSuffix("/") ? "/" : "")
    }

    /// Reads a request document; `source` names it in errors. Throws ``InputError`` or ``InputErrors``
    /// naming the request's JSON path and line, also for inline host profiles and VM specs.
    package static func parse(_ bytes: [UInt8], source: String, base: String? = nil) throws -> SolveRequest {
        let reader = try JSONReader.document(bytes, source: source)
        var object = try reader.object()
        try reader.refusingNull() // as the schemas say; "options": null is not an absent member
        let schemaReader = try object.required("schema")
        let schemaText = try schemaReader.string()
        guard schemaText == schema else {
            if schemaText == VMSpec.schema || schemaText == HostProfile.schema {
                throw schemaReader.error("this is a \(schemaText == VMSpec.schema ? "VM spec" : "host profile") (\(schemaText)), not a request; a request holds them under \"vm\" and \"hosts\"")
            }
            throw schemaReader.error("expected \"\(schema)\", found \"\(schemaText)\"")
        }
        let hostsReader = try object.required("hosts")
        let vmReader = try object.required("vm")
        let optionsReader = object.optional("options")
        _ = try object.optional("note")?.string()
        try object.finish(allowed: members)

        // Options first: a typo there is reported even when a file is missing.
        var options = SolveOptions()
        var qemuOptions = QEMUArguments.Options()
        if let optionsReader { try readOptions(optionsReader, options: &options, qemuOptions: &qemuOptions) }
        let hostProfiles = try hosts(hostsReader, base: base)
        let spec = try vm(vmReader, base: base)
        if optionsReader.flatMap({ try? $0.object() })?.has("hugepage_path") != true {
            qemuOptions.hugepagePath = HugepageMount.defaultPath(ramAlign: spec.ramAlign)
        }
        return SolveRequest(hosts: hostProfiles, vm: spec, options: options, qemuOptions: qemuOptions)
    }

    /// Paths are loaded together, so the same file named twice is caught as on the command line;
    /// every element is read even after one fails, so all errors come back at once.
    package static func hosts(_ reader: JSONReader, base: String? = nil) throws -> [HostProfile] {
        let elements = try reader.array()
        guard !elements.isEmpty else { throw reader.error("expected at least one host: a path or an inline host profile") }
        var paths: [String] = []
        var inline: [(reader: JSONReader, profile: HostProfile)] = []
        var errors: [InputError] = []
        for element in elements {
            switch element.node.value {
            case .string(let path):
                guard !path.isEmpty, path != "-" else {
                    errors.append(element.error("expected a file or folder path; standard input holds the request itself"))
                    continue
                }
                paths.append(resolve(path, base: base))
            case .object:
                do {
                    // The file names the request and the element, because Fleet reports duplicate
                    // names and foreign architectures by file.
                    inline.append((element, try HostProfileParser.parse(element, file: "\(element.source) \(element.path)")))
                } catch let error as InputError {
                    errors.append(error)
                }
            default:
                errors.append(element.expectation("a path string or an inline host profile object"))
            }
        }
        var loaded: [HostProfile] = []
        if !paths.isEmpty {
            do {
                loaded = try InputLoader.loadHosts(paths: paths)
            } catch let error as InputError {
                errors.append(error)
            } catch let several as InputErrors {
                errors.append(contentsOf: several.errors)
            }
        }
        var seen: [String: String] = Dictionary(loaded.map { ($0.name, $0.file) }, uniquingKeysWith: { first, _ in first })
        for (element, profile) in inline {
            if let other = seen[profile.name] {
                let name = (try? element.object()).flatMap { object -> JSONReader? in var object = object; return object.optional("name") }
                errors.append(InputError(
                    source: element.source, path: "\(element.path).name", line: name?.node.line ?? element.node.line,
                    message: "host name \"\(profile.name)\" is also used by \(other); every host in a set needs its own name"))
            } else {
                seen[profile.name] = element.path
            }
        }
        if errors.count == 1 { throw errors[0] }
        if !errors.isEmpty { throw InputErrors(errors: errors) }
        return loaded + inline.map(\.profile)
    }

    package static func vm(_ reader: JSONReader, base: String? = nil) throws -> VMSpec {
        switch reader.node.value {
        case .string(let path):
            guard !path.isEmpty, path != "-" else { throw reader.error("expected a VM spec path; standard input holds the request itself") }
            return try InputLoader.loadVM(path: resolve(path, base: base))
        case .object:
            // VMSpecParser reads bytes; the inline spec is written back out on the lines it came
            // from, so the parser's line numbers are the request's, and only the path needs a prefix.
            var text = ""
            var line = 1
            writePreservingLines(reader.node, into: &text, line: &line)
            do {
                return try VMSpecParser.parse(Array(text.utf8), source: reader.source)
            } catch let error as InputError {
                let path = error.path.isEmpty ? reader.path : reader.path + error.path.dropFirst()
                throw InputError(source: reader.source, path: path, line: error.line, message: error.message)
            }
        default:
            throw reader.expectation("a VM spec path string or an inline VM spec object")
        }
    }

    /// Writes `node` as JSON with every value on the line it was parsed from. Lines only ever grow
    /// in document order and JSON strings cannot hold a raw newline, so padding with newlines
    /// before each value reproduces them exactly.
    package static func writePreservingLines(_ node: JSONNode, into text: inout String, line: inout Int) {
        while line < node.line {
            text += "\n"
            line += 1
        }
        switch node.value {
        case .object(let members):
            text += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { text += "," }
                while line < member.value.line {
                    text += "\n"
                    line += 1
                }
                text += JSONOutput.quoted(member.key) + ":"
                writePreservingLines(member.value, into: &text, line: &line)
            }
            text += "}"
        case .array(let elements):
            text += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { text += "," }
                writePreservingLines(element, into: &text, line: &line)
            }
            text += "]"
        case .string(let value): text += JSONOutput.quoted(value)
        case .number(let literal): text += literal
        case .bool(let value): text += value ? "true" : "false"
        case .null: text += "null"
        }
    }

    package static func readOptions(_ reader: JSONReader, options: inout SolveOptions, qemuOptions: inout QEMUArguments.Options) throws {
        var object = try reader.object()
        if let strict = object.optional("strict_relaxable") {
            options.strictRelaxable = try strict.bool()
        }
        if let limit = object.optional("time_limit") {
            guard case .number(let literal) = limit.node.value, let seconds = Double(literal), seconds > 0, seconds <= 86_400 else {
                throw limit.error("expected a time limit in seconds, more than 0 and at most 86400, found \(limit.node.kindName)")
            }
            options.timeLimitSeconds = seconds
        }
        if let path = object.optional("hugepage_path") {
            let text = try path.string()
            guard !text.isEmpty else { throw path.error("expected the path of a hugetlbfs mount, found an empty string") }
            qemuOptions.hugepagePath = text
        }
        try object.finish(allowed: optionMembers)
    }

    /// Solves the request.
    package func solve() throws -> Solution {
        try Solver.solve(hosts: hosts, vm: vm, options: options)
    }

    /// What request mode prints: the layout JSON, or an error document and its exit code.
    public struct Response: Sendable {
        /// `layoutsolve/layout/v1`, empty on failure.
        public var output: String
        /// `layoutsolve/error/v1`, empty on success.
        public var error: String
        /// The command's exit code: 0, or the error kind's (``ErrorJSON/Kind/exitCode``).
        public var exitCode: Int32

        /// An answer built in code (the command line refuses conflicting flags this way).
        package init(output: String, error: String, exitCode: Int32) {
            self.output = output
            self.error = error
            self.exitCode = exitCode
        }
    }

    /// Reads (`-` is standard input), solves and answers one request: the whole of request mode, so
    /// the command line only moves bytes. `deliver` gets the request, its solution and the layout JSON
    /// to write them where they go; an error it throws (a file that cannot be written) becomes the answer.
    public static func respond(toRequestAt path: String, deliver: (SolveRequest, Solution, String) throws -> Void = { _, _, _ in }) -> Response {
        do {
            let request = try load(path: path)
            let solution = try request.solve()
            // The document prints the QEMU arguments and hot-add commands: they must read back.
            try RenderingCheck.checkQEMU(solution.layout, qemuOptions: request.qemuOptions)
            let layout = LayoutJSON.document(for: solution, qemuOptions: request.qemuOptions).rendered()
            try deliver(request, solution, layout)
            return Response(output: layout, error: "", exitCode: 0)
        } catch {
            return Response(output: "", error: ErrorJSON.document(for: error).rendered(), exitCode: ErrorJSON.kind(of: error).exitCode)
        }
    }
}
