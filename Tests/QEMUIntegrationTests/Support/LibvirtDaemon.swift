import Foundation
import Testing

/// A command's result; output goes through files so a large `info mtree -f` cannot fill a pipe.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

struct CommandTimeout: Error, CustomStringConvertible {
    var argv: [String]
    var seconds: Double
    var description: String { "timed out after \(seconds) s: \(argv.joined(separator: " "))" }
}

enum Command {
    /// Runs argv (PATH lookup through /usr/bin/env) and kills it when it outlives `timeout`.
    static func run(_ argv: [String], timeout: Double) throws -> CommandResult {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out"), err = folder.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            usleep(200_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            throw CommandTimeout(argv: argv, seconds: timeout)
        }
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

/// The system libvirtd (qemu:///system): reused when it answers, otherwise started here (CI has no
/// systemd) together with virtlogd, which libvirt's QEMU driver sends guest logs to, and stopped by
/// ``stop()``. Debian bookworm's libvirt 9.0 has the monolithic libvirtd, not virtqemud.
final class LibvirtDaemon {
    static let uri = "qemu:///system"
    private var started: [(name: String, process: Process)] = []
    private let folder: URL

    enum Availability { case run, skip(String) }

    /// One daemon for every suite in this process: the x86 and aarch64 suites run in parallel,
    /// and one suite stopping a daemon the other was using cut it off ("Disconnected from
    /// qemu:///system due to end of file", seen in CI). Each user brackets its work with
    /// ``acquire()`` and ``release()``; the last release stops what was started here.
    private static let sharing = NSLock()
    nonisolated(unsafe) private static var shared: LibvirtDaemon?
    nonisolated(unsafe) private static var users = 0

    static func acquire() throws -> LibvirtDaemon {
        sharing.lock()
        defer { sharing.unlock() }
        let daemon = try shared ?? LibvirtDaemon()
        shared = daemon
        users += 1
        return daemon
    }

    static func release() {
        sharing.lock()
        defer { sharing.unlock() }
        users -= 1
        if users <= 0 {
            shared?.stop()
            shared = nil
            users = 0
        }
    }

    /// LAYOUTSOLVE_SKIP_SLOW_TESTS=1 skips; a missing libvirt skips locally and fails under CI.
    static func availability(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Availability {
        if environment["LAYOUTSOLVE_SKIP_SLOW_TESTS"] == "1" { return .skip("LAYOUTSOLVE_SKIP_SLOW_TESTS=1") }
        let missing = ["libvirtd", "virtlogd", "virsh", "virt-xml-validate"].filter { QEMUProcess.find($0) == nil && QEMUProcess.find("/usr/sbin/\($0)") == nil }
        if missing.isEmpty || QEMUProcess.isCI(environment) { return .run }
        return .skip("not installed: \(missing.joined(separator: ", ")) (bash .ci/install-libvirt)")
    }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-libvirtd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if try answers() { return }
        for daemon in ["virtlogd", "libvirtd"] where !(try running(daemon)) {
            // In the foreground, as this test's child: `-d` daemonizes in a way Foundation's
            // Process never saw end (a zombie parent, the test hung), and a child is easy to stop.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: QEMUProcess.find(daemon) ?? "/usr/sbin/\(daemon)")
            process.arguments = ["-p", folder.appendingPathComponent("\(daemon).pid").path]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            started.append((daemon, process))
        }
        // The first start probes QEMU's capabilities (about a minute on a cold cache, 2 cores).
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            if try answers() { return }
            usleep(500_000)
        }
        stop()
        throw LibvirtError(message: "libvirtd did not answer \(Self.uri) within 180 s")
    }

    private func answers() throws -> Bool {
        guard let result = try? Command.run(["virsh", "-c", Self.uri, "version"], timeout: 120) else { return false }
        return result.status == 0 && result.stdout.contains("Running hypervisor")
    }

    private func running(_ daemon: String) throws -> Bool {
        (try? Command.run(["pgrep", "-x", daemon], timeout: 10).status) == 0
    }

    /// virsh against this daemon; a non-zero exit is an error carrying stderr.
    @discardableResult
    func virsh(_ arguments: [String], timeout: Double = 120) throws -> String {
        let result = try Command.run(["virsh", "-c", Self.uri] + arguments, timeout: timeout)
        guard result.status == 0 else {
            throw LibvirtError(message: "virsh \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
        return result.stdout
    }

    /// Stops only the daemons this object started (its own children).
    func stop() {
        for (_, process) in started.reversed() where process.isRunning {
            let pid = process.processIdentifier
            kill(pid, SIGTERM)
            for _ in 0..<100 where kill(pid, 0) == 0 && process.isRunning { usleep(50_000) }
            if process.isRunning { kill(pid, SIGKILL) }
        }
        started = []
        try? FileManager.default.removeItem(at: folder)
    }

    deinit { stop() }
}

struct LibvirtError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
