import Foundation
import Testing

/// `--output`/`--svg` by what the path is: a regular file is replaced atomically (through a
/// symbolic link its target is), a FIFO, /dev/stdout or /dev/fd/N is written to, `-` is standard
/// output, and a directory or a /proc file is refused with exit 2 — never replaced.
@Suite("layoutsolve writes output by the kind of file")
struct OutputWritingCLITests {
    let cli = CLITests()
    let solve = ["--hosts", "Profiles/intel-xeon-vtd48.json", "--ram", "8G", "--format", "qemu"]

    func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-outwrite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func expected() throws -> String {
        let direct = try cli.run(solve)
        #expect(direct.status == 0, "\(direct.stderr)")
        return direct.stdout
    }

    /// Runs the binary through /bin/sh, so a test can hand it pipes and descriptors the shell opens.
    func shell(_ script: String) throws -> CLITests.Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = CLITests.repository
        process.environment = ProcessInfo.processInfo.environment.merging(["LS": CLITests.binary.path]) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return .init(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func regularFileIsReplacedAndKeepsItsMode() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("answer.txt")
        try "old".write(to: file, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file.path)
        let result = try cli.run(solve + ["--output", file.path])
        #expect(result.status == 0 && result.stdout.isEmpty, "\(result.stderr)")
        #expect(try String(contentsOf: file, encoding: .utf8) == expected())
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["answer.txt"])
    }

    @Test func symbolicLinkStaysAndItsTargetIsReplaced() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("target.txt"), link = dir.appendingPathComponent("link.txt")
        try "old".write(to: target, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "target.txt")
        let result = try cli.run(solve + ["--output", link.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "target.txt")
        #expect(try String(contentsOf: target, encoding: .utf8) == expected())
        // A dangling link's target is created.
        let dangling = dir.appendingPathComponent("dangling.txt")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "new.txt")
        #expect(try cli.run(solve + ["--svg", dangling.path]).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("new.txt").path))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dangling.path) == "new.txt")
        // A loop is named as one.
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        try FileManager.default.createSymbolicLink(atPath: a.path, withDestinationPath: "b")
        try FileManager.default.createSymbolicLink(atPath: b.path, withDestinationPath: "a")
        let loop = try cli.run(solve + ["--output", a.path])
        #expect(loop.status == 2 && loop.stdout.isEmpty && loop.stderr.contains("--output") && loop.stderr.contains("symbolic-link loop"), "\(loop.stderr)")
    }

    @Test func fifoWithAReaderIsWrittenToNotReplaced() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        // The reader (cat) runs in the background; the shell's timeout bounds a blocked writer.
        let result = try shell("cat '\(fifo.path)' > '\(dir.path)/read' & timeout 60 \"$LS\" \(solve.joined(separator: " ")) --output '\(fifo.path)'; s=$?; wait; exit $s")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOf: dir.appendingPathComponent("read"), encoding: .utf8) == expected())
        var status = stat()
        #expect(lstat(fifo.path, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)
    }

    @Test func devStdoutDevFdAndDashAreStandardOutputOrTheDescriptor() throws {
        let answer = try expected()
        let stdout = try cli.run(solve + ["--output", "/dev/stdout"])
        #expect(stdout.status == 0 && stdout.stdout == answer, "\(stdout.stderr)")
        var status = stat()
        #expect(lstat("/dev/stdout", &status) == 0 && status.st_mode & S_IFMT == S_IFLNK)
        let dash = try cli.run(solve + ["--output", "-"])
        #expect(dash.status == 0 && dash.stdout == answer)
        let svg = try cli.run(solve + ["--svg", "-", "--output", "/dev/null"])
        #expect(svg.status == 0 && svg.stdout.hasPrefix("<?xml") && svg.stdout.contains("<svg"), "\(svg.stderr)")
        // /dev/fd/3 as a pipe the shell opened: its reader (wc -c) sees every byte.
        let piped = try shell("\"$LS\" \(solve.joined(separator: " ")) --output /dev/fd/3 3>&1 1>/dev/null | wc -c")
        #expect(piped.status == 0 && Int(piped.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == answer.utf8.count, "\(piped.stderr)")
        let closed = try cli.run(solve + ["--output", "/dev/fd/9"])
        #expect(closed.status == 2 && closed.stdout.isEmpty && closed.stderr.contains("/dev/fd/9"), "\(closed.stderr)")
    }

    @Test func directoriesKernelFilesAndMissingFoldersAreRefused() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let directory = try cli.run(solve + ["--output", dir.path])
        #expect(directory.status == 2 && directory.stdout.isEmpty && directory.stderr.contains("--output") && directory.stderr.contains("is a directory"), "\(directory.stderr)")
        let version = try String(contentsOfFile: "/proc/version", encoding: .utf8)
        let proc = try cli.run(solve + ["--output", "/proc/version"])
        #expect(proc.status == 2 && proc.stderr.contains("/proc") && proc.stderr.contains("--output"), "\(proc.stderr)")
        #expect(try String(contentsOfFile: "/proc/version", encoding: .utf8) == version)
        let missing = try cli.run(solve + ["--svg", dir.path + "/no/such/map.svg"])
        #expect(missing.status == 2 && missing.stderr.contains("--svg") && missing.stderr.contains("does not exist"), "\(missing.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
