// Starts a real, paused QEMU (`-S`, TCG, no default devices) with a QMP unix socket in a fresh
// temporary directory, and guarantees the process is gone afterwards (explicit `stop()`, `deinit`,
// and a watchdog that kills QEMU if the test runner itself dies). Foundation/Glibc only: no
// LayoutSolver types, so this harness works while the library is being written.
//
// Usage:
//   @Test(.requiresQEMU()) func example() throws {
//       let qemu = try QEMUProcess(arguments: ["-machine", "q35", "-m", "4G"])
//       defer { qemu.stop() }                  // optional: deinit also stops it
//       let ram = try qemu.flatView().ramRanges
//   }
//
// Bad arguments: QEMU often creates the QMP socket and even sends the greeting before it validates
// the machine (e.g. `max-ram-below-4g`, "phys-bits too low"), then exits. Any failure while
// connecting/negotiating therefore waits for the process and, if it exited, throws
// `QEMUProcessError` with kind `.exitedEarly`, the exit status and QEMU's complete stderr.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

/// How a child process ended.
enum ExitStatus: Equatable, Hashable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)
    /// Reaped by someone else (ECHILD): status lost.
    case unknown

    init(waitStatus s: Int32) {
        let sig = s & 0x7f
        self = sig == 0 ? .exited((s >> 8) & 0xff) : .signaled(sig)
    }

    var description: String {
        switch self {
        case let .exited(c): return "exit status \(c)"
        case let .signaled(s): return "killed by signal \(s)"
        case .unknown: return "exit status unknown"
        }
    }
}

struct QEMUProcessError: Error, CustomStringConvertible {
    enum Kind: Equatable, Sendable {
        /// The binary is not installed (with CI set this is a failure, not a skip).
        case binaryNotFound
        case launchFailed
        /// QEMU exited before QMP was ready: usually rejected arguments. `stderr` has its message.
        case exitedEarly
        /// QEMU neither exited nor answered QMP within the timeout.
        case startTimeout
        /// QEMU exited (or closed QMP) while a QMP command was running.
        case exitedDuringCommand
        /// QEMU is still running but did not answer within the timeout (hung).
        case commandTimedOut
    }

    var kind: Kind
    var message: String
    /// Everything QEMU wrote to stderr up to the failure.
    var stderr: String
    var exitStatus: ExitStatus?
    var commandLine: [String]

    var description: String {
        var s = "QEMUProcess: \(message)"
        if let exitStatus { s += " (\(exitStatus))" }
        if !commandLine.isEmpty { s += "\n  command: \(commandLine.joined(separator: " "))" }
        let err = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        s += err.isEmpty ? "\n  stderr: (empty)" : "\n  stderr: \(err)"
        return s
    }
}

/// One entry of QEMU's `etc/e820` fw_cfg file (QEMU's own table, before firmware adds to it).
struct E820Entry: Equatable, Hashable, Sendable, CustomStringConvertible {
    var address: UInt64
    var length: UInt64
    /// 1 = RAM, 2 = reserved.
    var type: UInt32
    /// Inclusive.
    var end: UInt64 { address &+ length &- 1 }
    var description: String { "0x\(MemoryTree.hex16(address))-0x\(MemoryTree.hex16(end)) type \(type)" }
}

final class QEMUProcess {
    static let defaultBinary = "qemu-system-x86_64"

    /// Absolute path of the QEMU binary that was started.
    let binaryPath: String
    /// The complete argv (binary path first).
    let commandLine: [String]
    let pid: pid_t
    let temporaryDirectory: String
    let socketPath: String
    let qmp: QMPClient

    private let stderrPath: String
    private var watchdogPID: pid_t?
    private var watchdogWriteFD: Int32 = -1
    private var reaped: ExitStatus?
    private var finalStderr: String?
    private var stopped = false

