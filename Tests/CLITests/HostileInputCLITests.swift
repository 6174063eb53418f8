import Foundation
import Testing

/// Large hostile input costs its bytes plus 16 bytes per JSON value (the parser's tape), and a
/// document of more than `JSONParser.maximumValues` values is refused as too large.
/// `.ci/bench-hostile` measures the 100 MB cases (time and peak RSS); these are fast versions.
@Suite("layoutsolve refuses large hostile input quickly")
struct HostileInputCLITests {
    let cli = CLITests()

    @Test func manyObjectsBrokenAtTheEndAreRefusedWithTheLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ls-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let item = #"{"start":"0x1000","end":"0x1fff","type":"reserved"},"# + "\n"
        let count = (8 << 20) / item.utf8.count
        let body = #"{"schema":"layoutsolve/host/v1","name":"h","reserved":["# + "\n" + String(repeating: item, count: count)
        let file = dir.appendingPathComponent("objects.json")
        try Data((body + #"{"start":"#).utf8).write(to: file)
        let start = Date()
        let result = try cli.run(["--hosts", file.path, "--ram", "4G"])
        #expect(result.status == 2 && result.stdout.isEmpty, "\(result.stderr)")
        #expect(result.stderr.contains("\(file.path):\(count + 2): not valid JSON: unexpected end of file"), "\(result.stderr)")
        #expect(Date().timeIntervalSince(start) < 20)
        // Well formed, the same file parses (and is then refused for what it lacks, not its syntax).
        try Data((String(body.dropLast(2)) + "]}").utf8).write(to: file)
        let wellFormed = try cli.run(["--hosts", file.path, "--ram", "4G"])
        #expect(wellFormed.status == 2 && wellFormed.stderr.contains("missing required member"), "\(wellFormed.stderr)")
    }

    @Test func moreValuesThanTheLimitAreRefusedAsTooLarge() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ls-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Well-formed JSON, 17 MB of zeros: 2^23 + 1 values with the host's other members.
        let head = #"{"schema":"layoutsolve/host/v1","name":"h","reserved":[0"#
        let file = dir.appendingPathComponent("zeros.json")
        try Data((head + String(repeating: ",0", count: 1 << 23) + "]}").utf8).write(to: file)
        let result = try cli.run(["--hosts", file.path, "--ram", "4G"])
        #expect(result.status == 2 && result.stdout.isEmpty, "\(result.stderr)")
        #expect(result.stderr.contains("\(file.path):1: more than 8388608 JSON values (member names count too)"), "\(result.stderr)")
        #expect(!result.stderr.contains("not valid JSON"), "\(result.stderr)")
    }
}
