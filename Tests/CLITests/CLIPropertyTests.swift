import Foundation
import Testing
import FleetGenerator

/// Random VM specs, host profiles and flags through every command of the built `layoutsolve`
/// (issue 15): whatever the input, the tool exits 0, 1, 2 or 3 with the streams the README
/// promises, and never traps.
///
/// The inputs come from a seeded generator: valid specs and Profiles/ files, and mutations of
/// both (a member deleted or given a hostile value, bytes cut or repeated). A failure prints the
/// seed, the run and the command, so `LAYOUTSOLVE_PROPERTY_SEED=<seed>` replays it;
/// `LAYOUTSOLVE_PROPERTY_RUNS` sets how many commands run (120 by default, 20-50 s on a loaded 2-core machine);
/// `LAYOUTSOLVE_PROPERTY_VERBOSE=1` prints each run's status and first line of standard error.
///
/// The stream rules, as the commands implement them (LayoutsolveCommand.swift, CommandFailure):
/// - every command: the status is 0, 1, 2 or 3; standard error never holds a Swift trap
///   ("Fatal error", a backtrace) or "internal error" (exit 70); a failure's standard error
///   starts with "layoutsolve";
/// - exit 0: standard output is not empty and standard error holds no "error:";
/// - exit 2 (bad input or usage): standard error starts with "layoutsolve: error:", except `lint`,
///   whose exit 2 is also "some profile has findings" (each a "layoutsolve: error:" or, with
///   --strict, "layoutsolve: warning:" line, then a "layoutsolve: lint:" summary);
/// - solve and probe, any failure: standard output is empty (no partial answer);
/// - verify and check, exit 1: the report is on standard output (every host or shape with its
///   verdict) and the verdict line on standard error; check's exit 2 for a shape that parses but
///   is invalid (INVALID in the report) is also a report, with "layoutsolve check:" on standard
///   error, while its usage errors are "layoutsolve: error:" with nothing on standard output;
/// - solve's answer, when it is one, is accepted by `verify` on the same hosts.
@Suite("layoutsolve command line: random inputs through every command")
struct CLIPropertyTests {
    let cli = CLITests()