    /// Starts `binary` (name on PATH or absolute path) with `arguments` plus
    /// `-S -nodefaults -display none -no-user-config -qmp unix:<tmp>/qmp.sock,server=on,wait=off`,
    /// and `-accel <accel>` unless `accel` is nil or the arguments already choose an accelerator.
    /// Returns once QMP answers `query-status` (machine fully created, paused).
    /// `timeout` bounds start-up and each later QMP command.
    init(binary: String = QEMUProcess.defaultBinary, arguments: [String], accel: String? = "tcg",
         timeout: TimeInterval = 20) throws {
        guard let path = Self.find(binary) else {
            var msg = "\(binary) not found (PATH and /usr/bin, /usr/local/bin, /usr/libexec)"
            if Self.isCI() { msg += "; CI is set, so a missing QEMU is a failure, not a skip" }
            throw QEMUProcessError(kind: .binaryNotFound, message: msg, stderr: "", exitStatus: nil, commandLine: [])
        }
        binaryPath = path

        let tmp = try Self.makeTemporaryDirectory()
        temporaryDirectory = tmp
        let sock = tmp + "/qmp.sock"
        let errPath = tmp + "/stderr.log"
        socketPath = sock
        stderrPath = errPath

        var argv = [path] + arguments
        let choosesAccel = arguments.contains { $0 == "-accel" || $0 == "-enable-kvm" || $0.contains("accel=") }
        if let accel, !choosesAccel { argv += ["-accel", accel] }
        argv += ["-S", "-nodefaults", "-display", "none", "-no-user-config",
                 "-qmp", "unix:\(sock),server=on,wait=off"]
        commandLine = argv

        let spawned: pid_t
        do {
            spawned = try Self.spawn(argv, stdin: "/dev/null", stdout: tmp + "/stdout.log", stderr: errPath)
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw QEMUProcessError(kind: .launchFailed, message: "cannot start \(path): \(error)",
                                   stderr: "", exitStatus: nil, commandLine: argv)
        }
        pid = spawned

        // Until `qmp` is assigned, failures must clean up by hand (deinit does not run).
        let (wdPID, wdFD) = Self.startWatchdog(for: spawned, directory: tmp)
        func abandon() -> (ExitStatus?, String) {
            if let wdPID { kill(wdPID, SIGKILL); _ = Self.reap(wdPID, timeout: 5) }
            if wdFD >= 0 { _ = Glibc.close(wdFD) }
            var st = Self.reap(spawned, timeout: 0)
            if st == nil { kill(spawned, SIGKILL); st = Self.reap(spawned, timeout: 10) }
            let err = Self.readText(errPath)
            try? FileManager.default.removeItem(atPath: tmp)
            return (st, err)
        }

        let deadline = Date().addingTimeInterval(timeout)
        var client: QMPClient?
        var lastError: Error?
        while client == nil {
            if let st = Self.reap(spawned, timeout: 0) {
                let (_, err) = abandon()
                throw QEMUProcessError(kind: .exitedEarly, message: "QEMU exited during start-up",
                                       stderr: err, exitStatus: st, commandLine: argv)
            }
            if Date() > deadline {
                let (st, err) = abandon()
                throw QEMUProcessError(
                    kind: .startTimeout,
                    message: "QMP not ready after \(timeout) s\(lastError.map { " (last error: \($0))" } ?? "")",
                    stderr: err, exitStatus: st, commandLine: argv)
            }
            if access(sock, F_OK) == 0 {
                do {
                    let c = try QMPClient(socketPath: sock, timeout: max(1, deadline.timeIntervalSinceNow))
                    // query-status is dispatched by the main loop, i.e. after machine creation,
                    // which is where most argument errors are reported.
                    _ = try c.execute("query-status")
                    client = c
                    break
                } catch QMPError.connectFailed(_, let e) where e == ECONNREFUSED || e == ENOENT {
                    lastError = QMPError.connectFailed(path: sock, errno: e)
                } catch {
                    // Greeting/capabilities failed: usually QEMU is exiting on a bad argument.
                    let st = Self.reap(spawned, timeout: 5)
                    let (_, err) = abandon()
                    if let st {
                        throw QEMUProcessError(kind: .exitedEarly, message: "QEMU exited during start-up",
                                               stderr: err, exitStatus: st, commandLine: argv)
                    }
                    throw QEMUProcessError(kind: .startTimeout, message: "QMP start-up failed: \(error)",
                                           stderr: err, exitStatus: nil, commandLine: argv)
                }
            }
            usleep(5_000)
        }
        client!.timeout = timeout
        qmp = client!
        watchdogPID = wdPID
        watchdogWriteFD = wdFD
    }

    /// Convenience: arguments split on whitespace ("-machine q35 -m 4G").
    convenience init(binary: String = QEMUProcess.defaultBinary, _ arguments: String, accel: String? = "tcg",
                     timeout: TimeInterval = 20) throws {
        try self.init(binary: binary, arguments: arguments.split(whereSeparator: \.isWhitespace).map(String.init),
                      accel: accel, timeout: timeout)
    }

    deinit { stop() }

