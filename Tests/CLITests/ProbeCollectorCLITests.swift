import Foundation
import Testing

/// `probe --collector` as an operator uses it: print the script, run it with sh on the "host",
/// read the archive with `probe --root`.
@Suite("layoutsolve probe --collector")
struct ProbeCollectorCLITests {
    @Test func collectorScriptRoundTripsThroughProbeRoot() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-collector-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = try CLITests().run(["probe", "--collector"])
        #expect(script.status == 0 && script.stderr.isEmpty)
        #expect(script.stdout.hasPrefix("#!/bin/sh\n") && script.stdout.contains("probe --collector"))
        let scriptFile = folder.appendingPathComponent("collect.sh")
        try Data(script.stdout.utf8).write(to: scriptFile)

        // The script writes to standard output when it is not a terminal.
        let archive = folder.appendingPathComponent("arm01.tar.gz")
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = [scriptFile.path, "--root", "\(ProbeCLITests.fixtures)/arm64-smmuv3"]
        shell.currentDirectoryURL = CLITests.repository
        FileManager.default.createFile(atPath: archive.path, contents: nil)
        shell.standardOutput = try FileHandle(forWritingTo: archive)
        try shell.run()
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0)

        let probed = try CLITests().run(["probe", "--root", archive.path, "--ipa-bits", "48"])
        #expect(probed.status == 0, "\(probed.stderr)")
        let expected = try String(contentsOf: CLITests.repository.appendingPathComponent("\(ProbeCLITests.fixtures)/arm64-smmuv3/expected.json"), encoding: .utf8)
        #expect(probed.stdout == expected)

        let unknown = try CLITests().run(["probe", "--root", scriptFile.path])
        #expect(unknown.status == 2 && unknown.stderr.contains("collect.sh: not a tar archive"), "\(unknown.stderr)")
    }
}
