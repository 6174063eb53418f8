import Foundation
import Testing

/// A VM shape that does not parse fails as that shape (exit 1, JUnit failing case, GitHub
/// annotation, JSON finding) while every other shape is still checked.
@Suite("check: an unparsable VM shape is a failing shape")
struct CheckUnparsableShapeCLITests {
    @Test func theBrokenShapeFailsAndTheOthersAreStillChecked() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-check-shapes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(atPath: CLITests.repository.appendingPathComponent("Examples/vm/db-64g.json").path, toPath: folder.appendingPathComponent("db-64g.json").path)
        try Data(#"{"schema": "layoutsolve/vm/v1", "ram": "lots"}"#.utf8).write(to: folder.appendingPathComponent("broken.json"))
        // A host profile given as a VM shape does not parse as one either.
        try FileManager.default.copyItem(atPath: CLITests.repository.appendingPathComponent("Profiles/intel-client-39.json").path, toPath: folder.appendingPathComponent("a-profile.json").path)
        let junit = folder.appendingPathComponent("report.xml")
        let cli = CLITests()
        let text = try cli.run(["check", "--hosts", "Examples/fleets/mixed-x86/", "--vms", folder.path, "--junit", junit.path])
        #expect(text.status == 1, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.contains("VM db-64g (") && text.stdout.contains("): fits"))
        #expect(text.stdout.contains("broken.json: does not parse as a VM shape: $.ram"))
        #expect(text.stdout.contains("a-profile.json: does not parse as a VM shape"))
        let report = try String(contentsOf: junit, encoding: .utf8)
        let brokenCase = try #require(report.range(of: "<testcase name=\"broken ("))
        #expect(report[brokenCase.upperBound...].prefix(600).contains("<failure message="))
        #expect(report.contains("failures=\"2\""))

        let github = try cli.run(["check", "--hosts", "Examples/fleets/mixed-x86/", "--vms", folder.path, "--format", "github"])
        #expect(github.status == 1 && github.stdout.contains("::error file=\(folder.path)/broken.json,line=1,title=VM broken::"))
        let json = try cli.run(["check", "--hosts", "Examples/fleets/mixed-x86/", "--vms", folder.path, "--format", "json"])
        #expect(json.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let shapes = try #require(document["shapes"] as? [[String: Any]])
        let statuses = Dictionary(uniqueKeysWithValues: shapes.compactMap { shape in (shape["name"] as? String).map { ($0, shape["status"] as? String ?? "") } })
        #expect(statuses == ["a-profile": "invalid", "broken": "invalid", "db-64g": "fits"])
    }
}
