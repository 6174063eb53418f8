import FleetGenerator
import Foundation
import LayoutSolver

/// layoutsolve's benchmark harness (not a test): realistic fleets written to files, each case in
/// its own process so peak memory is the case's own, stages timed with the monotonic clock.
///
///     LayoutBench [--profiles DIR] [--quick] [--only TEXT] [--markdown] [--regions N] [--time-limit S]
///     LayoutBench case --hosts DIR --vm FILE [--reps N] [--time-limit S]     (one case; used by the above)
///     LayoutBench stress [--cases N] [--seed S] [--time-limit S]               (random hard instances)
struct Options {
    var profiles = "Profiles"
    var quick = false
    var only: [String] = []
    var markdown = false
    var regions = 1_000_000
    var timeLimit = 30.0
    var keep = false
}

struct FleetShape {
    var label: String
    var hosts: Int
    var extraHolesPerHost = 0
    var mix = FleetGenerator.serverMix
    /// A single profile with this many 4 KiB regions instead of generated hosts.
    var regions = 0
}

struct VMShape {
    var label: String
    var ram: String
    var maxmem: String?
    var slots: Int?
    var vendor: String?
}

struct BenchCase {
    var fleet: FleetShape
    var vm: VMShape
    var repetitions: Int
    var name: String { "\(fleet.label) / \(vm.label)" }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("LayoutBench: \(message)\n".utf8))
    exit(2)
}

func value(after flag: String, in arguments: inout ArraySlice<String>) -> String {
    guard let next = arguments.popFirst() else { fail("\(flag) needs a value") }
    return next
}

// MARK: - one case (child process)

func runCase(_ arguments: ArraySlice<String>) -> Never {
    var arguments = arguments
    var hosts: String?, vm: String?, repetitions = 3, timeLimit = 30.0
    while let flag = arguments.popFirst() {
        switch flag {
        case "--hosts": hosts = value(after: flag, in: &arguments)
        case "--vm": vm = value(after: flag, in: &arguments)
        case "--reps": repetitions = Int(value(after: flag, in: &arguments)) ?? 3
        case "--time-limit": timeLimit = Double(value(after: flag, in: &arguments)) ?? 30
        default: fail("unknown option \(flag)")
        }
    }
    guard let hosts, let vm else { fail("case needs --hosts and --vm") }
    let result = CaseRunner.run(hostsFolder: hosts, vmFile: vm, repetitions: max(1, repetitions), timeLimit: timeLimit)
    print("RESULT " + result.line)
    exit(0)
}

// MARK: - the suite (parent process)

func cases(_ options: Options) -> [BenchCase] {
    let one = FleetShape(label: "1 host", hosts: 1, mix: [("intel-xeon-vtd48", 1)])
    let hundred = FleetShape(label: "100 hosts", hosts: 100)
    let tenThousand = FleetShape(label: "10,000 hosts", hosts: 10_000)
    let holes = FleetShape(label: "2,000 holes", hosts: 200, extraHolesPerHost: 10)
    let vms = [
        VMShape(label: "4G", ram: "4G"),
        VMShape(label: "64G+hotplug", ram: "64G", maxmem: "128G", slots: 4),
        VMShape(label: "512G", ram: "512G"),
        VMShape(label: "2T+hotplug", ram: "2T", maxmem: "2304G", slots: 8, vendor: "intel"),
    ]
    var list: [BenchCase] = []
    for fleet in [one, hundred, tenThousand, holes] {
        for vm in vms {
            let repetitions: Int
            switch fleet.hosts {
            case ..<101: repetitions = options.quick ? 3 : 7
            case ..<1_000: repetitions = options.quick ? 1 : 3
            default: repetitions = options.quick ? 1 : 2
            }
            list.append(BenchCase(fleet: fleet, vm: vm, repetitions: repetitions))
        }
    }
    if options.regions > 0 {
        let label = options.regions == 1_000_000 ? "10^6 regions" : "\(options.regions) regions"
        list.append(BenchCase(fleet: FleetShape(label: label, hosts: 1, regions: options.regions), vm: vms[0], repetitions: 1))
    }
    if !options.only.isEmpty {
        list = list.filter { bench in options.only.contains { bench.name.localizedCaseInsensitiveContains($0) } }
    }
    return list
}

