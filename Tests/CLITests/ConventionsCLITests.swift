import Foundation
import Testing

/// Input and option conventions (issue 16): `-` is standard input once, short options, unknown
/// commands and values named with the closest, one `error:` prefix, one rule for bare sizes,
/// messages naming the real source and saying how to fix.
@Suite("layoutsolve command-line conventions")
struct ConventionsCLITests {
    let cli = CLITests()
    static let host = "Profiles/amd-epyc-7003.json"

    @Test func unknownCommandIsNamedWithTheClosest() throws {
        let result = try cli.run(["chek", "--hosts", Self.host])
        #expect(result.status == 2)
        #expect(result.stderr == "layoutsolve: error: unknown command \"chek\"; did you mean check? (commands: solve, verify, check, probe, lint, rehearse; without one, solve runs)\n")
        #expect(try cli.run(["frobnicate"]).stderr.contains("unknown command \"frobnicate\" (commands:"))
    }

    @Test func unknownFormatValueIsNamedWithTheClosest() throws {
        let result = try cli.run(["--hosts", Self.host, "--ram", "4G", "-f", "jsn"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("layoutsolve: error: -f: unknown value \"jsn\"; expected text, json, qemu, libvirt; did you mean json?\n")
            || result.stderr.hasPrefix("layoutsolve: error: --format: unknown value \"jsn\"; expected text, json, qemu, libvirt; did you mean json?\n"), "\(result.stderr)")
        let check = try cli.run(["check", "--hosts", Self.host, "--vms", "Examples/vm/small-4g.json", "--format", "junit"])
        #expect(check.status == 2 && check.stderr.hasPrefix("layoutsolve: error: --format: unknown value \"junit\"; expected text, json, github"), "\(check.stderr)")
    }

    @Test func everyErrorStartsWithOnePrefix() throws {
        for arguments in [["--ram", "4G"], ["--hosts", Self.host], ["--hosts", Self.host, "--ram", "4G", "--slots", "x"], ["probe", "--groups"]] {
            let result = try cli.run(arguments)
            #expect(result.status == 2)
            #expect(result.stderr.hasPrefix("layoutsolve: error: "), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("Error:"), "\(arguments): \(result.stderr)")
        }
    }

    @Test func shortOptionsForOutputAndFormat() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-conventions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("vm.args").path
        let short = try cli.run(["--hosts", Self.host, "--ram", "4G", "-f", "qemu", "-o", file])
        let long = try cli.run(["--hosts", Self.host, "--ram", "4G", "--format", "qemu"])
        #expect(short.status == 0 && long.status == 0, "\(short.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == long.stdout)
    }

    @Test func hostsAndVMFromStandardInput() throws {
        let profile = try String(contentsOf: CLITests.repository.appendingPathComponent(Self.host), encoding: .utf8)
        let fromStdin = try cli.run(["--hosts", "-", "--ram", "4G", "-f", "json"], stdin: profile)
        let fromFile = try cli.run(["--hosts", Self.host, "--ram", "4G", "-f", "json"])
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
        // The profile's source file is recorded as <stdin>; everything else is the same layout.
        #expect(fromStdin.stdout.replacingOccurrences(of: "<stdin>", with: Self.host) == fromFile.stdout)

        let vm = try String(contentsOf: CLITests.repository.appendingPathComponent("Examples/vm/small-4g.json"), encoding: .utf8)
        let vmStdin = try cli.run(["--hosts", Self.host, "--vm", "-", "-f", "qemu"], stdin: vm)
        let vmFile = try cli.run(["--hosts", Self.host, "--vm", "Examples/vm/small-4g.json", "-f", "qemu"])
        #expect(vmStdin.status == 0 && vmStdin.stdout == vmFile.stdout, "\(vmStdin.stderr)")

        let broken = try cli.run(["--hosts", Self.host, "--vm", "-"], stdin: "{\"schema\": \"layoutsolve/vm/v1\",}")
        #expect(broken.stderr.hasPrefix("layoutsolve: error: <stdin>:1: "), "\(broken.stderr)")

        let twice = try cli.run(["--hosts", "-", "--vm", "-"], stdin: profile)
        #expect(twice.status == 2)
        #expect(twice.stderr == "layoutsolve: error: --hosts and --vm: standard input (-) can be read once, but it is named 2 times; give the others as files\n")
    }

    @Test func bareNumbersAndDecimalUnitsOnSizeFlagsAreRefusedWithTheFix() throws {
        let bare = try cli.run(["--hosts", Self.host, "--ram", "16384"])
        #expect(bare.status == 2)
        #expect(bare.stderr == "layoutsolve: error: --ram: 16384 has no unit; write 16384M (16G) for MiB as QEMU's -m means, or a hexadecimal 0x... for bytes\n")
        let gigabytes = try cli.run(["--hosts", Self.host, "--ram", "8G", "--maxmem", "16GB"])
        #expect(gigabytes.stderr == "layoutsolve: error: --maxmem: 16GB: write 16G; units are binary (G = GiB), as in QEMU, and GB could mean a power of ten\n")
        let mebibytes = try cli.run(["--hosts", Self.host, "--ram", "16384M", "-f", "qemu"])
        let gibibytes = try cli.run(["--hosts", Self.host, "--ram", "16G", "-f", "qemu"])
        #expect(mebibytes.status == 0 && mebibytes.stdout == gibibytes.stdout)
        #expect(try cli.run(["--hosts", Self.host, "--ram", "0x400000000", "-f", "qemu"]).stdout == gibibytes.stdout)
        #expect(try cli.run(["--hosts", Self.host, "--ram", "4G", "--pci-hole32", "0"]).status == 0)
    }

