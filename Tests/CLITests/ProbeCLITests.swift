import Foundation
import Testing

/// `layoutsolve probe` and `layoutsolve lint` as a shell user or a provisioning job runs them.
@Suite("layoutsolve probe and lint")
struct ProbeCLITests {
    static let fixtures = "Tests/LayoutSolverTests/Fixtures/probe"
    static let platforms: [(name: String, flags: [String])] = [
        ("intel-client", []), ("intel-server", []), ("amd-epyc", []),
        ("arm64-smmuv3", ["--ipa-bits", "48"]), ("hisilicon-d05", ["--ipa-bits", "44"]), ("s390x", []),
    ]

    func probe(_ name: String, _ extra: [String] = []) throws -> CLITests.Run {
        let flags = Self.platforms.first { $0.name == name }?.flags ?? []
        return try CLITests().run(["probe", "--root", "\(Self.fixtures)/\(name)"] + flags + extra)
    }

    func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-probe-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test(arguments: platforms.map(\.name))
    func probePrintsTheExpectedProfileAndLintAcceptsIt(name: String) throws {
        let result = try probe(name)
        #expect(result.status == 0, "\(result.stderr)")
        let expected = try String(contentsOf: CLITests.repository.appendingPathComponent("\(Self.fixtures)/\(name)/expected.json"), encoding: .utf8)
        #expect(result.stdout == expected)
        let lint = try CLITests().run(["lint", "-"], stdin: result.stdout)
        #expect(lint.status == 0, "\(lint.stderr)")
        #expect(lint.stdout.hasPrefix("ok ") && lint.stderr.isEmpty)
        #expect(try probe(name).stdout == result.stdout, "a second probe differs")
    }

