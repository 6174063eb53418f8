import Foundation
import Testing

/// Every error names where the bad value came from (the file or the flag), quotes at most about
/// 80 characters of it, and says what the path is when it is not a readable JSON file.
@Suite("layoutsolve error messages name their source")
struct MessageSourceCLITests {
    let cli = CLITests()
    let host = "Profiles/intel-xeon-vtd48.json"

    func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-messages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func refused(_ arguments: [String], _ fragments: String..., maximum: Int = 600) throws {
        let result = try cli.run(arguments)
        #expect(result.status == 2 && result.stdout.isEmpty, "\(arguments): \(result.status) \(result.stderr)")
        for fragment in fragments { #expect(result.stderr.contains(fragment), "\(arguments): \(result.stderr)") }
        #expect(result.stderr.utf8.count <= maximum, "\(arguments): \(result.stderr.utf8.count) bytes of message")
    }

    @Test func hugeValuesAreNotEchoed() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let digits = String(repeating: "9", count: 100_000)
        let vm = dir.appendingPathComponent("vm.json")
        try #"{"schema": "layoutsolve/vm/v1", "ram": \#(digits)}"#.write(to: vm, atomically: true, encoding: .utf8)
        try refused(["--hosts", host, "--vm", vm.path], vm.path, "$.ram", "100000 characters")
        var profile = try String(contentsOfFile: host, encoding: .utf8)
        profile = profile.replacingOccurrences(of: "\"phys_bits\": 46", with: "\"phys_bits\": \(digits)")
        let bad = dir.appendingPathComponent("host.json")
        try profile.write(to: bad, atomically: true, encoding: .utf8)
        try refused(["--hosts", bad.path, "--ram", "4G"], bad.path, "$.cpu.phys_bits", "32 to 64")
        try refused(["--hosts", host, "--ram", "4G", "--cpu-vendor", String(repeating: "x", count: 5000)], "--cpu-vendor", "intel or amd", "5000 characters")
        try refused(["--hosts", host, "--ram", String(repeating: "1", count: 5000) + "G"], "--ram")
    }

    @Test func flagValuesAreBlamedOnTheFlagNotTheFile() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let vm = dir.appendingPathComponent("vm.json")
        try #"{"schema": "layoutsolve/vm/v1", "ram": "16G"}"#.write(to: vm, atomically: true, encoding: .utf8)
        try refused(["--hosts", host, "--vm", vm.path, "--ram-align", "3M"], "--ram-align", "power of two")
        let result = try cli.run(["--hosts", host, "--vm", vm.path, "--ram-align", "3M"])
        #expect(!result.stderr.contains("$.ram_align"), "\(result.stderr)")
        // The 2 MiB granule: the file when the file said it, the flag when the flag did.
        let odd = dir.appendingPathComponent("odd.json")
        try #"{"schema": "layoutsolve/vm/v1", "ram": "3073M"}"#.write(to: odd, atomically: true, encoding: .utf8)
        try refused(["--hosts", host, "--vm", odd.path], "\(odd.path): $.ram", "granule")
        try refused(["--hosts", host, "--ram", "3073M"], "--ram:", "granule")
        #expect(try cli.run(["--hosts", host, "--vm", odd.path, "--ram", "4G", "--format", "qemu"]).status == 0)
    }

    @Test func fileSystemErrorsSayWhatThePathIs() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a").path, b = dir.appendingPathComponent("b").path
        try FileManager.default.createSymbolicLink(atPath: a, withDestinationPath: "b")
        try FileManager.default.createSymbolicLink(atPath: b, withDestinationPath: "a")
        try refused(["--hosts", a, "--ram", "4G"], "symbolic-link loop")
        try refused(["--hosts", host, "--vm", a], "symbolic-link loop")
        try refused(["--hosts", "/dev/zero", "--ram", "4G"], "/dev/zero", "character device")
        try refused(["--hosts", host, "--vm", dir.path], "is a folder")
        let dangling = dir.appendingPathComponent("dangling").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: "nowhere.json")
        try refused(["--hosts", host, "--vm", dangling], "symbolic link", "nowhere.json")
        let fifo = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        try refused(["--hosts", fifo, "--ram", "4G"], "FIFO")
    }

    @Test func inputsPastTheSizeLimitAreRefusedBeforeReading() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A sparse 300 MB file: refused from its size alone (nothing is read, so this is instant).
        let huge = dir.appendingPathComponent("huge.json")
        #expect(FileManager.default.createFile(atPath: huge.path, contents: Data("[".utf8)))
        let handle = try FileHandle(forWritingTo: huge)
        try handle.truncate(atOffset: 300 << 20)
        try handle.close()
        let start = Date()
        try refused(["--hosts", huge.path, "--ram", "4G"], huge.path, "input limit")
        #expect(Date().timeIntervalSince(start) < 5)
        // Standard input has no size: read up to the limit, then refused.
        let limited = Process()
        limited.executableURL = CLITests.binary
        limited.arguments = ["--hosts", host, "--vm", "-"]
        limited.currentDirectoryURL = CLITests.repository
        limited.environment = ProcessInfo.processInfo.environment.merging(["LAYOUTSOLVE_INPUT_LIMIT": "1000"]) { $1 }
        let input = Pipe(), err = Pipe()
        limited.standardInput = input
        limited.standardError = err
        limited.standardOutput = FileHandle.nullDevice
        try limited.run()
        try? input.fileHandleForWriting.write(contentsOf: Data(("{\"ram\": \"" + String(repeating: "1", count: 5000) + "\"}").utf8))
        try? input.fileHandleForWriting.close()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        limited.waitUntilExit()
        #expect(limited.terminationStatus == 2 && message.contains("<stdin>") && message.contains("input limit of 1000 bytes"), "\(message)")
    }
}