    @Test func aFlagOverrideIsBlamedNotTheVMFile() throws {
        let result = try cli.run(["--hosts", Self.host, "--vm", "Examples/vm/db-64g.json", "--ram", "3M"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("layoutsolve: error: --ram: ram 3 MiB is not a multiple of the placement granule 2 MiB"), "\(result.stderr)")
        let maxmem = try cli.run(["--hosts", Self.host, "--ram", "8G", "--maxmem", "4G"])
        #expect(maxmem.stderr.hasPrefix("layoutsolve: error: --maxmem: "), "\(maxmem.stderr)")
    }

    @Test func messagesSayHowToFix() throws {
        let arm = try cli.run(["--hosts", "Profiles/arm64-smmuv3.json", "--ram", "4G"])
        #expect(arm.status == 2)
        #expect(arm.stderr.hasSuffix("\nhint: these hosts are aarch64: give --machine virt (or \"machine\": \"virt\" in the VM spec)\n"), "\(arm.stderr)")

        let profile = try String(contentsOf: CLITests.repository.appendingPathComponent(Self.host), encoding: .utf8)
        let typo = try cli.run(["lint", "-"], stdin: profile.replacingOccurrences(of: "\"address_bits\"", with: "\"adress_bits\""))
        #expect(typo.stdout.contains("$.iommu.adress_bits: unknown member \"adress_bits\"; did you mean \"address_bits\"?") || typo.stderr.contains("did you mean \"address_bits\"?"), "\(typo.stdout)\(typo.stderr)")

        let none = try cli.run(["--hosts", "Profiles/intel-client-39.json", "--ram", "2T"])
        #expect(none.status == 1)
        #expect(none.stderr.hasSuffix("\nhint: layoutsolve check --hosts Profiles/intel-client-39.json --vms VM.json --pools splits these hosts into the fewest groups that each share one layout\n"), "\(none.stderr)")
    }

    @Test func requestPathsResolveAgainstTheRequestFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-request-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("fleet"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: CLITests.repository.appendingPathComponent(Self.host), to: folder.appendingPathComponent("fleet/a.json"))
        try FileManager.default.copyItem(at: CLITests.repository.appendingPathComponent("Examples/vm/small-4g.json"), to: folder.appendingPathComponent("vm.json"))
        let request = folder.appendingPathComponent("request.json")
        try Data(#"{"schema": "layoutsolve/request/v1", "hosts": ["fleet/"], "vm": "vm.json"}"#.utf8).write(to: request)
        // The tests run in the repository, where fleet/ and vm.json do not exist.
        let result = try cli.run(["--request", request.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"schema\": \"layoutsolve/layout/v1\""))
    }

    @Test func topLevelHelpShowsTheDefaultCommandsOptions() throws {
        let result = try cli.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("SUBCOMMANDS:") && result.stdout.contains("WITHOUT A COMMAND, solve runs"))
        #expect(result.stdout.contains("--ram <ram>") && result.stdout.contains("-o, --output <file>") && result.stdout.contains("-f, --format <format>"))
    }

    /// Help examples are whole commands: ArgumentParser wraps at 80 columns, so an example line
    /// longer than that would be cut mid-command.
    @Test(arguments: ["solve", "check", "probe", "verify", "lint"])
    func helpExamplesAreNotWrapped(command: String) throws {
        let help = try cli.run([command, "--help"]).stdout.components(separatedBy: "\n")
        guard let start = help.firstIndex(of: "Examples:") else { return }
        for line in help[(start + 1)...].prefix(while: { !$0.isEmpty }) {
            #expect(line.hasPrefix("  "), "\(command) --help: an example wrapped mid-command: \(line)")
        }
    }
}

/// `--svg` with no layout: the picture is written, the exit code is still 1.
@Suite("layoutsolve --svg of a failed solve")
struct FailedSolveSVGCLITests {
    @Test func svgIsWrittenWhenNoLayoutFits() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-failsvg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = folder.appendingPathComponent("map.svg")
        let result = try CLITests().run(["--hosts", "Profiles/intel-client-39.json", "Profiles/amd-epyc-7003.json", "--ram", "2T", "--svg", svg.path])
        #expect(result.status == 1)
        let text = try String(contentsOf: svg, encoding: .utf8)
        #expect(text.contains("<g class='hole conflict'") && text.hasSuffix("</svg>\n"))
    }
}