func runSuite(_ options: Options) {
    let list = cases(options)
    guard !list.isEmpty else { fail("no case matches --only \(options.only)") }
    let root = NSTemporaryDirectory() + "layoutbench-\(getpid())"
    defer { if !options.keep { try? FileManager.default.removeItem(atPath: root) } }
    var folders: [String: String] = [:]
    let generationStarted = now()
    for bench in list where folders[bench.fleet.label] == nil {
        let folder = root + "/fleet-\(folders.count)"
        do {
            if bench.fleet.regions > 0 {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                // 64 KiB apart: a million distinct holes, and gaps too small for any RAM between them.
                let bytes = FleetGenerator.manyRegionsProfile(name: "many-regions", count: bench.fleet.regions, stride: 64 << 10)
                guard FileManager.default.createFile(atPath: folder + "/many-regions.json", contents: Data(bytes)) else { fail("cannot write under \(folder)") }
            } else {
                var generator = try FleetGenerator(profilesFolder: options.profiles, mix: bench.fleet.mix)
                _ = try generator.write(hosts: bench.fleet.hosts, to: folder, extraHolesPerHost: bench.fleet.extraHolesPerHost)
            }
        } catch {
            fail("cannot generate \(bench.fleet.label): \(error)")
        }
        folders[bench.fleet.label] = folder
    }
    FileHandle.standardError.write(Data(String(format: "generated %d fleet(s) in %.1f s under %@\n", folders.count, now() - generationStarted, root).utf8))

    var rows: [(BenchCase, CaseResult)] = []
    for (index, bench) in list.enumerated() {
        let vmFile = root + "/vm-\(index).json"
        let vm = bench.vm
        let spec = FleetGenerator.vmSpec(name: String(vm.label.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }), ram: vm.ram, maxmem: vm.maxmem, slots: vm.slots, cpuVendor: vm.vendor)
        guard FileManager.default.createFile(atPath: vmFile, contents: Data(spec.utf8)) else { fail("cannot write \(vmFile)") }
        FileHandle.standardError.write(Data("[\(index + 1)/\(list.count)] \(bench.name) ...".utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        guard let folder = folders[bench.fleet.label] else { fail("no fleet folder for \(bench.fleet.label)") }
        process.arguments = ["case", "--hosts", folder, "--vm", vmFile, "--reps", "\(bench.repetitions)", "--time-limit", "\(options.timeLimit)"]
        let output = Pipe()
        process.standardOutput = output
        do { try process.run() } catch { fail("cannot start a case: \(error)") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0,
              let line = text.split(separator: "\n").last(where: { $0.hasPrefix("RESULT ") }),
              let result = CaseResult(line: String(line.dropFirst(7))) else {
            FileHandle.standardError.write(Data(" failed (status \(process.terminationStatus))\n".utf8))
            var failed = CaseResult()
            failed.outcome = "crashed (status \(process.terminationStatus))"
            rows.append((bench, failed))
            continue
        }
        FileHandle.standardError.write(Data(String(format: " %.3f s\n", result.times.total).utf8))
        rows.append((bench, result))
    }
    print(Report.table(rows, markdown: options.markdown))
}

enum Report {
    static func seconds(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        return value < 10 ? String(format: "%.4f", value) : String(format: "%.1f", value)
    }

    static func table(_ rows: [(BenchCase, CaseResult)], markdown: Bool) -> String {
        let header = ["hosts", "holes", "VM", "parse", "normalize", "model", "GLPK", "verify", "other", "emit", "total", "read-only", "ratio", "python", "÷python", "rows×cols (bin)", "peak MiB", "result"]
        var table: [[String]] = [header]
        for (bench, result) in rows {
            let t = result.times
            let ratio = result.readOnly > 0 && t.total.isFinite ? String(format: "%.2f", t.total / result.readOnly) : "-"
            let pythonRatio = result.python > 0 && t.total.isFinite ? String(format: "%.2f", t.total / result.python) : "-"
            table.append([
                bench.fleet.regions > 0 ? bench.fleet.label : String(bench.fleet.hosts), String(result.distinctHoles), bench.vm.label,
                seconds(t.parse), seconds(t.normalize), seconds(t.model), seconds(t.glpk), seconds(t.verify), seconds(t.other),
                seconds(t.emit), seconds(t.total), seconds(result.readOnly), ratio, seconds(result.python), pythonRatio,
                "\(result.rows)×\(result.columns) (\(result.binaries))", String(format: "%.0f", result.peakMiB), result.outcome,
            ])
        }
        if markdown {
            return table.enumerated().map { index, row in
                "| " + row.joined(separator: " | ") + " |" + (index == 0 ? "\n|" + String(repeating: "---|", count: row.count) : "")
            }.joined(separator: "\n")
        }
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        return table.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

// MARK: - entry

var arguments = CommandLine.arguments.dropFirst()
if arguments.first == "case" {
    runCase(arguments.dropFirst())
}
if arguments.first == "stress" {
    Stress.run(arguments.dropFirst())
}
var options = Options()
while let flag = arguments.popFirst() {
    switch flag {
    case "--profiles": options.profiles = value(after: flag, in: &arguments)
    case "--quick": options.quick = true
    case "--only": options.only.append(value(after: flag, in: &arguments))
    case "--markdown": options.markdown = true
    case "--regions": options.regions = Int(value(after: flag, in: &arguments)) ?? 1_000_000
    case "--time-limit": options.timeLimit = Double(value(after: flag, in: &arguments)) ?? 30
    case "--keep": options.keep = true
    case "--help", "-h":
        print("""
            usage: LayoutBench [--profiles DIR] [--quick] [--only TEXT]... [--markdown] [--regions N] [--time-limit S] [--keep]
            Generates fleets from the platform profiles in DIR (default Profiles), runs each case in its own
            process and prints wall time by stage, the read-only baseline, MIP size and peak memory.
            --regions 0 skips the one-profile-with-N-regions case.
            """)
        exit(0)
    default: fail("unknown option \(flag) (see --help)")
    }
}
runSuite(options)