    /// Kills QEMU (SIGKILL; it is paused and has no disks), reaps it and removes the temporary
    /// directory. Idempotent. `stderr` stays readable afterwards.
    func stop() {
        if stopped { return }
        stopped = true
        qmp.close()
        // Watchdog first, so it can never fire at a reused pid.
        if let w = watchdogPID {
            kill(w, SIGKILL)
            _ = Self.reap(w, timeout: 5)
            watchdogPID = nil
        }
        if watchdogWriteFD >= 0 { _ = Glibc.close(watchdogWriteFD); watchdogWriteFD = -1 }
        if reaped == nil { reaped = Self.reap(pid, timeout: 0) }
        if reaped == nil {
            kill(pid, SIGKILL)
            reaped = Self.reap(pid, timeout: 10)
        }
        finalStderr = Self.readText(stderrPath)
        try? FileManager.default.removeItem(atPath: temporaryDirectory)
    }

    /// QEMU's stderr so far (warnings such as "There is possibly poor performance ...").
    var stderr: String { finalStderr ?? Self.readText(stderrPath) }

    var isRunning: Bool {
        if stopped || reaped != nil { return false }
        reaped = Self.reap(pid, timeout: 0)
        return reaped == nil
    }

    /// Exit status once QEMU has ended (nil while running).
    var exitStatus: ExitStatus? {
        _ = isRunning
        return reaped
    }

    // MARK: - QMP

    /// `QMPClient.execute`, but when QEMU dies or hangs the error carries its exit status and stderr.
    @discardableResult
    func execute(_ command: String, arguments: [String: Any]? = nil) throws -> Any {
        do {
            return try qmp.execute(command, arguments: arguments)
        } catch let e as QMPError {
            if case .commandFailed = e { throw e }
            throw failure(e, during: "QMP '\(command)'")
        }
    }

    /// Wraps a transport-level QMP error with QEMU's exit status (if it exited) and stderr.
    private func failure(_ e: QMPError, during what: String) -> QEMUProcessError {
        var timedOut = false
        if case .timedOut = e { timedOut = true }
        // After EOF give QEMU a moment to finish exiting; after a timeout just look.
        if reaped == nil { reaped = Self.reap(pid, timeout: timedOut ? 0 : 2) }
        return QEMUProcessError(kind: timedOut && reaped == nil ? .commandTimedOut : .exitedDuringCommand,
                                message: "\(what) failed: \(e)", stderr: stderr, exitStatus: reaped,
                                commandLine: commandLine)
    }

