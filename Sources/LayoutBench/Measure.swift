import Foundation
import FleetGenerator
import LayoutSolver
#if canImport(Glibc)
import Glibc
#endif

/// Seconds on the monotonic clock.
func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// The process's peak resident set so far, in MiB: VmHWM, the high-water mark of this program's
/// own memory. getrusage's ru_maxrss would not do: Linux carries it across fork and exec, so every
/// case would report the parent's peak (which holds the generated fleets).
func peakRSSMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kib = Double(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") else { return .nan }
    return kib / 1024
}

/// One end-to-end run, split into the stages the issue names.
struct StageTimes {
    var parse = 0.0
    var normalize = 0.0
    var model = 0.0
    var glpk = 0.0
    var verify = 0.0
    /// The rest of `Solver.solve`: scenarios, QEMU's derivation outside the verify timer,
    /// programmable windows, explanations.
    var other = 0.0
    var emit = 0.0
    var total = 0.0
}

/// What a case measured; one line of `key=value` pairs between the child and the parent.
struct CaseResult {
    var outcome = ""
    var hosts = 0
    var distinctHoles = 0
    var rows = 0
    var columns = 0
    var binaries = 0
    var glpkSolves = 0
    var times = StageTimes()
    var readOnly = 0.0
    /// Python's read-and-decode of the same files (`PythonBaseline`).
    var python = Double.nan
    /// The `layoutsolve` command as a process (`CommandLineRun`), start-up included.
    var commandLine = Double.nan
    var peakMiB = 0.0
    var repetitions = 0

    var line: String {
        let t = times
        return [
            "outcome=\(outcome.replacingOccurrences(of: " ", with: "_"))", "hosts=\(hosts)", "holes=\(distinctHoles)",
            "rows=\(rows)", "columns=\(columns)", "binaries=\(binaries)", "solves=\(glpkSolves)",
            "parse=\(t.parse)", "normalize=\(t.normalize)", "model=\(t.model)", "glpk=\(t.glpk)", "verify=\(t.verify)",
            "other=\(t.other)", "emit=\(t.emit)", "total=\(t.total)", "read=\(readOnly)", "python=\(python)", "cli=\(commandLine)", "peak=\(peakMiB)", "reps=\(repetitions)",
        ].joined(separator: " ")
    }

    init() {}

