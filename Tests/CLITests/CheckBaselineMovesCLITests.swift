import Foundation
import Testing

/// A changed layout against the baseline names what moved (old -> new), in text and JSON.
@Suite("check --baseline: what moved")
struct CheckBaselineMovesCLITests {
    @Test func aChangedLayoutListsTheKnobsAndRegionsThatMoved() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-check-moves-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Intel hosts only: the vCPU vendor is pinned and phys-bits widens to 40 (trusted by no firmware on Intel).
        for name in ["intel-xeon-vtd48.json"] {
            try FileManager.default.copyItem(atPath: CLITests.repository.appendingPathComponent("Examples/fleets/mixed-x86/\(name)").path, toPath: folder.appendingPathComponent(name).path)
        }
        let arguments = ["check", "--hosts", folder.path, "--vms", "Examples/vm/db-64g.json", "--baseline", "Examples/fleets/mixed-x86/"]
        let text = try CLITests().run(arguments)
        #expect(text.status == 1)
        #expect(text.stdout.contains("    moved: knob -cpu phys-bits: 38 -> 40"), "\(text.stdout)")
        #expect(text.stdout.contains("    moved: knob -cpu vendor: (none) -> GenuineIntel"))
        let json = try CLITests().run(arguments + ["--format", "json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let shape = try #require((document["shapes"] as? [[String: Any]])?.first)
        let moves = try #require(shape["moves"] as? [[String: Any]])
        #expect(moves.contains { $0["kind"] as? String == "knob" && $0["name"] as? String == "-cpu phys-bits" && $0["old"] as? String == "38" && $0["new"] as? String == "40" })
        let file = folder.appendingPathComponent("report.json")
        try Data(json.stdout.utf8).write(to: file)
        let (status, output) = try SchemaTests().validate(schema: "Schemas/check-v1.schema.json", files: [file.path])
        #expect(status == 0, "\(output)")
        // Unchanged: nothing moved.
        let same = try CLITests().run(["check", "--hosts", "Examples/fleets/mixed-x86/", "--vms", "Examples/vm/db-64g.json", "--baseline", "Examples/fleets/mixed-x86/"])
        #expect(same.status == 0 && !same.stdout.contains("moved:"))
    }
}
