import Foundation
import Testing

/// `Schemas/check-v1.schema.json` accepts what `check --format json` really prints: fitting,
/// non-fitting (conflicts, coverage), pools, a baseline, no-hosts and an unparsable shape.
@Suite("JSON Schema of layoutsolve/check/v1")
struct CheckSchemaTests {
    @Test func realCheckReportsMatchTheCheckSchema() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-check-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let broken = folder.appendingPathComponent("broken.json")
        try Data(#"{"schema": "layoutsolve/vm/v1", "ram": "lots"}"#.utf8).write(to: broken)
        let cases: [[String]] = [
            ["--hosts", "Examples/fleets/mixed-x86/", "--vms", "Examples/vm/", broken.path, "--pools", "--baseline", "Examples/fleets/mixed-x86/"],
            ["--hosts", "Profiles/", "Examples/fleets/mixed-x86/", "--vms", "Examples/vm/"],
        ]
        var files: [String] = []
        var statuses: Set<String> = []
        for (index, arguments) in cases.enumerated() {
            let result = try CLITests().run(["check"] + arguments + ["--format", "json"])
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            let file = folder.appendingPathComponent("report-\(index).json")
            try Data(result.stdout.utf8).write(to: file)
            files.append(file.path)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            for shape in document["shapes"] as? [[String: Any]] ?? [] { statuses.insert(shape["status"] as? String ?? "") }
        }
        // Every outcome the schema describes was produced, so the schema was tested on each.
        #expect(statuses == ["fits", "does-not-fit", "no-hosts", "invalid"])
        let (status, output) = try SchemaTests().validate(schema: "Schemas/check-v1.schema.json", files: files)
        #expect(status == 0, "\(output)")
    }
}
