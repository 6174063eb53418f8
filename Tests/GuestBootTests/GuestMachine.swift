// Runs one layout as a TCG guest: QEMU with -kernel/-initrd, the console on a file, QMP on
// stdio. Every wait has a deadline, and QEMU cannot outlive the test: it runs under coreutils
// `timeout -s KILL` (so even a crashed test runner leaves no QEMU behind for long), and `stop()`
// (also called from deinit) SIGKILLs it by the pid QEMU wrote to its -pidfile.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct GuestMachineError: Error, CustomStringConvertible {
    var layout: String
    var message: String
    var console: String
    var stderr: String
    var description: String {
        "guest \(layout): \(message)\n--- stderr ---\n\(stderr)\n--- console (last 3000 chars) ---\n\(String(console.suffix(3000)))"
    }
}

final class GuestMachine {
    let layout: GuestBootLayout
    let directory: URL
    let commandLine: [String]
    let started = Date()
    private let process = Process()
    private let qmpIn: FileHandle
    private let qmpOut: Int32
    private var qmpBuffer = Data()
    private var stopped = false

    var consolePath: URL { directory.appendingPathComponent("console.log") }
    var stderrPath: URL { directory.appendingPathComponent("stderr.log") }

    /// Starts the guest. `hardLimit` is the most the QEMU process may live, whatever happens.
    init(layout: GuestBootLayout, kernel: URL, initrd: URL, hotplugWait: Bool, hardLimit: Int = 600) throws {
        self.layout = layout
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("layoutsolve-guest-\(layout.name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        var append = "console=\(layout.architecture.console) memhp_default_state=online panic=-1"
        if hotplugWait { append += " layoutsolve.hotplug=1" }
        var args = ["-accel", "tcg", "-smp", "1"] + TCGArguments.adapt(layout.qemuArguments, architecture: layout.architecture)
        switch layout.firmware {
        case .seabios:
            break
        case .ovmf:
            let vars = directory.appendingPathComponent("OVMF_VARS_4M.fd")
            try FileManager.default.copyItem(at: URL(fileURLWithPath: GuestPrerequisites.ovmfVars), to: vars)
            args += ["-drive", "if=pflash,format=raw,readonly=on,file=\(GuestPrerequisites.ovmfCode)",
                     "-drive", "if=pflash,format=raw,file=\(vars.path)"]
        case .aavmf:
            // Solver output for virt already carries -bios when the layout needs firmware.
            if !args.contains("-bios") { args += ["-bios", GuestPrerequisites.aavmfCode] }
        }
        if layout.largeBARSize > 0 {
            // A sparse file: QEMU creates and ftruncates it; the guest never touches the BAR.
            args += ["-object", "memory-backend-file,id=layoutsolve-bar,mem-path=\(directory.path)/bar.img,size=\(layout.largeBARSize),share=on",
                     "-device", "ivshmem-plain,memdev=layoutsolve-bar"]
        }
        args += ["-nodefaults", "-display", "none", "-no-user-config", "-no-reboot",
                 "-serial", "file:\(directory.path)/console.log",
                 "-pidfile", "\(directory.path)/qemu.pid",
                 "-qmp", "stdio",
                 "-kernel", kernel.path, "-initrd", initrd.path, "-append", append]
        guard let qemu = GuestPrerequisites.find(layout.architecture.qemuBinary) else {
            throw GuestMachineError(layout: layout.name, message: "\(layout.architecture.qemuBinary) not found", console: "", stderr: "")
        }
        commandLine = [qemu] + args
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["-s", "KILL", String(hardLimit)] + commandLine
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        let errorLog = directory.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorLog)
        qmpIn = input.fileHandleForWriting
        qmpOut = output.fileHandleForReading.fileDescriptor
        try process.run()
    }

    deinit { stop() }

    /// QEMU's own pid (from -pidfile; the child process is `timeout`), once QEMU wrote it.
    var qemuPID: pid_t? {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("qemu.pid"), encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return nil }
        return pid
    }

    /// Kills QEMU (if still running), waits for it and removes the temporary directory.
    func stop() {
        if stopped { return }
        stopped = true
        if process.isRunning {
            if let pid = qemuPID { kill(pid, SIGKILL) }
            process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try? qmpIn.close()
        try? FileManager.default.removeItem(at: directory)
    }

    var console: String { (try? String(contentsOf: consolePath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrPath, encoding: .utf8)) ?? "" }

    func failure(_ message: String) -> GuestMachineError {
        GuestMachineError(layout: layout.name, message: message, console: console, stderr: stderr)
    }

    /// Waits until the console contains `marker`; returns the seconds since start.
    @discardableResult
    func waitForConsole(_ marker: String, timeout: TimeInterval) throws -> TimeInterval {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if console.contains(marker) { return Date().timeIntervalSince(started) }
            if !process.isRunning { throw failure("QEMU exited (status \(process.terminationStatus)) before \"\(marker)\" appeared") }
            if Date() > deadline { throw failure("\"\(marker)\" did not appear within \(Int(timeout)) s") }
            usleep(100_000)
        }
    }

    /// Waits for QEMU to exit by itself (the guest powers off); returns seconds since start.
    func waitForExit(timeout: TimeInterval) throws -> TimeInterval {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { throw failure("QEMU still running \(Int(timeout)) s after the guest's last report") }
            usleep(50_000)
        }
        return Date().timeIntervalSince(started)
    }

    // MARK: QMP over stdio

    private var negotiated = false

    /// Runs one QMP command; returns its "return" value, throws on "error" or timeout.
    @discardableResult
    func qmp(_ command: String, _ arguments: [String: Any] = [:], timeout: TimeInterval = 30) throws -> Any {
        let deadline = Date().addingTimeInterval(timeout)
        if !negotiated {
            negotiated = true
            _ = try readMessage(until: deadline) { $0["QMP"] != nil }
            try qmp("qmp_capabilities", timeout: timeout)
        }
        var message: [String: Any] = ["execute": command]
        if !arguments.isEmpty { message["arguments"] = arguments }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0x0a)
        try qmpIn.write(contentsOf: data)
        let reply = try readMessage(until: deadline) { $0["return"] != nil || $0["error"] != nil }
        if let error = reply["error"] as? [String: Any] {
            throw failure("QMP \(command) failed: \(error["desc"] ?? error)")
        }
        return reply["return"] ?? [:]
    }

    /// Reads QMP lines (skipping events) until one satisfies `accept`.
    private func readMessage(until deadline: Date, _ accept: ([String: Any]) -> Bool) throws -> [String: Any] {
        while true {
            while let newline = qmpBuffer.firstIndex(of: 0x0a) {
                let line = qmpBuffer[qmpBuffer.startIndex..<newline]
                qmpBuffer.removeSubrange(qmpBuffer.startIndex...newline)
                if let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], accept(object) {
                    return object
                }
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { throw failure("QMP reply timed out") }
            var pfd = pollfd(fd: qmpOut, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(min(remaining, 1) * 1000))
            if ready < 0 && errno != EINTR { throw failure("poll on QMP failed: errno \(errno)") }
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(qmpOut, &chunk, chunk.count)
            if n <= 0 { throw failure("QMP closed (QEMU exited?)") }
            qmpBuffer.append(contentsOf: chunk[0..<n])
        }
    }
}
