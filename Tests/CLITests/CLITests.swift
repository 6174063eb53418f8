import Foundation
import Testing
import TestSupport

/// The command as a shell user or a CI job runs it.
@Suite("layoutsolve command line")
struct CLITests {
    static let repository = TestRepository.root

    /// The binary SwiftPM built next to the test bundle.
    static let binary: URL = {
        var candidates: [URL] = []
        if let testBinary = CommandLine.arguments.first { candidates.append(URL(fileURLWithPath: testBinary).deletingLastPathComponent()) }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(repository.appendingPathComponent(".build/debug"))
        for folder in candidates {
            var url = folder
            for _ in 0..<3 {
                let binary = url.appendingPathComponent("layoutsolve")
                if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
                url.deleteLastPathComponent()
            }
        }
        fatalError("layoutsolve binary not found near \(candidates)")
    }()

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func run(_ arguments: [String], stdin: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = Self.repository
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self))
    }

    @Test func solvesTheReadmeExample() throws {
        let result = try run(["--hosts", "Profiles/intel-xeon-vtd48.json", "Profiles/amd-epyc-7003.json", "--vm", "Examples/vm/db-64g.json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ram-below-4g") && result.stdout.contains("QEMU arguments:"))
        #expect(result.stdout.contains("ok  amd-epyc-7003") && result.stdout.contains("ok  intel-xeon-vtd48"))
        #expect(result.stdout.contains("-machine pc-q35-7.2"))
        #expect(result.stderr.isEmpty)
    }

    @Test func outputIsByteIdenticalInAnyHostOrder() throws {
        let files = ["Profiles/intel-xeon-vtd48.json", "Profiles/amd-epyc-7003.json", "Profiles/intel-client-39.json", "Profiles/intel-server-rmrr.json"]
        for format in ["text", "json", "qemu"] {
            let forward = try run(["--hosts"] + files + ["--ram", "96G", "--maxmem", "128G", "--slots", "2", "--format", format])
            let backward = try run(["--hosts"] + files.reversed() + ["--ram", "96G", "--maxmem", "128G", "--slots", "2", "--format", format])
            #expect(forward.status == 0 && forward.stdout == backward.stdout)
        }
    }

    @Test func jsonFormatIsTheLayoutSchema() throws {
        let result = try run(["--hosts", "Examples/fleets/mixed-x86/", "--vm", "Examples/vm/hugepage-1g.json", "--format", "json"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["schema"] as? String == "layoutsolve/layout/v1")
        let regions = object?["regions"] as? [[String: Any]] ?? []
        #expect(regions.contains { $0["kind"] as? String == "ram" && $0["start"] as? String == "0x0" })
        let argv = (object?["qemu"] as? [String: Any])?["argv"] as? [String] ?? []
        #expect(argv.first == "-machine")
    }

    @Test func qemuFormatIsOneArgumentPerLine() throws {
        let result = try run(["--hosts", "Profiles/intel-client-39.json", "--ram", "8G", "--format", "qemu"])
        #expect(result.status == 0)
        #expect(result.stdout == "-machine\npc-q35-7.2\n-m\nsize=8G\n-cpu\nhost,host-phys-bits=off,phys-bits=38,vendor=GenuineIntel\n-fw_cfg\nname=opt/ovmf/X-PciMmio64Mb,string=26624\n")
    }

    @Test func badProfileIsExitTwoWithFileAndPathAndNoOutput() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.json")
        try Data("""
            {"schema": "layoutsolve/host/v1", "name": "bad", "arch": "x86_64",
             "cpu": {"vendor": "intel", "phys_bits": 46}, "iommu": {"kind": "intel-vt-d", "address_bits": 48},
             "reserved": [{"start": "0xfee00000", "end": "0xfedfffff", "type": "msi"}]}
            """.utf8).write(to: bad)
        let result = try run(["--hosts", bad.path, "--ram", "4G"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("bad.json:3: $.reserved[0].end") && result.stderr.contains("below start"))
    }

    @Test(arguments: [
        ["--ram", "4G"],
        ["--hosts", "Profiles/intel-client-39.json"],
        ["--hosts", "Profiles/intel-client-39.json", "--ram", "lots"],
        ["--hosts", "Profiles/intel-client-39.json", "--ram", "4G", "--format", "yaml"],
        ["--hosts", "Profiles/intel-client-39.json", "--ram", "4G", "--bogus"],
        ["--hosts", "/nonexistent.json", "--ram", "4G"],
        ["--hosts", "Profiles/", "--ram", "4G"],
        ["--hosts", "Profiles/intel-client-39.json", "--vm", "Profiles/intel-client-39.json"],
        ["--hosts", "Profiles/intel-client-39.json", "--ram", "4G", "--time-limit", "-1"],
    ])
    func usageAndInputErrorsExitTwo(arguments: [String]) throws {
        let result = try run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.isEmpty)
    }

    @Test func infeasibleIsExitOneWithTheConflict() throws {
        let result = try run(["--hosts", "Profiles/intel-client-39.json", "Profiles/amd-epyc-7003.json", "--vm", "Examples/vm/big-1100g.json", "--cpu-vendor", "intel"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("intel-client-39") && result.stderr.contains("1100 GiB"))
    }

    @Test func outputFileIsWrittenWholeOrNotAtAll() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("layout.json")
        let good = try run(["--hosts", "Profiles/intel-xeon-vtd48.json", "--ram", "16G", "--format", "json", "--output", target.path])
        #expect(good.status == 0 && good.stdout.isEmpty)
        let written = try String(contentsOf: target, encoding: .utf8)
        #expect(written.hasSuffix("}\n"))
        let failed = try run(["--hosts", "Profiles/intel-client-39.json", "--ram", "2T", "--format", "json", "--output", target.path])
        #expect(failed.status == 1)
        #expect(try String(contentsOf: target, encoding: .utf8) == written)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["layout.json"])
    }

    @Test func vmSpecFromStandardInput() throws {
        let result = try run(["--hosts", "Profiles/intel-xeon-vtd48.json", "--vm", "-", "--format", "qemu"],
                             stdin: #"{"schema": "layoutsolve/vm/v1", "ram": "6G"}"#)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("size=6G"))
    }

    @Test func helpAndVersionExitZero() throws {
        let help = try run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("Exit codes"))
        let solveHelp = try run(["solve", "--help"])
        #expect(solveHelp.status == 0 && solveHelp.stdout.contains("--hosts"))
        // Issue 16: the tool, its version, the linked GLPK (Debian 12 ships 5.0) and the proven QEMUs.
        let version = try run(["--version"]).stdout
        #expect(version.hasPrefix("layoutsolve 0.1.0\n"))
        #expect(version.contains("\nGLPK 5.0\n"))
        #expect(version.contains("QEMU versions proven by the tests: 7.2, 10.0"))
    }
}
