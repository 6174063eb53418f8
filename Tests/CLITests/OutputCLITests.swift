import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// The outputs for other tools, as a caller of the binary sees them: libvirt XML, the SVG file,
/// the coloured map, and request mode with JSON on both streams.
@Suite("layoutsolve outputs and request mode")
struct OutputCLITests {
    let cli = CLITests()

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-outputs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    @Test func libvirtFormatIsXMLWithTheLayoutsElements() throws {
        let result = try cli.run(["--hosts", "Examples/fleets/mixed-x86/", "--vm", "Examples/vm/db-64g.json", "--format", "libvirt", "--vcpus", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try XMLDocument(xmlString: result.stdout, options: [])
        #expect(document.rootElement()?.name == "domain")
        #expect(result.stdout.contains("<maxMemory slots='4' unit='KiB'>134217728</maxMemory>"))
        #expect(result.stdout.contains("<maxphysaddr mode='emulate' bits='38'/>"))
        #expect(result.stdout.contains("<cell id='0' cpus='0-3' memory='67108864' unit='KiB'/>"))
        let virt = try cli.run(["--hosts", "Examples/fleets/arm64/", "--vm", "Examples/vm/arm-8g.json", "--format", "libvirt"])
        #expect(virt.status == 0, "\(virt.stderr)")
        #expect(virt.stdout.contains("<type arch='aarch64' machine='virt-7.2'>hvm</type>") && virt.stdout.contains("<gic version='3'/>"))
    }

    @Test func svgFlagWritesThePictureBesideTheAnswer() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = folder.appendingPathComponent("map.svg")
        let result = try cli.run(["--hosts", "Examples/fleets/mixed-x86/", "--vm", "Examples/vm/db-64g.json", "--format", "qemu", "--svg", svg.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("-machine\n"))
        let document = try XMLDocument(contentsOf: svg, options: [])
        #expect(document.rootElement()?.name == "svg")
        let labels = try document.nodes(forXPath: "//*[local-name()='text']").compactMap(\.stringValue)
        #expect(labels.contains("ram-above-4g") && labels.contains("intel-client-39"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["map.svg"])
    }

    @Test func textMapIsColouredOnlyWhenAskedOrOnATerminal() throws {
        let arguments = ["--hosts", "Examples/fleets/mixed-x86/", "--vm", "Examples/vm/db-64g.json"]
        let piped = try cli.run(arguments)
        #expect(piped.status == 0 && piped.stdout.contains("Map (addresses grow downward") && !piped.stdout.contains("\u{1B}["))
        let always = try cli.run(arguments + ["--color", "always"])
        #expect(always.stdout.contains("\u{1B}[32m## ram-below-4g"))
        #expect(try !cli.run(arguments + ["--color", "never"]).stdout.contains("\u{1B}["))
        #expect(try cli.run(arguments + ["--color", "sometimes"]).status == 2)
    }

    // MARK: request mode

    static let request = """
        {"schema": "layoutsolve/request/v1", "hosts": ["Examples/fleets/mixed-x86/"], "vm": "Examples/vm/db-64g.json"}
        """

    /// The same hosts and VM give the same bytes whether they come as flags or as a request.
    @Test func requestFromStandardInputEqualsTheFlags() throws {
        let viaRequest = try cli.run(["solve", "--request", "-"], stdin: Self.request)
        #expect(viaRequest.status == 0, "\(viaRequest.stderr)")
        #expect(viaRequest.stderr.isEmpty)
        let viaFlags = try cli.run(["--hosts", "Examples/fleets/mixed-x86/", "--vm", "Examples/vm/db-64g.json", "--format", "json"])
        #expect(viaRequest.stdout == viaFlags.stdout)
        let file = try cli.run(["--request", "Examples/requests/mixed-x86-db-64g.json", "--format", "json"])
        #expect(file.status == 0 && file.stdout == viaFlags.stdout)
    }

    @Test func requestModeWritesOutputAndSVGFiles() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("layout.json"), svg = folder.appendingPathComponent("map.svg")
        let result = try cli.run(["--request", "Examples/requests/inline-hugepages.json", "--output", output.path, "--svg", svg.path])
        #expect(result.status == 0 && result.stdout.isEmpty, "\(result.stderr)")
        let layout = try object(try String(contentsOf: output, encoding: .utf8))
        let argv = (layout["qemu"] as? [String: Any])?["argv"] as? [String] ?? []
        #expect(argv.contains { $0.contains("mem-path=/dev/hugepages1G") })
        #expect(try String(contentsOf: svg, encoding: .utf8).contains("edge-box"))
    }

    @Test func requestErrorsAreJSONWithTheSameExitCodes() throws {
        let bad = try cli.run(["solve", "--request", "-"], stdin: """
            {"schema": "layoutsolve/request/v1",
             "hosts": ["Examples/fleets/mixed-x86/"],
             "vm": {"schema": "layoutsolve/vm/v1", "ram": "lots"}}
            """)
        #expect(bad.status == 2 && bad.stdout.isEmpty)
        let input = try object(bad.stderr)
        #expect(input["schema"] as? String == "layoutsolve/error/v1" && input["kind"] as? String == "input" && input["exit_code"] as? Int == 2)
        #expect(input["source"] as? String == "<stdin>" && input["path"] as? String == "$.vm.ram" && input["line"] as? Int == 3)

        let infeasible = try cli.run(["--request", "-"], stdin: """
            {"schema": "layoutsolve/request/v1", "hosts": ["Profiles/intel-client-39.json", "Profiles/amd-epyc-7003.json"],
             "vm": {"schema": "layoutsolve/vm/v1", "name": "big", "ram": "1100G", "cpu_vendor": "intel"}}
            """)
        #expect(infeasible.status == 1 && infeasible.stdout.isEmpty)
        #expect(try object(infeasible.stderr)["kind"] as? String == "no-layout")

        let mixed = try cli.run(["--request", "-", "--hosts", "Profiles/intel-client-39.json", "--time-limit", "5"], stdin: Self.request)
        #expect(mixed.status == 2 && mixed.stdout.isEmpty)
        #expect(try object(mixed.stderr)["source"] as? String == "--hosts")
        let format = try cli.run(["--request", "-", "--format", "text"], stdin: Self.request)
        #expect(try format.status == 2 && object(format.stderr)["source"] as? String == "--format")

        let notJSON = try cli.run(["--request", "-"], stdin: "layout please")
        #expect(try notJSON.status == 2 && object(notJSON.stderr)["line"] as? Int == 1)
    }

    /// The shipped request examples and the error documents the binary writes match the published schemas.
    @Test func requestsAndErrorsMatchThePublishedSchemas() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let examples = try FileManager.default.contentsOfDirectory(atPath: CLITests.repository.appendingPathComponent("Examples/requests").path)
            .filter { $0.hasSuffix(".json") }.sorted().map { "Examples/requests/\($0)" }
        #expect(examples.count >= 2)
        for example in examples {
            let result = try cli.run(["--request", example])
            #expect(result.status == 0, "\(example): \(result.stderr)")
        }
        var (status, output) = try validate(schema: "Schemas/request-v1.schema.json", files: examples)
        #expect(status == 0, "\(output)")

        let unknown = folder.appendingPathComponent("unknown.json")
        try Data(#"{"schema": "layoutsolve/request/v1", "hosts": ["x.json"], "vm": "y.json", "format": "json"}"#.utf8).write(to: unknown)
        #expect(try validate(schema: "Schemas/request-v1.schema.json", files: [unknown.path]).0 == 1)
        #expect(try cli.run(["--request", unknown.path]).status == 2)

        var errors: [String] = []
        let failing: [String] = [
            #"{"schema": "layoutsolve/request/v1", "hosts": ["Profiles/intel-client-39.json"], "vm": {"schema": "layoutsolve/vm/v1", "ram": "2T"}}"#,
            #"{"schema": "layoutsolve/request/v1", "hosts": ["missing.json", 3], "vm": "Examples/vm/db-64g.json"}"#,
            #"{"schema": "layoutsolve/request/v1""#,
        ]
        for (index, text) in failing.enumerated() {
            let result = try cli.run(["--request", "-"], stdin: text)
            #expect(result.status != 0)
            let file = folder.appendingPathComponent("error\(index).json")
            try Data(result.stderr.utf8).write(to: file)
            errors.append(file.path)
        }
        (status, output) = try validate(schema: "Schemas/error-v1.schema.json", files: errors)
        #expect(status == 0, "\(output)")
    }

    func validate(schema: String, files: [String]) throws -> (Int32, String) {
        try SchemaTests().validate(schema: schema, files: files)
    }
}