    /// HMP through QMP, "\r\n" normalised to "\n".
    func humanMonitorCommand(_ line: String) throws -> String {
        let ret = try execute("human-monitor-command", arguments: ["command-line": line])
        guard let text = ret as? String else { throw QMPError.malformed("human-monitor-command returned \(ret)") }
        return text.replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// `info mtree -f`, parsed; the view of `AS "<addressSpace>"`.
    func flatView(addressSpace: String = "memory") throws -> FlatView {
        try MemoryTree.flatView(addressSpace: addressSpace, in: humanMonitorCommand("info mtree -f"))
    }

    /// `info mtree`, parsed; the tree of `address-space: <addressSpace>`.
    func memoryTree(addressSpace: String = "memory") throws -> MemoryRegionTree {
        try MemoryTree.tree(addressSpace: addressSpace, in: humanMonitorCommand("info mtree"))
    }

    func qomGet(_ path: String, _ property: String) throws -> Any {
        try execute("qom-get", arguments: ["path": path, "property": property])
    }

    func qomGetUInt64(_ path: String, _ property: String) throws -> UInt64 {
        let v = try qomGet(path, property)
        guard let n = QMPValue.uint64(v) else { throw QMPError.malformed("qom-get \(path) \(property) = \(v)") }
        return n
    }

    /// `query-memory-devices`: [{type: "dimm", data: {addr, size, slot, node, memdev, id, ...}}].
    func memoryDevices() throws -> [[String: Any]] {
        let v = try execute("query-memory-devices")
        guard let list = v as? [[String: Any]] else { throw QMPError.malformed("query-memory-devices = \(v)") }
        return list
    }

    /// QOM path of the first CPU (from `query-cpus-fast`).
    func firstCPUPath() throws -> String {
        let v = try execute("query-cpus-fast")
        guard let cpus = v as? [[String: Any]], let path = cpus.first?["qom-path"] as? String else {
            throw QMPError.malformed("query-cpus-fast = \(v)")
        }
        return path
    }

    // MARK: - fw_cfg (x86 only: I/O ports 0x510/0x511 through HMP `o`/`i`, works while paused)

    /// The fw_cfg file directory: name -> (selector key, size).
    func fwCfgDirectory() throws -> [String: (key: UInt16, size: UInt32)] {
        let countBytes = try fwCfgRead(key: 0x19, count: 4)
        let count = Int(Self.be32(countBytes, 0))
        guard count < 4096 else { throw QMPError.malformed("fw_cfg directory count \(count)") }
        let dir = try fwCfgRead(key: 0x19, count: 4 + 64 * count)
        var out: [String: (key: UInt16, size: UInt32)] = [:]
        for i in 0..<count {
            let base = 4 + 64 * i
            let size = Self.be32(dir, base)
            let key = UInt16(dir[base + 4]) << 8 | UInt16(dir[base + 5])
            let nameBytes = dir[(base + 8)..<(base + 64)].prefix { $0 != 0 }
            out[String(decoding: nameBytes, as: UTF8.self)] = (key, size)
        }
        return out
    }

    /// Contents of a fw_cfg file such as "etc/e820", or nil when absent. Scans the directory entry
    /// by entry and stops at the match (each byte costs one HMP command, ~0.3 ms in QEMU).
    func readFWCfgFile(_ name: String) throws -> [UInt8]? {
        let count = Int(Self.be32(try fwCfgRead(key: 0x19, count: 4), 0))
        guard count < 4096 else { throw QMPError.malformed("fw_cfg directory count \(count)") }
        for _ in 0..<count {
            let e = try fwCfgReadMore(count: 64)  // the selection and offset persist
            let entryName = String(decoding: e[8...].prefix { $0 != 0 }, as: UTF8.self)
            if entryName == name {
                return try fwCfgRead(key: UInt16(e[4]) << 8 | UInt16(e[5]), count: Int(Self.be32(e, 0)))
            }
        }
        return nil
    }

    /// QEMU's e820 table (`etc/e820`: packed little-endian {u64 addr, u64 len, u32 type}).
    func e820Table() throws -> [E820Entry] {
        guard let bytes = try readFWCfgFile("etc/e820") else { return [] }
        return stride(from: 0, to: bytes.count - 19, by: 20).map { o in
            E820Entry(address: Self.le64(bytes, o), length: Self.le64(bytes, o + 8),
                      type: UInt32(truncatingIfNeeded: Self.le64(bytes, o + 16) & 0xffff_ffff))
        }
    }

    /// Selects `key` (16-bit write to 0x510 resets the offset) and reads `count` bytes from 0x511.
    func fwCfgRead(key: UInt16, count: Int) throws -> [UInt8] {
        _ = try humanMonitorCommand("o /h 0x510 0x\(String(key, radix: 16))")
        return try fwCfgReadMore(count: count)
    }

    /// Reads `count` more bytes of the selected fw_cfg item, one HMP `i /b 0x511` per byte
    /// (pipelined; QEMU itself needs ~0.3 ms per command).
    func fwCfgReadMore(count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let n = min(256, count - out.count)
            let replies: [String]
            do {
                replies = try qmp.humanMonitorCommands(Array(repeating: "i /b 0x511", count: n))
            } catch let e as QMPError {
                if case .commandFailed = e { throw e }
                throw failure(e, during: "fw_cfg read")
            }
            for line in replies {
                // "portb[0x0511] = 0x0f"
                guard let eq = line.range(of: "= 0x"),
                      let b = UInt8(line[eq.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines), radix: 16)
                else { throw QMPError.malformed("unexpected HMP 'i' output: \(line)") }
                out.append(b)
            }
        }
        return out
    }

