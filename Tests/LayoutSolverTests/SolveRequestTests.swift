import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

@Suite("JSON requests and JSON errors")
struct SolveRequestTests {
    static let gib: UInt64 = 1 << 30

    func parse(_ text: String) throws -> SolveRequest {
        try SolveRequest.parse(Array(text.utf8), source: "<stdin>")
    }

    func inputError(_ text: String) -> InputError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error as? InputError
        }
    }

    static let inlineHost = """
        {"schema": "layoutsolve/host/v1", "name": "edge", "arch": "x86_64",
         "cpu": {"vendor": "intel", "phys_bits": 39}, "iommu": {"kind": "intel-vt-d", "address_bits": 39},
         "reserved": [{"start": "0xfee00000", "end": "0xfeefffff", "type": "msi"}]}
        """

    @Test func pathsAndInlineDocumentsMix() throws {
        let request = try parse("""
            {"schema": "layoutsolve/request/v1",
             "hosts": ["\(Fixture.path("Examples/fleets/mixed-x86/"))", \(Self.inlineHost)],
             "vm": {"schema": "layoutsolve/vm/v1", "name": "v", "machine": "q35", "ram": "16G", "maxmem": "32G", "slots": 2},
             "options": {"strict_relaxable": true, "time_limit": 2.5, "hugepage_path": "/mnt/huge"}}
            """)
        #expect(request.hosts.map(\.name).sorted() == ["amd-epyc-7003", "edge", "intel-client-39", "intel-server-rmrr", "intel-xeon-vtd48"])
        #expect(request.hosts.first { $0.name == "edge" }?.file == "<stdin> $.hosts[1]")
        #expect(request.vm == VMSpec(name: "v", ram: 16 * Self.gib, maxmem: 32 * Self.gib, slots: 2))
        #expect(request.options.strictRelaxable && request.options.timeLimitSeconds == 2.5)
        #expect(request.qemuOptions.hugepagePath == "/mnt/huge")
        let fromPath = try parse("""
            {"schema": "layoutsolve/request/v1", "hosts": ["\(Fixture.path("Profiles/intel-xeon-vtd48.json"))"], "vm": "\(Fixture.path("Examples/vm/db-64g.json"))"}
            """)
        #expect(fromPath.vm == (try InputLoader.loadVM(path: Fixture.path("Examples/vm/db-64g.json"))))
        #expect(fromPath.options.timeLimitSeconds == 30 && !fromPath.options.strictRelaxable)
    }

    /// The inline VM spec goes through VMSpecParser; its errors must still point into the request.
    @Test func inlineVMErrorsNameTheRequestsPathAndLine() throws {
        let error = try #require(inputError("""
            {
              "schema": "layoutsolve/request/v1",
              "hosts": [\(Self.inlineHost)],
              "vm": {
                "schema": "layoutsolve/vm/v1",
                "name": "v",
                "ram": "lots"
              }
            }
            """))
        #expect(error.source == "<stdin>")
        #expect(error.path == "$.vm.ram")
        #expect(error.line == 9)
        let unknown = try #require(inputError("""
            {"schema": "layoutsolve/request/v1", "hosts": [\(Self.inlineHost)],
             "vm": {"schema": "layoutsolve/vm/v1",
                    "ram": "4G", "maxmem": "2G"}}
            """))
        #expect(unknown.path == "$.vm.maxmem" && unknown.line == 5 && unknown.message.contains("below ram"))
        let missing = try #require(inputError("""
            {"schema": "layoutsolve/request/v1", "hosts": [\(Self.inlineHost)],

             "vm": {"schema": "layoutsolve/vm/v1"}}
            """))
        #expect(missing.path == "$.vm" && missing.line == 5 && missing.message.contains("\"ram\""))
    }

    @Test func inlineHostErrorsNameTheRequestsPathAndLine() throws {
        let error = try #require(inputError("""
            {"schema": "layoutsolve/request/v1",
             "hosts": [
               {"schema": "layoutsolve/host/v1", "name": "h", "arch": "x86_64",
                "cpu": {"vendor": "intel", "phys_bits": 46}, "iommu": {"kind": "intel-vt-d", "address_bits": 48},
                "reserved": [{"start": "0xfee00000",
                              "end": "0xfedfffff", "type": "msi"}]}
             ],
             "vm": {"schema": "layoutsolve/vm/v1", "ram": "4G"}}
            """))
        #expect(error.path == "$.hosts[0].reserved[0].end")
        #expect(error.line == 6)
        #expect(error.message.contains("below start"))
    }

    @Test func everyBadHostIsReportedAtOnce() throws {
        do {
            _ = try parse("""
                {"schema": "layoutsolve/request/v1", "hosts": ["/nonexistent/host.json", 42, \(Self.inlineHost), \(Self.inlineHost)],
                 "vm": {"schema": "layoutsolve/vm/v1", "ram": "4G"}}
                """)
            Issue.record("expected errors")
        } catch let errors as InputErrors {
            #expect(errors.errors.map(\.path) == ["$.hosts[1]", "", "$.hosts[3].name"])
            #expect(errors.errors[1].source == "/nonexistent/host.json")
            #expect(errors.errors[2].message.contains("also used by $.hosts[2]"))
        }
    }

    @Test(arguments: [
        (#"{"schema": "layoutsolve/vm/v1", "ram": "4G"}"#, "$.schema", "this is a VM spec"),
        (#"{"schema": "layoutsolve/request/v2", "hosts": [], "vm": "x"}"#, "$.schema", "expected \"layoutsolve/request/v1\""),
        (#"{"schema": "layoutsolve/request/v1", "hosts": [], "vm": "x"}"#, "$.hosts", "at least one host"),
        (#"{"schema": "layoutsolve/request/v1", "hosts": ["-"], "vm": "x"}"#, "$.hosts[0]", "standard input"),
        (#"{"schema": "layoutsolve/request/v1", "hosts": ["HOST"], "vm": "VM", "format": "json"}"#, "$.format", "unknown member"),
        (#"{"schema": "layoutsolve/request/v1", "hosts": ["HOST"], "vm": 7}"#, "$.vm", "a VM spec path string"),
        (#"{"schema": "layoutsolve/request/v1", "hosts": ["HOST"], "vm": "VM", "options": {"time_limt": 3}}"#, "$.options.time_limt", "unknown member"),
        (#"{"schema": "layoutsolve/request/v1", "hosts": ["HOST"], "vm": "VM", "options": {"time_limit": 0}}"#, "$.options.time_limit", "more than 0"),
        (#"{"schema": "layoutsolve/request/v1", "hosts": ["HOST"], "vm": "VM", "options": {"time_limit": "30"}}"#, "$.options.time_limit", "seconds"),
        (#"{"schema": "layoutsolve/request/v1", "hosts": ["HOST"], "vm": "VM", "options": {"strict_relaxable": 1}}"#, "$.options.strict_relaxable", "true or false"),
    ])
    func malformedRequests(text: String, path: String, fragment: String) throws {
        let text = text.replacingOccurrences(of: #""HOST""#, with: "\"\(Fixture.path("Profiles/intel-xeon-vtd48.json"))\"")
            .replacingOccurrences(of: #""VM""#, with: "\"\(Fixture.path("Examples/vm/db-64g.json"))\"")
        let error = try #require(inputError(text))
        #expect(error.path == path, "\(error)")
        #expect(error.message.contains(fragment), "\(error)")
    }

    @Test func syntaxErrorsHaveALine() throws {
        let error = try #require(inputError("{\n\"schema\": \"layoutsolve/request/v1\",\n\"hosts\": [}\n"))
        #expect(error.line == 3 && error.message.hasPrefix("not valid JSON"))
    }

    /// Re-writing a node on its original lines gives back the same node, lines included.
    @Test func preservingLinesRoundTrips() throws {
        let text = "\n\n  {\"a\": [1,\n 2.5e3, {\"b\"\n:\n null}],\n\"c\\\"d\": \"x\\ny\\u0001\",\n\n \"e\": [true, false, []], \"f\": {}}"
        let node = try JSONParser.parse(Array(text.utf8))
        var written = ""
        var line = 1
        SolveRequest.writePreservingLines(node, into: &written, line: &line)
        #expect(try JSONParser.parse(Array(written.utf8)) == node)
        func lines(_ node: JSONNode) -> [Int] {
            switch node.value {
            case .object(let members): return [node.line] + members.flatMap { lines($0.value) }
            case .array(let elements): return [node.line] + elements.flatMap(lines)
            default: return [node.line]
            }
        }
        #expect(lines(try JSONParser.parse(Array(written.utf8))) == lines(node))
    }

    // MARK: respond and the error documents

    func requestFile(_ text: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ls-request-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: file)
        return file.path
    }

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func respondAnswersWithTheLayoutOrAnErrorDocument() throws {
        let good = try requestFile("""
            {"schema": "layoutsolve/request/v1", "hosts": ["\(Fixture.path("Examples/fleets/mixed-x86/"))"], "vm": "\(Fixture.path("Examples/vm/db-64g.json"))"}
            """)
        defer { try? FileManager.default.removeItem(atPath: good) }
        var delivered: String?
        let answer = SolveRequest.respond(toRequestAt: good) { _, _, layout in delivered = layout }
        #expect(answer.exitCode == 0 && answer.error.isEmpty && delivered == answer.output)
        let solution = try Solver.solve(hosts: InputLoader.loadHosts(paths: [Fixture.path("Examples/fleets/mixed-x86/")]),
                                        vm: InputLoader.loadVM(path: Fixture.path("Examples/vm/db-64g.json")))
        #expect(answer.output == LayoutJSON.document(for: solution).rendered())

        let infeasible = try requestFile("""
            {"schema": "layoutsolve/request/v1", "hosts": ["\(Fixture.path("Profiles/intel-client-39.json"))", "\(Fixture.path("Profiles/amd-epyc-7003.json"))"],
             "vm": {"schema": "layoutsolve/vm/v1", "name": "big", "ram": "1100G", "cpu_vendor": "intel"}}
            """)
        defer { try? FileManager.default.removeItem(atPath: infeasible) }
        let none = SolveRequest.respond(toRequestAt: infeasible)
        #expect(none.exitCode == 1 && none.output.isEmpty)
        let document = try object(none.error)
        #expect(document["kind"] as? String == "no-layout" && document["exit_code"] as? Int == 1 && document["vm"] as? String == "big")
        let conflicts = try #require(document["conflicts"] as? [[String: Any]])
        let holes = conflicts.flatMap { $0["holes"] as? [[String: Any]] ?? [] }
        #expect(holes.contains { $0["host"] as? String == "intel-client-39" && $0["reason"] as? String == "beyond-iommu-width" && $0["bits"] as? Int == 39 && $0["start"] as? String == "0x8000000000" })
        // The typed cause: the 39-bit IOMMU bounds the room, and the document says by how much RAM it is short.
        let widthConflict = try #require(conflicts.first { $0["family"] as? String == "iommu-width" })
        let shortBy = try #require(widthConflict["short_by"] as? String)
        #expect(shortBy.hasPrefix("0x") && UInt64(shortBy.dropFirst(2), radix: 16).map { $0 > 0 && $0 < 1100 << 30 } == true)

        let missing = SolveRequest.respond(toRequestAt: "/nonexistent/request.json")
        #expect(missing.exitCode == 2)
        #expect(try object(missing.error)["source"] as? String == "/nonexistent/request.json")

        let refused = SolveRequest.respond(toRequestAt: good) { _, _, _ in throw InputError(source: "out.json", message: "cannot write the output") }
        #expect(refused.exitCode == 2 && refused.output.isEmpty && refused.error.contains("cannot write the output"))
    }

    static let errors: [any Error] = [
        InputError(source: "<stdin>", path: "$.vm.ram", line: 9, message: "expected a RAM size"),
        InputErrors(errors: [InputError(source: "a.json", message: "no such file"), InputError(source: "b.json", path: "$.name", line: 2, message: "bad name")]),
        NoLayoutExists(vmName: nil, conflicts: [.init(message: "too big", hosts: ["h"], holes: [
            Hole(range: AddressRange(start: 0xfee0_0000, last: 0xfeef_ffff)!, host: "h", reason: .reserved(.msi), note: "MSI", path: "$.reserved[0]"),
            Hole(range: AddressRange(start: 1 << 39, last: .max)!, host: "h", reason: .beyondIOMMUWidth(bits: 39), path: "$.iommu.address_bits"),
            Hole(range: AddressRange(start: 0, last: .max)!, host: "h", reason: .outsideIOVARanges, path: "$.iova_ranges"),
        ], family: .iommuWidth, shortBy: 0x4000_0000), .init(message: "unknown", hosts: [], holes: [])]),
        SolveTimedOut(seconds: 0.25),
        VerifierRejectedLayout(violations: [Violation(host: "h", region: "ram-above-4g", kind: .overlapsReservedRegion, message: "overlaps msi")]),
        ArithmeticOverflow(operation: "0xffffffffffffffff + 0x1"),
        RenderingDisagrees(rendering: .libvirtXML, field: "maxmem", rendered: "0x1", verified: "0x2", host: "an amd host"),
        RenderingDisagrees(rendering: .qemuArguments, field: "slots", rendered: "1", verified: "2"),
    ]

    @Test func errorKindsMapToTheDocumentedExitCodes() throws {
        #expect(Self.errors.map { ErrorJSON.kind(of: $0).exitCode } == [2, 2, 1, 3, 70, 70, 70, 70])
        let input = try object(ErrorJSON.document(for: Self.errors[1]).rendered())
        #expect(input["source"] as? String == "a.json" && input["line"] is NSNull && (input["errors"] as? [Any])?.count == 2)
        #expect(try object(ErrorJSON.document(for: Self.errors[3]).rendered())["time_limit_ms"] as? Int == 250)
        #expect(try object(ErrorJSON.document(for: Self.errors[5]).rendered())["message"] as? String == "address arithmetic overflowed 64 bits: 0xffffffffffffffff + 0x1")
    }

    /// Every kind of error document, and the shipped request examples, against the published schemas
    /// (Python's jsonschema, with the host and VM schemas loaded for the request's references).
    @Test func documentsMatchThePublishedSchemas() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-errors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [String] = []
        for (index, error) in Self.errors.enumerated() {
            let file = folder.appendingPathComponent("error\(index).json").path
            try Data(ErrorJSON.document(for: error).rendered().utf8).write(to: URL(fileURLWithPath: file))
            files.append(file)
        }
        let (status, output) = try Self.validate(schema: "Schemas/error-v1.schema.json", files: files)
        #expect(status == 0, "\(output)")
        let wrong = folder.appendingPathComponent("wrong.json").path
        try Data(#"{"schema": "layoutsolve/error/v1", "exit_code": 1, "kind": "input", "message": "x", "source": "a", "path": "", "line": null, "errors": []}"#.utf8).write(to: URL(fileURLWithPath: wrong))
        #expect(try Self.validate(schema: "Schemas/error-v1.schema.json", files: [wrong]).0 == 1)
    }

    static let validator = """
        import glob, json, os, sys
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        schemas = [json.load(open(path)) for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.schema.json")))]
        registry = Registry().with_resources([(schema["$id"], Resource.from_contents(schema)) for schema in schemas])
        schema = json.load(open(sys.argv[2]))
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema, registry=registry)
        failures = 0
        for path in sys.argv[3:]:
            for error in validator.iter_errors(json.load(open(path))):
                failures += 1
                print(f"{path}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
        sys.exit(1 if failures else 0)
        """

    static func validate(schema: String, files: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", validator, Fixture.path("Schemas"), Fixture.path(schema)] + files
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
