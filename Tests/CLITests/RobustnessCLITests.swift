import Foundation
import Testing

/// Bad input through the binary, as a provisioning job meets it: exit code 2, one clear message
/// naming the file on standard error, nothing on standard output, and no file (not even half of
/// one, not a temporary one) where `--output` points.
@Suite("layoutsolve command line: robustness")
struct RobustnessCLITests {
    let cli = CLITests()

    static let head = #"{"schema": "layoutsolve/host/v1", "name": "h", "arch": "x86_64", "cpu": {"vendor": "intel", "phys_bits": 46}, "iommu": {"kind": "intel-vt-d", "address_bits": 48}"#

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-robust-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func files(in folder: URL) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }

    @Test(arguments: [
        // (what, profile bytes as text, a fragment of the message)
        ("empty file", "", "the file is empty"),
        ("not JSON", "<host name='h'/>", "not valid JSON"),
        ("wrong shape", #"[{"schema": "layoutsolve/host/v1"}]"#, "expected an object"),
        ("number past 2^64", head + #", "reserved": [{"start": "0x1ffffffffffffffff", "size": "4K", "type": "reserved"}]}"#, "does not fit in 64 bits"),
        ("negative size", head + #", "reserved": [{"start": "0x1000", "size": "-4K", "type": "reserved"}]}"#, "must not be negative"),
        ("size of zero", head + #", "reserved": [{"start": "0x1000", "size": "0", "type": "reserved"}]}"#, "size 0"),
        ("alignment not a power of two", head + #", "programmable": [{"type": "sw-msi", "size": "1M", "align": "6M", "within": {"start": "0x0", "end": "0xffffffff"}}]}"#, "not a power of two"),
        ("deeply nested", #"{"schema": "layoutsolve/host/v1", "name": "#  + String(repeating: "[", count: 100_000), "nested deeper"),
    ])
    func badProfileExitsTwoAndWritesNothing(what: String, text: String, fragment: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let profile = folder.appendingPathComponent("bad.json")
        try Data(text.utf8).write(to: profile)
        let output = folder.appendingPathComponent("layout.json")
        let result = try cli.run(["--hosts", profile.path, "--ram", "4G", "--format", "json", "--output", output.path])
        #expect(result.status == 2, "\(what): \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(what)")
        #expect(result.stderr.hasPrefix("layoutsolve: error: \(profile.path)"), "\(what): \(result.stderr)")
        #expect(result.stderr.contains(fragment), "\(what): \(result.stderr)")
        #expect(try files(in: folder) == ["bad.json"], "\(what)")
    }

    @Test(arguments: [
        ("empty", "", "the file is empty"),
        ("wrong shape", #"{"schema": "layoutsolve/vm/v1", "ram": {"size": "4G"}}"#, "expected a RAM size"),
        ("ram of zero", #"{"schema": "layoutsolve/vm/v1", "ram": "0"}"#, "larger than 0"),
        ("ram past 2^64", #"{"schema": "layoutsolve/vm/v1", "ram": 18446744073709551616}"#, "does not fit in 64 bits"),
        ("negative ram", #"{"schema": "layoutsolve/vm/v1", "ram": "-1G"}"#, "must not be negative"),
        ("ram_align not a power of two", #"{"schema": "layoutsolve/vm/v1", "ram": "6G", "ram_align": "3G"}"#, "power of two"),
    ])
    func badVMSpecExitsTwoFromAFileAndFromStandardInput(what: String, text: String, fragment: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spec = folder.appendingPathComponent("vm.json")
        try Data(text.utf8).write(to: spec)
        let output = folder.appendingPathComponent("out.args")
        for (vm, stdin) in [(spec.path, nil as String?), ("-", text)] {
            let result = try cli.run(["--hosts", "Profiles/intel-xeon-vtd48.json", "--vm", vm, "--format", "qemu", "--output", output.path], stdin: stdin)
            #expect(result.status == 2, "\(what) via \(vm): \(result.stderr)")
            #expect(result.stdout.isEmpty && result.stderr.contains(fragment), "\(what) via \(vm): \(result.stderr)")
        }
        #expect(try files(in: folder) == ["vm.json"])
    }

    @Test(arguments: [
        ["--ram", "16777216T"],
        ["--ram", "99999999999999999999"],
        ["--ram", "-4G"],
        ["--ram", "0"],
        ["--ram", "4.5G"],
        ["--ram", "6G", "--ram-align", "3G"],
        ["--ram", "4G", "--maxmem", "8G", "--slots", "100000"],
        ["--ram", "4G", "--time-limit", "0"],
        ["--ram", "4G", "--time-limit", "nan"],
    ])
    func badFlagsExitTwo(flags: [String]) throws {
        let result = try cli.run(["--hosts", "Profiles/intel-xeon-vtd48.json"] + flags)
        #expect(result.status == 2, "\(flags): \(result.stderr)")
        #expect(result.stdout.isEmpty && !result.stderr.isEmpty, "\(flags)")
    }

    @Test func unreadablePathsEmptyFoldersAndRepeatedFilesExitTwo() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let dangling = folder.appendingPathComponent("dangling.json")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "/nonexistent/profile.json")
        let cases: [([String], String)] = [
            (["--hosts", empty.path], "no *.json"),
            (["--hosts", dangling.path], "no such file"),
            (["--hosts", "Profiles/intel-xeon-vtd48.json/inner.json"], "no such file"),
            (["--hosts", "/dev/null"], "/dev/null"),
            (["--hosts", "Profiles/intel-xeon-vtd48.json", "./Profiles/intel-xeon-vtd48.json"], "the same file is given twice"),
            (["--hosts", "Profiles/", "Profiles/amd-epyc-7003.json"], "the same file is given twice"),
            (["--hosts", "Profiles/intel-xeon-vtd48.json", "--vm", folder.path], "is a folder"),
            (["--hosts", "Profiles/intel-xeon-vtd48.json", "--vm", dangling.path], "no such file"),
        ]
        for (arguments, fragment) in cases {
            let result = try cli.run(arguments + (arguments.contains("--vm") ? [] : ["--ram", "4G"]))
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty && result.stderr.contains(fragment), "\(arguments): \(result.stderr)")
        }
    }

    @Test func aFailedRunLeavesThePreviousAnswerWhole() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("vm.args")
        let good = try cli.run(["--hosts", "Profiles/intel-xeon-vtd48.json", "--ram", "16G", "--format", "qemu", "--output", target.path])
        #expect(good.status == 0 && good.stdout.isEmpty)
        let answer = try Data(contentsOf: target)
        let bad = folder.appendingPathComponent("bad.json")
        try Data("{".utf8).write(to: bad)
        let failures: [([String], Int32)] = [
            (["--hosts", bad.path, "--ram", "16G"], 2),
            (["--hosts", "Profiles/intel-client-39.json", "--ram", "2T"], 1),
            (["--hosts", "Profiles/intel-xeon-vtd48.json", "--ram", "16G", "--ram-align", "3M"], 2),
        ]
        for (arguments, status) in failures {
            let result = try cli.run(arguments + ["--format", "qemu", "--output", target.path])
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(try Data(contentsOf: target) == answer, "\(arguments) touched the previous answer")
            #expect(try files(in: folder) == ["bad.json", "vm.args"], "\(arguments) left a file behind")
        }
        let replaced = try cli.run(["--hosts", "Profiles/intel-xeon-vtd48.json", "--ram", "32G", "--format", "qemu", "--output", target.path])
        #expect(replaced.status == 0)
        #expect(try String(contentsOf: target, encoding: .utf8).contains("size=32G"))
        #expect(try files(in: folder) == ["bad.json", "vm.args"])
    }

    @Test func outputThatCannotBeWrittenIsExitTwoAndLeavesNothing() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let intoMissing = folder.appendingPathComponent("missing/layout.json").path
        let onAFolder = folder.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: onAFolder, withIntermediateDirectories: true)
        for target in [intoMissing, onAFolder.path] {
            let result = try cli.run(["--hosts", "Profiles/intel-xeon-vtd48.json", "--ram", "16G", "--output", target])
            #expect(result.status == 2, "\(target): \(result.stderr)")
            #expect(result.stdout.isEmpty && result.stderr.contains("cannot write the output"), "\(target): \(result.stderr)")
        }
        #expect(try files(in: folder) == ["taken"])
        #expect(try files(in: onAFolder).isEmpty)
    }

    @Test func verifyRejectsAFractionWithNonASCIIDigits() throws {
        // Crashed with a force unwrap (exit 132) before the fix.
        let result = try cli.run(["verify", "--qemu-args", "-M q35 -m 1.½G", "--hosts", "Profiles/intel-xeon-vtd48.json"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stdout.isEmpty && result.stderr.contains("1.½G"), "\(result.stderr)")
    }

    @Test func aProfileOfTwentyThousandRegionsIsAnswered() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let profile = folder.appendingPathComponent("many.json")
        let regions = (0..<20_000).map { #"{"start": "0x\#(String((UInt64(4) << 30) + UInt64($0) << 16, radix: 16))", "size": "4K", "type": "reserved"}"# }
        try Data((Self.head + #", "reserved": ["# + regions.joined(separator: ",\n") + "]}").utf8).write(to: profile)
        let result = try cli.run(["--hosts", profile.path, "--ram", "8G", "--format", "qemu"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("-machine\n"))
    }
}