    private static func be32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
    }

    private static func le64(_ b: [UInt8], _ o: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in (0..<8).reversed() where o + i < b.count { v = v << 8 | UInt64(b[o + i]) }
        return v
    }

    // MARK: - Finding QEMU / skipping

    /// Absolute path of an executable `name` (PATH, then /usr/bin, /usr/local/bin, /usr/libexec),
    /// or `name` itself if it contains "/" and is executable.
    static func find(_ name: String) -> String? {
        func ok(_ p: String) -> Bool {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: p, isDirectory: &isDir) && !isDir.boolValue
                && access(p, X_OK) == 0
        }
        if name.contains("/") { return ok(name) ? name : nil }
        let pathDirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for dir in pathDirs + ["/usr/bin", "/usr/local/bin", "/usr/libexec", "/opt/homebrew/bin"] where !dir.isEmpty {
            let p = dir + "/" + name
            if ok(p) { return p }
        }
        return nil
    }

    /// True when the environment variable CI is set (and not "", "0", "false", "no").
    static func isCI(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let v = environment["CI"]?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return !["", "0", "false", "no"].contains(v)
    }

    /// Whether QEMU tests should run: the binary exists, or CI is set (then a missing binary makes
    /// the test fail with `.binaryNotFound` instead of being skipped).
    static func shouldRunTests(binary: String = defaultBinary,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        find(binary) != nil || isCI(environment)
    }

    // MARK: - process plumbing

    private static func makeTemporaryDirectory() throws -> String {
        // sun_path holds 108 bytes: prefer a short base directory.
        var base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        if base.count > 60 || base.contains(",") || base.isEmpty { base = "/tmp" }
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array((base + "/qemu-harness.XXXXXX").utf8CString)
        let ok = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) != nil }
        guard ok else {
            throw QEMUProcessError(kind: .launchFailed, message: "mkdtemp in \(base) failed: errno \(errno)",
                                   stderr: "", exitStatus: nil, commandLine: [])
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private struct SpawnError: Error, CustomStringConvertible {
        var errno: Int32
        var description: String { "posix_spawn: \(String(cString: strerror(errno))) (errno \(errno))" }
    }

    /// posix_spawn with the given stdio files, default signal dispositions, empty signal mask,
    /// and every other descriptor closed in the child.
    private static func spawn(_ argv: [String], stdin: String, stdout: String, stderr: String,
                              stdinFD: Int32? = nil) throws -> pid_t {
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        if let stdinFD {
            posix_spawn_file_actions_adddup2(&fa, stdinFD, 0)
        } else {
            posix_spawn_file_actions_addopen(&fa, 0, stdin, O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&fa, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&fa, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let closefrom = addCloseFrom { _ = closefrom(&fa, 3) }

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attr, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let env = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer {
            cArgv.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &fa, &attr, cArgv, cEnv)
        guard rc == 0 else { throw SpawnError(errno: rc) }
        return pid
    }

    /// glibc >= 2.34 `posix_spawn_file_actions_addclosefrom_np` (not exported to Swift without
    /// _GNU_SOURCE), looked up at run time; without it the child just inherits fewer-guarded fds.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return nil }
        return unsafeBitCast(sym, to: AddCloseFrom.self)
    }()

    /// `/bin/sh -c 'read x; kill -9 PID; rm -rf TMPDIR'` reading a socket whose write end only this process holds
    /// (close-on-exec). If the test runner dies for any reason, the pipe closes and the watchdog
    /// kills QEMU. `stop()` kills the watchdog first. Best effort: returns (nil, -1) on failure.
    private static func startWatchdog(for qemuPID: pid_t, directory: String) -> (pid_t?, Int32) {
        // A socketpair, not pipe2 (a _GNU_SOURCE function Swift's Glibc module does not export),
        // so both ends are close-on-exec atomically.
        var fds: [Int32] = [-1, -1]
        #if canImport(Glibc)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { return (nil, -1) }
        defer { _ = Glibc.close(fds[0]) }
        let argv = ["/bin/sh", "-c", "read x; kill -9 \"$1\" 2>/dev/null; rm -rf \"$2\"",
                    "qemu-watchdog", String(qemuPID), directory]
        guard let wd = try? spawn(argv, stdin: "/dev/null", stdout: "/dev/null", stderr: "/dev/null",
                                  stdinFD: fds[0]) else {
            _ = Glibc.close(fds[1])
            return (nil, -1)
        }
        return (wd, fds[1])
    }

    /// waitpid with a timeout (0 = just poll). Returns nil while the process is still running.
    private static func reap(_ pid: pid_t, timeout: TimeInterval) -> ExitStatus? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return ExitStatus(waitStatus: status) }
            if r < 0 && errno == ECHILD { return .unknown }
            if r < 0 && errno == EINTR { continue }
            if Date() >= deadline { return nil }
            usleep(2_000)
        }
    }

    private static func readText(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test only when `binary` is installed, except that with CI set it always runs (and
    /// fails with `.binaryNotFound` if QEMU is missing), so skipping never hides a CI failure.
    static func requiresQEMU(_ binary: String = QEMUProcess.defaultBinary) -> Self {
        .enabled(if: QEMUProcess.shouldRunTests(binary: binary),
                 Comment(rawValue: "\(binary) is not installed (with CI set, this test runs and fails instead)"))
    }
}
