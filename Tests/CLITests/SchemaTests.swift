import Foundation
import Testing
import TestSupport

/// The published JSON Schemas accept what the tool reads and writes, checked by a real validator
/// (Python's jsonschema, installed by .ci/run).
@Suite("JSON Schemas")
struct SchemaTests {
    /// Every schema in Schemas/ is registered, so the request schema's references to the host and
    /// VM schemas resolve; arguments are the schema to check against, then the files.
    static let validator = """
        import glob, json, sys
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        schemas = [json.load(open(path)) for path in sorted(glob.glob("Schemas/*.schema.json"))]
        registry = Registry().with_resources([(schema["$id"], Resource.from_contents(schema)) for schema in schemas])
        schema = json.load(open(sys.argv[1]))
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema, registry=registry)
        failures = 0
        for path in sys.argv[2:]:
            for error in validator.iter_errors(json.load(open(path))):
                failures += 1
                print(f"{path}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
        sys.exit(1 if failures else 0)
        """

    func validate(schema: String, files: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.validator, schema] + files
        process.currentDirectoryURL = CLITests.repository
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func profilesAndFleetsMatchTheHostSchema() throws {
        let files = TestRepository.jsonFiles("Profiles") + TestRepository.jsonFiles("Examples/fleets")
        #expect(files.count >= 10)
        let (status, output) = try validate(schema: "Schemas/host-v1.schema.json", files: files)
        #expect(status == 0, "\(output)")
    }

    @Test func vmSpecsMatchTheVMSchema() throws {
        let (status, output) = try validate(schema: "Schemas/vm-v1.schema.json", files: TestRepository.jsonFiles("Examples/vm"))
        #expect(status == 0, "\(output)")
    }

    @Test func printedLayoutsMatchTheLayoutSchema() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [String] = []
        let cases: [[String]] = [
            ["--hosts", "Examples/fleets/mixed-x86/", "--vm", "Examples/vm/db-64g.json"],
            ["--hosts", "Profiles/intel-xeon-vtd48.json", "Profiles/amd-epyc-7003.json", "--vm", "Examples/vm/big-1100g.json", "--cpu-vendor", "intel"],
            ["--hosts", "Profiles/amd-epyc-7003.json", "--vm", "Examples/vm/hugepage-1g.json"],
        ]
        for (index, arguments) in cases.enumerated() {
            let target = folder.appendingPathComponent("layout\(index).json").path
            let result = try CLITests().run(arguments + ["--format", "json", "--output", target])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            files.append(target)
        }
        let (status, output) = try validate(schema: "Schemas/layout-v1.schema.json", files: files)
        #expect(status == 0, "\(output)")
    }

    @Test func theSchemaRejectsWhatTheParserRejects() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.json")
        try Data(#"{"schema": "layoutsolve/host/v1", "name": "x", "arch": "x86_64", "cpu": {"vendor": "intel", "phys_bits": 46}, "iommu": {"kind": "intel-vt-d", "address_bits": 48}, "reserved": [{"start": "0x0", "end": "0x1", "size": "1G", "type": "msi"}], "extra": 1}"#.utf8).write(to: bad)
        let (status, _) = try validate(schema: "Schemas/host-v1.schema.json", files: [bad.path])
        #expect(status == 1)
        let cli = try CLITests().run(["--hosts", bad.path, "--ram", "4G"])
        #expect(cli.status == 2)
    }
}
