// A minimal, synchronous QMP client over a unix socket (POSIX sockets, no LayoutSolver types).
//
// Protocol (QEMU 7.2): on connect QEMU sends one greeting line {"QMP": {...}}; the client must send
// {"execute":"qmp_capabilities"} before any other command. Each message is one JSON object per line
// ("\r\n"-terminated). Asynchronous {"event": ...} messages may arrive at any time and are skipped
// (kept in `events`). Every read is bounded by `timeout`, so a hung QEMU fails a test instead of
// hanging it. Writes use MSG_NOSIGNAL, so a QEMU that died never raises SIGPIPE in the test runner.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum QMPError: Error, CustomStringConvertible {
    /// socket()/connect() failed; `errno` is the POSIX error (ECONNREFUSED, ENOENT, ...).
    case connectFailed(path: String, errno: Int32)
    /// No complete message arrived within the timeout.
    case timedOut(waitingFor: String, seconds: Double)
    /// QEMU closed the connection (usually: it exited).
    case connectionClosed(waitingFor: String)
    case io(operation: String, errno: Int32)
    case malformed(String)
    /// QEMU answered {"error": {"class": ..., "desc": ...}}.
    case commandFailed(command: String, errorClass: String, description: String)

    var description: String {
        switch self {
        case let .connectFailed(path, e): return "QMP connect to \(path) failed: \(String(cString: strerror(e))) (errno \(e))"
        case let .timedOut(what, s): return "QMP timed out after \(s) s waiting for \(what)"
        case let .connectionClosed(what): return "QMP connection closed by QEMU while waiting for \(what)"
        case let .io(op, e): return "QMP \(op) failed: \(String(cString: strerror(e))) (errno \(e))"
        case let .malformed(s): return "QMP malformed message: \(s)"
        case let .commandFailed(cmd, cls, desc): return "QMP command '\(cmd)' failed: \(cls): \(desc)"
        }
    }
}

final class QMPClient {
    let socketPath: String
    /// Upper bound for each wait on QEMU (greeting, each command's reply).
    var timeout: TimeInterval
    /// The `QMP` object of the greeting (version, capabilities).
    private(set) var greeting: [String: Any] = [:]
    /// Asynchronous events received so far (skipped while waiting for replies).
    private(set) var events: [[String: Any]] = []

    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    private var nextID = 1