    @Test func everyCommandKeepsItsExitCodesAndStreams() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["LAYOUTSOLVE_PROPERTY_SEED"].flatMap { UInt64($0) } ?? 0x15_2026
        let runs = environment["LAYOUTSOLVE_PROPERTY_RUNS"].flatMap { Int($0) } ?? 120
        var generator = Generator(seed: seed, repository: CLITests.repository)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("layoutsolve-property-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        var statuses: [String: [Int32: Int]] = [:]
        for index in 0..<runs {
            let run = folder.appendingPathComponent("run\(index)")
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            let invocation = try generator.invocation(in: run)
            let result = try Self.run(invocation.arguments, in: run)
            let context = "seed \(seed), run \(index): layoutsolve \(invocation.arguments.joined(separator: " ")) (files in \(run.path))\nstatus \(result.status)\nstdout: \(result.stdout.prefix(400))\nstderr: \(result.stderr.prefix(600))"
            statuses[invocation.command, default: [:]][result.status, default: 0] += 1
            if environment["LAYOUTSOLVE_PROPERTY_VERBOSE"] != nil {
                print("run \(index): \(invocation.command) exit \(result.status): \(result.stderr.split(separator: "\n").first ?? "")")
            }
            check(result, command: invocation.command, context: context)
            // An answer must pass the tool's own verify on the same hosts.
            if result.status == 0, let format = invocation.solveFormat, format == "qemu" || format == "json" {
                let verify = try roundTrip(result.stdout, format: format, invocation: invocation, in: run)
                #expect(verify.status == 0, "verify refuses solve's answer:\n\(context)\nverify: \(verify.stdout.prefix(400)) \(verify.stderr.prefix(400))")
                check(verify, command: "verify", context: context + "\n(the verify of its answer)")
            }
            try? FileManager.default.removeItem(at: run)
        }
        print("CLIPropertyTests: seed \(seed), \(runs) runs; exit statuses by command: \(statuses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.sorted { $0.key < $1.key })" }.joined(separator: "; "))")
        // The generator must reach both sides of every command, or the property says little.
        #expect(statuses["solve"]?[0] ?? 0 > 0 && statuses["solve"]?[2] ?? 0 > 0, "\(statuses)")
        #expect(statuses["check"].map { $0.keys.count >= 2 } ?? false, "\(statuses)")
        #expect(statuses["verify"].map { $0.keys.count >= 2 } ?? false, "\(statuses)")
    }

    func check(_ result: Outcome, command: String, context: String) {
        let stderr = result.stderr, stdout = result.stdout
        #expect(!result.timedOut, "no answer within \(Self.timeout) s:\n\(context)")
        #expect([0, 1, 2, 3].contains(result.status), "exit status outside 0...3:\n\(context)")
        for trap in ["Fatal error", "Backtrace", "Stack dump", "internal error", "Assertion failed", "Precondition failed"] {
            #expect(!stderr.contains(trap) && !stdout.contains(trap), "\"\(trap)\":\n\(context)")
        }
        switch result.status {
        case 0:
            #expect(!stdout.isEmpty, "exit 0 with nothing on standard output:\n\(context)")
            #expect(!stderr.contains("error:"), "exit 0 with an error on standard error:\n\(context)")
        default:
            #expect(stderr.hasPrefix("layoutsolve"), "a failure whose standard error does not start with layoutsolve:\n\(context)")
            if result.status == 2 {
                if command == "lint" {
                    // A usage error, or findings (errors; with --strict warnings too) and the summary line.
                    #expect(stderr.hasPrefix("layoutsolve: error:") || (stderr.hasPrefix("layoutsolve: ") && stderr.contains("layoutsolve: lint:")), "lint's exit 2 without its findings:\n\(context)")
                    #expect(stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("ok ") }, "lint printed more than ok lines:\n\(context)")
                } else if !(command == "check" && stderr.hasPrefix("layoutsolve check:")) {
                    #expect(stderr.hasPrefix("layoutsolve: error:"), "exit 2 without \"layoutsolve: error:\":\n\(context)")
                }
            }
            switch command {
            case "solve", "probe":
                #expect(stdout.isEmpty, "partial output on a failure:\n\(context)")
            case "verify" where result.status == 1:
                #expect(stdout.contains("FAIL") || stdout.contains("\"fits\": false"), "verify's exit 1 without a failing host on standard output:\n\(context)")
                #expect(stderr.hasPrefix("layoutsolve: the VM does not fit"), "verify's exit 1 without its verdict:\n\(context)")
            case "check" where result.status == 1 || stderr.hasPrefix("layoutsolve check:"):
                // A report: exit 1 for a shape that does not fit or a lint error, exit 2 for a shape
                // that parses but the solver refuses (CheckReport.exitCode: "INVALID").
                #expect(!stdout.isEmpty && stderr.hasPrefix("layoutsolve check:"), "check's exit \(result.status) without its report:\n\(context)")
            case "verify", "check":
                #expect(stdout.isEmpty, "partial output on exit \(result.status):\n\(context)")
            default:
                break
            }
        }
    }

    /// solve's answer through verify: `-f qemu` as --qemu-args, `-f json` as --layout.
    func roundTrip(_ answer: String, format: String, invocation: Invocation, in folder: URL) throws -> Outcome {
        var arguments = ["verify", "--hosts"] + invocation.hostFiles
        if format == "qemu" {
            arguments += ["--qemu-args", answer.split(separator: "\n").map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")]
            if let qemu = invocation.qemuVersion { arguments += ["--qemu", qemu] }
            if invocation.p2p { arguments.append("--p2p") }
        } else {
            let file = folder.appendingPathComponent("answer.layout.json")
            try Data(answer.utf8).write(to: file)
            arguments += ["--layout", file.path]
        }
        if invocation.strictRelaxable { arguments.append("--strict-relaxable") }
        return try Self.run(arguments, in: folder)
    }

    // MARK: running with a timeout

    static let timeout: TimeInterval = 30

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    /// Runs the binary with standard input empty and its output in files (a pipe could fill and
    /// block it); kills it after `timeout` seconds.
    static func run(_ arguments: [String], in folder: URL) throws -> Outcome {
        let out = folder.appendingPathComponent("stdout"), err = folder.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        defer { try? outHandle.close(); try? errHandle.close() }
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = arguments
        process.currentDirectoryURL = CLITests.repository
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outHandle
        process.standardError = errHandle
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            process.terminate()
            if done.wait(timeout: .now() + 5) == .timedOut { kill(process.processIdentifier, SIGKILL); done.wait() }
        }
        return Outcome(
            status: process.terminationStatus,
            stdout: String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self),
            timedOut: timedOut)
    }
}

