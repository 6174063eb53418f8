import Foundation

/// The whole command as a user runs it: `layoutsolve --hosts DIR --vm FILE -f json`, a process of
/// its own whose answer goes to standard output (a file here, as `> answer.json`). Unlike the
/// in-process pipeline this includes starting the process and loading its libraries, which the
/// Python baseline (timed inside the interpreter) does not; it is reported beside, not instead.
/// Needs the `layoutsolve` binary next to this one (`.ci/bench` builds both); NaN without it.
enum CommandLineRun {
    static var binary: String? {
        let own = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let path = own.appendingPathComponent("layoutsolve").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// The median wall time of `repetitions` runs, in seconds; NaN when a run fails.
    static func seconds(hostsFolder: String, vmFile: String, repetitions: Int) -> Double {
        guard let binary else { return .nan }
        let answer = NSTemporaryDirectory() + "layoutbench-cli-\(getpid()).json"
        defer { unlink(answer) }
        var times: [Double] = []
        for _ in 0..<repetitions {
            guard FileManager.default.createFile(atPath: answer, contents: nil), let output = FileHandle(forWritingAtPath: answer) else { return .nan }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["--hosts", hostsFolder, "--vm", vmFile, "-f", "json"]
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            let started = now()
            do { try process.run() } catch { return .nan }
            process.waitUntilExit()
            let elapsed = now() - started
            try? output.close()
            guard process.terminationStatus == 0 else { return .nan }
            times.append(elapsed)
        }
        return times.sorted()[times.count / 2]
    }
}