    /// Connects, reads the greeting and negotiates capabilities (`qmp_capabilities`).
    init(socketPath: String, timeout: TimeInterval = 20) throws {
        self.socketPath = socketPath
        self.timeout = timeout
        fd = try Self.connect(path: socketPath)
        do {
            let hello = try readMessage(waitingFor: "QMP greeting")
            guard let qmp = hello["QMP"] as? [String: Any] else {
                throw QMPError.malformed("expected greeting, got \(hello)")
            }
            greeting = qmp
            _ = try execute("qmp_capabilities")
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    /// QEMU's version triple from the greeting, e.g. (7, 2, 22).
    var qemuVersion: (major: Int, minor: Int, micro: Int)? {
        guard let v = (greeting["version"] as? [String: Any])?["qemu"] as? [String: Any],
              let ma = QMPValue.int(v["major"]), let mi = QMPValue.int(v["minor"]), let mc = QMPValue.int(v["micro"])
        else { return nil }
        return (ma, mi, mc)
    }

    /// Runs one QMP command and returns its `return` value (JSONSerialization types: [String: Any],
    /// [Any], String, NSNumber). Throws `QMPError.commandFailed` on an `error` reply.
    @discardableResult
    func execute(_ command: String, arguments: [String: Any]? = nil) throws -> Any {
        guard fd >= 0 else { throw QMPError.connectionClosed(waitingFor: "'\(command)' (client closed)") }
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["execute": command, "id": id]
        if let arguments { message["arguments"] = arguments }
        guard JSONSerialization.isValidJSONObject(message) else {
            throw QMPError.malformed("arguments of '\(command)' are not JSON-serializable: \(arguments ?? [:])")
        }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(UInt8(ascii: "\n"))
        try send(data, command: command)

        while true {
            let reply = try readMessage(waitingFor: "reply to '\(command)'")
            if reply["event"] != nil {
                events.append(reply)
                continue
            }
            // Replies to an earlier command that timed out carry another id: drop them.
            if let rid = reply["id"], QMPValue.int(rid) != id { continue }
            if let err = reply["error"] as? [String: Any] {
                throw QMPError.commandFailed(
                    command: command,
                    errorClass: err["class"] as? String ?? "?",
                    description: err["desc"] as? String ?? "\(err)")
            }
            if let ret = reply["return"] { return ret }
            throw QMPError.malformed("reply to '\(command)' has neither return nor error: \(reply)")
        }
    }

    /// Pipelines several commands (one write, then all replies), which saves a round trip per
    /// command; QEMU runs them in order. Returns each `return` value in order, or throws the first
    /// error (in command order) after all replies have been read.
    func executeBatch(_ commands: [(command: String, arguments: [String: Any]?)]) throws -> [Any] {
        guard fd >= 0 else { throw QMPError.connectionClosed(waitingFor: "batch (client closed)") }
        if commands.isEmpty { return [] }
        let firstID = nextID
        var payload = Data()
        for (i, c) in commands.enumerated() {
            var message: [String: Any] = ["execute": c.command, "id": firstID + i]
            if let a = c.arguments { message["arguments"] = a }
            guard JSONSerialization.isValidJSONObject(message) else {
                throw QMPError.malformed("arguments of '\(c.command)' are not JSON-serializable")
            }
            payload.append(try JSONSerialization.data(withJSONObject: message))
            payload.append(UInt8(ascii: "\n"))
        }
        nextID += commands.count
        try send(payload, command: "batch of \(commands.count) starting with '\(commands[0].command)'")

        var results = [Result<Any, QMPError>?](repeating: nil, count: commands.count)
        var pending = commands.count
        while pending > 0 {
            let what = "reply \(commands.count - pending + 1) of a batch of \(commands.count)"
            let reply = try readMessage(waitingFor: what)
            if reply["event"] != nil { events.append(reply); continue }
            guard let rid = QMPValue.int(reply["id"]), rid >= firstID, rid < firstID + commands.count,
                  results[rid - firstID] == nil else { continue }
            let name = commands[rid - firstID].command
            if let err = reply["error"] as? [String: Any] {
                results[rid - firstID] = .failure(.commandFailed(
                    command: name, errorClass: err["class"] as? String ?? "?",
                    description: err["desc"] as? String ?? "\(err)"))
            } else if let ret = reply["return"] {
                results[rid - firstID] = .success(ret)
            } else {
                results[rid - firstID] = .failure(.malformed("reply to '\(name)': \(reply)"))
            }
            pending -= 1
        }
        return try results.map { try $0!.get() }
    }

    /// Several HMP lines through `executeBatch`; outputs normalised like `humanMonitorCommand`.
    func humanMonitorCommands(_ lines: [String]) throws -> [String] {
        try executeBatch(lines.map { ("human-monitor-command", ["command-line": $0]) }).map {
            guard let text = $0 as? String else { throw QMPError.malformed("human-monitor-command returned \($0)") }
            return text.replacingOccurrences(of: "\r\n", with: "\n")
        }
    }

    /// Runs an HMP command line (e.g. "info mtree -f") through `human-monitor-command` and returns
    /// its output with "\r\n" normalised to "\n".
    func humanMonitorCommand(_ line: String) throws -> String {
        let ret = try execute("human-monitor-command", arguments: ["command-line": line])
        guard let text = ret as? String else {
            throw QMPError.malformed("human-monitor-command returned \(type(of: ret))")
        }
        return text.replacingOccurrences(of: "\r\n", with: "\n")
    }

    // MARK: - socket plumbing

    private static func connect(path: String) throws -> Int32 {
        #if canImport(Glibc)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        let fd = socket(AF_UNIX, type, 0)
        guard fd >= 0 else { throw QMPError.io(operation: "socket", errno: errno) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else {
            _ = Glibc.close(fd)
            throw QMPError.connectFailed(path: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if rc != 0 {
            let e = errno
            _ = Glibc.close(fd)
            throw QMPError.connectFailed(path: path, errno: e)
        }
        return fd
    }

    private func send(_ data: Data, command: String) throws {
        let deadline = Date().addingTimeInterval(timeout)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var sent = 0
            while sent < raw.count {
                try waitFor(Int16(POLLOUT), deadline: deadline, what: "sending '\(command)'")
                let n = Glibc.send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    if errno == EPIPE || errno == ECONNRESET {
                        throw QMPError.connectionClosed(waitingFor: "sending '\(command)'")
                    }
                    throw QMPError.io(operation: "send", errno: errno)
                }
                sent += n
            }
        }
    }

    /// poll() until `events` is ready or the deadline passes.
    private func waitFor(_ events: Int16, deadline: Date, what: String) throws {
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { throw QMPError.timedOut(waitingFor: what, seconds: timeout) }
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&pfd, 1, Int32(min(remaining * 1000, 60_000).rounded(.up)))
            if rc < 0 {
                if errno == EINTR { continue }
                throw QMPError.io(operation: "poll", errno: errno)
            }
            if rc > 0 { return }  // readable, writable, HUP or ERR: let recv/send tell which
        }
    }

    private func readLine(waitingFor what: String) throws -> [UInt8] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                return line
            }
            guard fd >= 0 else { throw QMPError.connectionClosed(waitingFor: what) }
            try waitFor(Int16(POLLIN), deadline: deadline, what: what)
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET { throw QMPError.connectionClosed(waitingFor: what) }
                throw QMPError.io(operation: "recv", errno: errno)
            }
            if n == 0 { throw QMPError.connectionClosed(waitingFor: what) }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    private func readMessage(waitingFor what: String) throws -> [String: Any] {
        while true {
            let line = try readLine(waitingFor: what)
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0d || $0 == 0x09 }) { continue }
            let obj: Any
            do {
                obj = try JSONSerialization.jsonObject(with: Data(line))
            } catch {
                throw QMPError.malformed(String(decoding: line, as: UTF8.self))
            }
            guard let dict = obj as? [String: Any] else {
                throw QMPError.malformed(String(decoding: line, as: UTF8.self))
            }
            return dict
        }
    }
}

/// Coercions for values returned by `QMPClient.execute` (JSONSerialization keeps full UInt64
/// precision for integers such as 0xffffffffffffffff).
enum QMPValue {
    /// An unsigned integer (NSNumber that is exactly representable, or a decimal/"0x" string).
    static func uint64(_ value: Any?) -> UInt64? {
        guard let value else { return nil }
        if let s = value as? String {
            return s.hasPrefix("0x") ? UInt64(s.dropFirst(2), radix: 16) : UInt64(s)
        }
        return value as? UInt64
    }

    static func int(_ value: Any?) -> Int? {
        guard let value else { return nil }
        if let s = value as? String { return Int(s) }
        return value as? Int
    }
}