/// One command line and what the round trip through verify needs to know about it.
struct Invocation {
    var command: String
    var arguments: [String]
    var hostFiles: [String] = []
    var solveFormat: String?
    var qemuVersion: String?
    var p2p = false
    var strictRelaxable = false
}

struct Generator {
    var random: SplitMix64
    let profiles: [(name: String, text: String, arch: String)]
    let specs: [String]
    /// The architecture of the last hosts chosen ("x86_64", "aarch64", "other").
    var arch = "x86_64"
    /// Whether this invocation's flags may be ones the tool must refuse; otherwise they are valid.
    var hostile = false

    init(seed: UInt64, repository: URL) {
        random = SplitMix64(seed: seed)
        let profileFolder = repository.appendingPathComponent("Profiles")
        let profileFiles = ((try? FileManager.default.contentsOfDirectory(atPath: profileFolder.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        profiles = profileFiles.compactMap { file in
            guard let text = try? String(contentsOf: profileFolder.appendingPathComponent(file), encoding: .utf8) else { return nil }
            let arch = text.contains("\"aarch64\"") ? "aarch64" : text.contains("\"x86_64\"") ? "x86_64" : "other"
            return (file, text, arch)
        }
        let vmFolder = repository.appendingPathComponent("Examples/vm")
        specs = ((try? FileManager.default.contentsOfDirectory(atPath: vmFolder.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            .compactMap { try? String(contentsOf: vmFolder.appendingPathComponent($0), encoding: .utf8) }
    }

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

    static let validSizes = ["1G", "2G", "3G", "4G", "4076M", "6G", "16G", "64G", "128G", "512G", "1100G", "3T", "0x100000000"]
    static let hostileSizes = ["0", "1M", "-4G", "16GB", "4k", "16384", "18446744073709551615", "99999999999999999999G", "", "two", "3M"]
    static let versions = ["7.2", "8.0", "8.2", "9.0", "9.2", "10.0", "6.2", "7", "x"]

    /// A size flag's value: usually one a user would give, sometimes one the tool must refuse.
    mutating func size() -> String { hostile && chance(40) ? pick(Self.hostileSizes) : pick(Self.validSizes) }
    /// One of the valid values, or in a hostile invocation sometimes one of the others.
    mutating func value(_ valid: [String], _ invalid: [String]) -> String { hostile && chance(40) ? pick(invalid) : pick(valid) }

    // MARK: documents

    /// A VM spec: an example or a generated one, often mutated.
    mutating func vmSpec() -> String {
        var text: String
        if chance(40), !specs.isEmpty {
            text = pick(specs)
        } else {
            var members: [(String, Any)] = [("schema", "layoutsolve/vm/v1")]
            if chance(90) { members.append(("machine", chance(95) ? (arch == "aarch64" ? "virt" : pick(["q35", "q35", "pc"])) : pick(["q35", "pc", "virt"]))) }
            members.append(("ram", pick(["2G", "4G", "8G", "16G", "64G", "4076M", "1100G"])))
            if chance(30) {
                // QEMU needs maxmem with slots, and maxmem at least ram.
                members.append(("maxmem", pick(["128G", "1T", "2T"])))
                if chance(70) { members.append(("slots", pick([0, 2, 4, 16]))) }
            }
            if chance(15) { members.append(("ram_align", pick(["2M", "1G"]))) }
            if chance(15) { members.append(("pci_hole64", pick(["32G", "64G", "1T"]))) }
            if chance(10) { members.append(("pci_hole32", pick(["0", "512M", "1G"]))) }
            if chance(20) { members.append(("qemu", pick(["7.2", "8.2", "9.0", "10.0"]))) }
            if chance(15) { members.append(("p2p", true)) }
            if chance(10) { members.append(("cpu_vendor", pick(["intel", "amd"]))) }
            if chance(10) { members.append(("viommu", "virtio-iommu")) }
            if chance(10) { members.append(("hotplug", [["count": pick([1, 2]), "size": pick(["1G", "4G"])]])) }
            if chance(5) { members.append(("memory_block_size", pick(["128M", "1G"]))) }
            text = "{" + members.map { "\"\($0.0)\": \(Self.literal($0.1))" }.joined(separator: ", ") + "}\n"
        }
        return chance(20) ? mutated(text) : text
    }

    /// 1-3 profiles of one architecture (sometimes mixed), sometimes mutated.
    mutating func hostProfiles() -> [String] {
        arch = chance(80) ? "x86_64" : pick(["aarch64", "other"])
        var pool = profiles.filter { $0.arch == arch }
        if pool.isEmpty || chance(5) { pool = profiles }
        var chosen: [String] = []
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let profile = pick(pool)
            if !chosen.contains(profile.text) { chosen.append(profile.text) }
        }
        return chosen.map { chance(12) ? mutated($0) : $0 }
    }

    /// One change to a JSON document: a member removed or given a hostile value, or its bytes
    /// cut or repeated.
    mutating func mutated(_ text: String) -> String {
        if chance(70), let data = text.data(using: .utf8), var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], !object.isEmpty {
            let key = pick(object.keys.sorted())
            if chance(25) {
                object[key] = nil
            } else if var array = object[key] as? [Any], !array.isEmpty, chance(60) {
                // Inside an array of objects (reserved regions, hotplug): one member of one element.
                let index = Int.random(in: 0..<array.count, using: &random)
                if var element = array[index] as? [String: Any], !element.isEmpty {
                    element[pick(element.keys.sorted())] = hostileValue()
                    array[index] = element
                } else {
                    array[index] = hostileValue()
                }
                if chance(20) { array += array }
                object[key] = array
            } else {
                object[key] = hostileValue()
            }
            guard let written = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return text }
            return String(decoding: written, as: UTF8.self)
        }
        let bytes = Array(text.utf8)
        guard bytes.count > 2 else { return text }
        let start = Int.random(in: 0..<bytes.count, using: &random)
        let end = min(bytes.count, start + Int.random(in: 1...40, using: &random))
        switch Int.random(in: 0..<3, using: &random) {
        case 0: return String(decoding: bytes[..<start] + bytes[end...], as: UTF8.self)
        case 1: return String(decoding: bytes[..<end] + bytes[start...], as: UTF8.self)
        default: return String(decoding: bytes[..<start], as: UTF8.self)
        }
    }

    mutating func hostileValue() -> Any {
        pick([
            "0", "-1", "4G", "0xffffffffffffffff", "0x10000000000000000", " 0x100000000", "4k", "1e3", "", String(repeating: "9", count: 300),
            "0xfee00000-0xfeefffff", "0xfeefffff-0xfee00000", "msi", "reserved", "direct-relaxable", "aarch64", "x86_64", "s390x",
            0, -1, 1, 32, 39, 46, 48, 52, 57, 64, 65, 4096, 1.5, true, NSNull(), [Any](), [String: Any](),
        ] as [Any])
    }

    /// A member of the JSON object in a file, when the file is one.
    static func member(_ key: String, of file: String) -> Any? {
        guard let data = FileManager.default.contents(atPath: file), let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        return object[key]
    }

    static func literal(_ value: Any) -> String {
        if let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) {
            return String(decoding: data, as: UTF8.self).dropFirst().dropLast().description
        }
        return "null"
    }

    // MARK: command lines

    mutating func invocation(in folder: URL) throws -> Invocation {
        let hostTexts = hostProfiles()
        var hostFiles: [String] = []
        for (index, text) in hostTexts.enumerated() {
            let file = folder.appendingPathComponent("host\(index).json")
            try Data(text.utf8).write(to: file)
            hostFiles.append(file.path)
        }
        let vmFile = folder.appendingPathComponent("vm.json")
        try Data(vmSpec().utf8).write(to: vmFile)
        let roll = Int.random(in: 0..<100, using: &random)
        switch roll {
        case 0..<55: return solve(hostFiles: hostFiles, vmFile: vmFile.path, folder: folder)
        case 55..<72: return verify(hostFiles: hostFiles, folder: folder)
        case 72..<87:
            var arguments = ["check", "--hosts"] + hostFiles + ["--vms", vmFile.path, "--time-limit", "5"]
            if chance(30) { arguments += ["-f", pick(["json", "github", "text", "xml"])] }
            if chance(20) { arguments.append("--strict") }
            if chance(20) { arguments.append("--pools") }
            if chance(10) { arguments += ["--junit", folder.appendingPathComponent("junit.xml").path] }
            return Invocation(command: "check", arguments: arguments)
        case 87..<96:
            var arguments = ["lint"] + hostFiles
            if chance(30) { arguments.append("--strict") }
            if chance(20) { arguments.append("--allow-partial") }
            return Invocation(command: "lint", arguments: arguments)
        default:
            var arguments = ["probe", "--root", folder.appendingPathComponent(pick(["missing", "missing.tar.gz"])).path]
            if chance(30) { arguments += ["--ipa-bits", pick(["40", "48", "0", "x"])] }
            if chance(20) { arguments.append("--partial") }
            return Invocation(command: "probe", arguments: arguments)
        }
    }

    mutating func solve(hostFiles: [String], vmFile: String, folder: URL) -> Invocation {
        var arguments = ["solve", "--hosts"] + hostFiles
        hostile = chance(35)
        var invocation = Invocation(command: "solve", arguments: [], hostFiles: hostFiles)
        if chance(70) { arguments += ["--vm", vmFile] }
        if !arguments.contains("--vm") || chance(25) { arguments += ["--ram", size()] }
        if chance(20) { arguments += ["--machine", value(arch == "aarch64" ? ["virt"] : ["q35", "pc"], ["microvm", "Q35", "", "virt", "pc"])] }
        if chance(20) {
            arguments += ["--maxmem", hostile ? size() : pick(["128G", "1T", "4T"])]
            if chance(60) { arguments += ["--slots", value(["0", "2", "4"], ["300", "-1"])] }
        }
        if chance(10) { arguments += ["--pci-hole64", size()] }
        if chance(10) { arguments += ["--pci-hole32", value(["0", "512M", "1G"], ["3G", "4G"])] }
        if chance(10) { arguments += ["--ram-align", value(["2M", "1G"], ["3M", "4k"])] }
        if chance(10) { arguments += ["--cpu-vendor", value(["intel", "amd"], ["via"])] }
        if chance(15) {
            let version = value(["7.2", "8.0", "8.2", "9.0", "9.2", "10.0"], ["6.2", "7", "x"])
            arguments += ["--qemu", version]
            invocation.qemuVersion = version
        } else if arguments.contains("--vm"), let version = Self.member("qemu", of: vmFile) as? String {
            invocation.qemuVersion = version
        }
        if chance(10) { arguments.append("--p2p") }
        if chance(10) {
            arguments.append("--strict-relaxable")
            invocation.strictRelaxable = true
        }
        if chance(10) { arguments += ["--vcpus", value(["1", "4"], ["0"])] }
        if chance(10) { arguments += ["--svg", folder.appendingPathComponent("map.svg").path] }
        if chance(5) { arguments += ["--color", pick(["always", "never"])] }
        arguments += ["--time-limit", "5"]
        if chance(85) {
            let format = pick(["text", "json", "qemu", "qemu", "json", "libvirt"])
            arguments += ["-f", format]
            invocation.solveFormat = format
        } else {
            invocation.solveFormat = "text"
        }
        // The VM's p2p, for the round trip: from the flag, or from the file.
        invocation.p2p = arguments.contains("--p2p") || (arguments.contains("--vm") && Self.member("p2p", of: vmFile) as? Bool == true)
        invocation.arguments = arguments
        return invocation
    }

    mutating func verify(hostFiles: [String], folder: URL) -> Invocation {
        var line = [pick(["-M q35", "-machine pc", "-M virt", "-M pc-q35-9.2", "-machine type=q35", "-M microvm", ""])]
        line.append("-m " + pick(["4G", "16G", "64G,slots=4,maxmem=128G", "600G", "4080M", "size=8G", "0", "1T,maxmem=2T,slots=2", "x"]))
        if chance(70) { line.append("-cpu " + pick(["host", "host,host-phys-bits=on", "qemu64", "max,phys-bits=52", "host,vendor=AuthenticAMD"])) }
        if chance(20) { line.append(pick(["-object memory-backend-ram,id=m0,size=4G", "-numa node,memdev=m0", "-device pc-dimm,memdev=m0", "'unterminated"])) }
        var arguments = ["verify", "--hosts"] + hostFiles + ["--qemu-args", line.joined(separator: " ")]
        if chance(20) { arguments += ["--qemu", pick(Self.versions)] }
        if chance(20) { arguments += ["-f", pick(["json", "text", "yaml"])] }
        if chance(10) { arguments.append("--p2p") }
        return Invocation(command: "verify", arguments: arguments, hostFiles: hostFiles)
    }
}