    init?(line: String) {
        var fields: [String: String] = [:]
        for pair in line.split(separator: " ") {
            guard let equals = pair.firstIndex(of: "=") else { return nil }
            fields[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        guard let outcome = fields["outcome"] else { return nil }
        func number(_ key: String) -> Double { Double(fields[key] ?? "") ?? .nan }
        func integer(_ key: String) -> Int { Int(fields[key] ?? "") ?? 0 }
        self.outcome = outcome.replacingOccurrences(of: "_", with: " ")
        hosts = integer("hosts")
        distinctHoles = integer("holes")
        rows = integer("rows")
        columns = integer("columns")
        binaries = integer("binaries")
        glpkSolves = integer("solves")
        times = StageTimes(
            parse: number("parse"), normalize: number("normalize"), model: number("model"), glpk: number("glpk"),
            verify: number("verify"), other: number("other"), emit: number("emit"), total: number("total"))
        readOnly = number("read")
        python = number("python")
        commandLine = number("cli")
        peakMiB = number("peak")
        repetitions = integer("reps")
    }
}

/// Runs one case in this process: the pipeline the command line runs, timed by stage, and the
/// read-only baseline over the same files.
enum CaseRunner {
    static func run(hostsFolder: String, vmFile: String, repetitions: Int, timeLimit: Double) -> CaseResult {
        var result = CaseResult()
        result.repetitions = repetitions
        var runs: [(StageTimes, SolveStatistics?)] = []
        for _ in 0..<repetitions {
            let (times, statistics, outcome) = pipeline(hostsFolder: hostsFolder, vmFile: vmFile, timeLimit: timeLimit)
            runs.append((times, statistics))
            result.outcome = outcome
        }
        // The median run by total time, with its own split, so the stages add up.
        let median = runs.sorted { $0.0.total < $1.0.total }[runs.count / 2]
        result.times = median.0
        if let statistics = median.1 {
            result.hosts = statistics.hosts
            result.distinctHoles = statistics.distinctHoles
            result.rows = statistics.rows
            result.columns = statistics.columns
            result.binaries = statistics.binaries
            result.glpkSolves = statistics.glpkSolves
        }
        var reads: [Double] = []
        for _ in 0..<repetitions { reads.append(readOnly(hostsFolder: hostsFolder, vmFile: vmFile)) }
        result.readOnly = reads.sorted()[reads.count / 2]
        result.python = PythonBaseline.seconds(hostsFolder: hostsFolder, vmFile: vmFile, repetitions: repetitions)
        result.commandLine = CommandLineRun.seconds(hostsFolder: hostsFolder, vmFile: vmFile, repetitions: repetitions)
        result.peakMiB = peakRSSMiB()
        return result
    }

    /// What `layoutsolve --hosts DIR --vm FILE -f json` does (SolveCommand.run), in this process:
    /// read and parse the files, `Solver.solve` (which builds the Fleet once), render the answer and
    /// write it to standard output. `total` is that and nothing else; the Fleet's own cost is timed
    /// apart afterwards (`normalize`) and taken out of `other`, so the stages still add up.
    static func pipeline(hostsFolder: String, vmFile: String, timeLimit: Double) -> (StageTimes, SolveStatistics?, String) {
        var times = StageTimes()
        let started = now()
        let hosts: [HostProfile]
        let vm: VMSpec
        do {
            hosts = try InputLoader.loadHosts(paths: [hostsFolder])
            vm = try InputLoader.loadVM(path: vmFile)
        } catch {
            times.parse = now() - started
            times.total = times.parse
            return (times, nil, "input error (exit 2): \(String(describing: error).prefix(80))")
        }
        let parsed = now()
        times.parse = parsed - started
        let solution: Solution
        do {
            solution = try Solver.solve(hosts: hosts, vm: vm, options: SolveOptions(timeLimitSeconds: timeLimit))
        } catch {
            let solveSeconds = now() - parsed
            times.other = solveSeconds
            times.total = times.parse + solveSeconds
            let kind: String
            switch error {
            case is NoLayoutExists: kind = "no layout (exit 1)"
            case is SolveTimedOut: kind = "time limit (exit 3)"
            case is InputError, is InputErrors: kind = "input error (exit 2)"
            default: kind = "internal error (exit 70)"
            }
            return (times, nil, kind)
        }
        let solved = now()
        let statistics = solution.statistics
        // As SolveCommand renders `-f json` with no --output: the printed QEMU arguments must read
        // back (RenderingCheck), then the bytes go to standard output (the parent points it at a
        // file, as `> answer.json` would).
        let qemuOptions = QEMUArguments.Options(hugepagePath: HugepageMount.defaultPath(ramAlign: vm.ramAlign))
        do { try RenderingCheck.checkQEMU(solution.layout, qemuOptions: qemuOptions) } catch { return (times, statistics, "internal error (exit 70): \(error)") }
        let text = LayoutJSON.document(for: solution, qemuOptions: qemuOptions).rendered()
        if let failure = writeAll(Array(text.utf8), to: STDOUT_FILENO) {
            return (times, statistics, "cannot write the layout to standard output: \(failure)")
        }
        let emitted = now()
        times.emit = emitted - solved
        times.total = emitted - started
        // Outside the total: the Fleet that Solver.solve built, timed again for the split.
        let fleetStarted = now()
        _ = try? Fleet(hosts: hosts)
        times.normalize = now() - fleetStarted
        times.model = statistics.modelSeconds
        times.glpk = statistics.glpkSeconds
        times.verify = statistics.verifySeconds
        times.other = max(0, (solved - parsed) - times.normalize - times.model - times.glpk - times.verify)
        let summary = "layout, \(solution.layout.dimmCount) DIMM(s)" + (statistics.hitTimeLimit ? ", time limit hit" : "")
        return (times, statistics, summary)
    }

    /// write(2) until every byte is out, as the command line's OutputFile does; the error text on failure.
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> String? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(descriptor, base + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            offset += written
        }
        return nil
    }

    /// Listing the folder, reading every file and decoding its JSON: what any tool that only looks
    /// at the profiles must pay.
    static func readOnly(hostsFolder: String, vmFile: String) -> Double {
        let started = now()
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: hostsFolder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        var values = 0
        for path in names.map({ (hostsFolder as NSString).appendingPathComponent($0) }) + [vmFile] {
            guard let bytes = try? InputLoader.readBytes(path), let node = try? JSONParser.parse(bytes) else { continue }
            if case .object(let members) = node.value { values += members.count }
        }
        precondition(values > 0, "read nothing from \(hostsFolder)")
        return now() - started
    }
}