    @Test func probedProfilesMatchTheHostSchema() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [String] = []
        for (name, _) in Self.platforms {
            let result = try probe(name)
            let file = folder.appendingPathComponent("\(name).json")
            try Data(result.stdout.utf8).write(to: file)
            files.append(file.path)
        }
        let (status, output) = try SchemaTests().validate(schema: "Schemas/host-v1.schema.json", files: files)
        #expect(status == 0, "\(output)")
    }

    @Test func warningsGoToStandardErrorAndTheProfileToStandardOutput() throws {
        let result = try probe("arm64-smmuv3")
        #expect(result.status == 0)
        #expect(result.stderr.hasPrefix("layoutsolve: warning: the Arm SMMUv3 input address size is not in sysfs"))
        #expect(result.stdout.hasPrefix("{\n  \"schema\": \"layoutsolve/host/v1\""))
    }

    @Test func groupAndDeviceSelection() throws {
        let byGroup = try probe("intel-client", ["--groups", "12"])
        let byDevice = try probe("intel-client", ["--devices", "0000:01:00.0,0000:01:00.1"])
        #expect(byGroup.status == 0 && byDevice.status == 0, "\(byGroup.stderr)\(byDevice.stderr)")
        #expect(!byGroup.stdout.contains("direct-relaxable") && !byDevice.stdout.contains("direct-relaxable"))
        #expect(byDevice.stdout.contains("0000:01:00.0, 0000:01:00.1 (--devices)"))
    }

    @Test(arguments: [
        ["probe", "--groups", "1", "--devices", "0000:01:00.0"],
        ["probe", "--groups", "one"],
        ["probe", "--groups", "1,,2"],
        ["probe", "--devices", "01:00"],
        ["probe", "--name", "Not A Name", "--root", "\(fixtures)/amd-epyc"],
        ["probe", "--root", "/nonexistent/host-copy"],
        ["probe", "--root", "\(fixtures)/amd-epyc", "--ipa-bits", "48"],
        ["probe", "--root", "\(fixtures)/amd-epyc", "--groups", "42"],
        ["probe", "--root", "\(fixtures)/arm64-smmuv3"],
        ["lint"],
        ["lint", "/nonexistent/profile.json"],
    ])
    func badUsageAndInputExitTwoWithoutOutput(arguments: [String]) throws {
        let result = try CLITests().run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(arguments)")
        #expect(!result.stderr.isEmpty)
    }

    @Test func missingFilesNameTheFileAndPartialPrintsAProfileThatLints() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = folder.appendingPathComponent("host")
        try FileManager.default.copyItem(at: CLITests.repository.appendingPathComponent("\(Self.fixtures)/intel-server"), to: root)
        try FileManager.default.removeItem(at: root.appendingPathComponent("sys/kernel/iommu_groups/19/reserved_regions"))
        try Data("0x00000000fee00000 0x00000000feefffff msi\n0x1 msi\n".utf8).write(to: root.appendingPathComponent("sys/kernel/iommu_groups/3/reserved_regions"))

        let strict = try CLITests().run(["probe", "--root", root.path])
        #expect(strict.status == 2 && strict.stdout.isEmpty)
        #expect(strict.stderr.contains("layoutsolve: error: \(root.path)/sys/kernel/iommu_groups/3/reserved_regions:2: expected \"0xSTART 0xEND TYPE\""), "\(strict.stderr)")
        #expect(strict.stderr.contains("layoutsolve: error: \(root.path)/sys/kernel/iommu_groups/19/reserved_regions: no such file"), "\(strict.stderr)")
        #expect(strict.stderr.contains("--partial prints what could be read"))

        let partial = try CLITests().run(["probe", "--root", root.path, "--partial"])
        #expect(partial.status == 0, "\(partial.stderr)")
        #expect(partial.stderr.contains("layoutsolve: warning: not read: \(root.path)/sys/kernel/iommu_groups/3/reserved_regions:2:"))
        #expect(partial.stderr.contains("PARTIAL profile"))
        #expect(partial.stdout.contains("PARTIAL PROFILE (--partial), not read: /sys/kernel/iommu_groups/3/reserved_regions:2: "))
        #expect(partial.stdout.contains("; /sys/kernel/iommu_groups/19/reserved_regions: no such file"))
        #expect(!partial.stdout.contains(root.path), "the profile names host paths, not the copy's")
        // A partial profile is a lint error unless allowed, as in check.
        let refused = try CLITests().run(["lint", "-"], stdin: partial.stdout)
        #expect(refused.status == 2 && refused.stderr.contains("partial profile"), "\(refused.stderr)")
        let lint = try CLITests().run(["lint", "--allow-partial", "-"], stdin: partial.stdout)
        #expect(lint.status == 0 && lint.stdout == "ok dl388g8-07.lab.example.com\n", "\(lint.stderr)")
    }

    @Test func probeOfThisMachinePrintsAProfileOrSaysWhatIsMissing() throws {
        let result = try CLITests().run(["probe"])
        if result.status == 0 {
            let lint = try CLITests().run(["lint", "-"], stdin: result.stdout)
            #expect(lint.status == 0, "\(lint.stderr)")
        } else {
            #expect(result.status == 2)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("layoutsolve: error: ") && result.stderr.contains("no profile printed"), "\(result.stderr)")
            let partial = try CLITests().run(["probe", "--partial"])
            if partial.status == 0 {
                #expect(try CLITests().run(["lint", "--allow-partial", "-"], stdin: partial.stdout).status == 0)
            }
        }
    }

    @Test func lintPrintsOkPerProfileAndErrorsWithFileAndLine() throws {
        let good = try CLITests().run(["lint", "Profiles/amd-epyc-7003.json", "Profiles/hisilicon-d05.json"])
        #expect(good.status == 0)
        #expect(good.stdout == "ok amd-epyc-7003\nok hisilicon-d05\n")

        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.json")
        try Data("""
            {"schema": "layoutsolve/host/v1", "name": "bad", "arch": "x86_64",
             "cpu": {"vendor": "intel", "phys_bits": 46}, "iommu": {"kind": "intel-vt-d", "address_bits": 48},
             "reserved": [{"start": "0xfee00000", "end": "0xfedfffff", "type": "msi"}]}
            """.utf8).write(to: bad)
        let mixed = try CLITests().run(["lint", "Profiles/s390x-zpci.json", bad.path])
        #expect(mixed.status == 2)
        #expect(mixed.stdout == "ok s390x-zpci\n")
        #expect(mixed.stderr.contains("layoutsolve: error: \(bad.path):3: $.reserved[0].end: end 0xfedfffff is below start"), "\(mixed.stderr)")
        #expect(mixed.stderr.contains("1 of 2 profile(s) have errors"))

        let notJSON = try CLITests().run(["lint", "-"], stdin: "0x00000000fee00000 0x00000000feefffff msi\n")
        #expect(notJSON.status == 2 && notJSON.stderr.contains("<stdin>:1: not valid JSON"), "\(notJSON.stderr)")
    }
}

/// `lint` and `check` apply one rule set, and `lint` takes folders.
@Suite("lint: check's rules, on files and folders")
struct LintRulesCLITests {
    @Test func lintTakesFoldersAndAppliesChecksWarnings() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-lint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A region past the IOMMU's width parses, but check warns about it: lint does the same.
        let profile = #"{"schema": "layoutsolve/host/v1", "name": "wide", "source": "test", "arch": "x86_64", "cpu": {"vendor": "intel", "phys_bits": 46}, "iommu": {"kind": "intel-vt-d", "address_bits": 39}, "reserved": [{"start": "0x9000000000", "end": "0x90000fffff", "type": "reserved"}]}"#
        try Data(profile.utf8).write(to: folder.appendingPathComponent("wide.json"))
        let lint = try CLITests().run(["lint", folder.path])
        #expect(lint.status == 0 && lint.stdout == "ok wide\n" && lint.stderr.contains("layoutsolve: warning: ") && lint.stderr.contains("past-width") == false && lint.stderr.contains("2^39"), "\(lint.stderr)")
        let strict = try CLITests().run(["lint", "--strict", folder.path])
        #expect(strict.status == 2 && strict.stdout.isEmpty)
        let check = try CLITests().run(["check", "--hosts", folder.path])
        #expect(check.stdout.contains("2^39"), "\(check.stdout)")
    }
}
