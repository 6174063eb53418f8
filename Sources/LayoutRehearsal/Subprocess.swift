// Runs a command with a deadline. Output goes to a temporary file rather than a pipe so a chatty
// child can never block on a full pipe while we wait; on timeout the child gets SIGTERM, then
// SIGKILL, and is always reaped.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum Subprocess {
    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs `argv` (argv[0] looked up in PATH through /usr/bin/env). Throws `.timeout` after
    /// `timeout` seconds, `.preparation(step:)` for a non-zero exit unless `allowFailure`.
    @discardableResult
    static func run(_ argv: [String], step: String, timeout: TimeInterval, directory: String? = nil,
                    environment: [String: String] = [:], allowFailure: Bool = false) throws -> Result {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("layoutsolve-rehearsal-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: Data())
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let finished = waitOrKill(p, timeout: timeout)
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard finished else { throw RehearsalError.timeout(stage: step, seconds: timeout, console: output) }
        if p.terminationStatus != 0 && !allowFailure {
            throw RehearsalError.preparation(step: "\(step) (exit \(p.terminationStatus))", output: output)
        }
        return Result(status: p.terminationStatus, output: output)
    }

    /// Waits for `p` until `timeout`; returns false (after killing and reaping it) when it ran over.
    static func waitOrKill(_ p: Process, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if !p.isRunning { p.waitUntilExit(); return true }
        kill(p)
        return false
    }

    /// SIGTERM, a short grace period, then SIGKILL; always reaps.
    static func kill(_ p: Process) {
        guard p.isRunning else { p.waitUntilExit(); return }
        p.terminate()
        let grace = Date().addingTimeInterval(3)
        while p.isRunning && Date() < grace { usleep(20_000) }
        if p.isRunning { Glibc.kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    /// The first executable named `name` in PATH (plus the sbin directories), nil if none.
    static func find(_ name: String) -> String? {
        if name.hasPrefix("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":").map(String.init) + ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"] where !dir.isEmpty {
            if access(dir + "/" + name, X_OK) == 0 { return dir + "/" + name }
        }
        return nil
    }
}
