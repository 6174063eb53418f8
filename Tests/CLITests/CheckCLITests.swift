import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `layoutsolve check` as a CI job runs it: exit codes, formats and report files.
@Suite("layoutsolve check command line")
struct CheckCLITests {
    func run(_ arguments: [String]) throws -> CLITests.Run { try CLITests().run(["check"] + arguments) }

    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ls-check-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func theRepositoryFleetPassesItsCIShapes() throws {
        let result = try run(["--hosts", "Profiles/", "--vms", "Examples/shapes/"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Profiles: 10 clean, 0 error(s), 0 warning(s)"))
        #expect(result.stdout.contains("not applicable") && result.stdout.hasSuffix(": ok\n"))
        #expect(result.stderr.isEmpty)
    }

    @Test func aShapeThatDoesNotFitIsExitOneWithItsExplanationAndPools() throws {
        let result = try run(["--hosts", "Examples/fleets/mixed-x86/", "--vms", "Examples/vm/big-1100g.json", "--pools"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("VM big-1100g (Examples/vm/big-1100g.json): DOES NOT FIT"))
        #expect(result.stdout.contains("intel-client-39 ×2  Examples/fleets/mixed-x86/intel-client-39.json"))
        #expect(result.stdout.contains("(Examples/fleets/mixed-x86/intel-client-39.json:12: $.iommu.address_bits)"))
        #expect(result.stdout.contains("pools: 2, exact"))
        #expect(result.stdout.contains("pool 1: 40 host(s)") && result.stdout.contains("pool 2: 30 host(s)"))
        #expect(result.stdout.contains("no layout even alone: intel-client-39 ×2"))
        #expect(result.stderr == "layoutsolve check: 1 of 1 VM shape(s) fail; 0 lint error(s), 0 warning(s): FAILED\n")
    }

    @Test func githubFormatAndJUnitFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let junit = folder.appendingPathComponent("report.xml")
        let result = try run(["--hosts", "Examples/fleets/mixed-x86/", "--vms", "Examples/vm/", "--format", "github", "--junit", junit.path])
        #expect(result.status == 1)
        let annotations = result.stdout.split(separator: "\n").filter { $0.hasPrefix("::") }
        #expect(annotations.contains { $0.hasPrefix("::error file=Examples/vm/p2p-gpu-16g.json,line=1,title=VM p2p-gpu-16g::") })
        #expect(annotations.contains { $0.hasPrefix("::notice file=Examples/fleets/mixed-x86/intel-server-rmrr.json,line=21,") })
        let document = try XMLDocument(data: try Data(contentsOf: junit))
        let shapes = try FileManager.default.contentsOfDirectory(atPath: CLITests.repository.appendingPathComponent("Examples/vm").path).filter { $0.hasSuffix(".json") }
        #expect(try document.nodes(forXPath: "//testcase").count == 4 + shapes.count)
        #expect(try document.nodes(forXPath: "//testsuite[@name='vm-shapes']/testcase[failure]").count >= 2)
    }

    @Test func jsonFormatParses() throws {
        let result = try run(["--hosts", "Examples/fleets/mixed-x86/", "--vms", "Examples/vm/db-64g.json", "--format", "json"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["schema"] as? String == "layoutsolve/check/v1")
        let shape = (object?["shapes"] as? [[String: Any]])?.first
        #expect(((shape?["layout"] as? [String: Any])?["digest"] as? String)?.hasPrefix("sha256:") == true)
    }

    @Test func brokenProfilesAreLintErrorsAndStrictFailsOnWarnings() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(atPath: CLITests.repository.appendingPathComponent("Profiles/intel-xeon-vtd48.json").path, toPath: folder.appendingPathComponent("xeon.json").path)
        try Data("""
            {"schema": "layoutsolve/host/v1", "name": "arm", "arch": "aarch64",
             "cpu": {"vendor": "arm", "phys_bits": 48}, "iommu": {"kind": "arm-smmu-v3", "address_bits": 48},
             "reserved": [{"start": "0x8000000", "end": "0x80fffff", "type": "msi"}]}
            """.utf8).write(to: folder.appendingPathComponent("arm.json"))
        let warned = try run(["--hosts", folder.path, "--vms", "Examples/vm/small-4g.json"])
        #expect(warned.status == 0 && warned.stdout.contains("warning: ") && warned.stdout.contains("arm.json:3: $.reserved[0].type"))
        #expect(try run(["--hosts", folder.path, "--vms", "Examples/vm/small-4g.json", "--strict"]).status == 1)

        try Data("{\"schema\": \"layoutsolve/host/v1\",\n\"name\": 7}".utf8).write(to: folder.appendingPathComponent("broken.json"))
        let broken = try run(["--hosts", folder.path, "--vms", "Examples/vm/small-4g.json"])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("error: \(folder.path)/broken.json:2: $.name:"))
        #expect(broken.stdout.contains("VM small-4g (Examples/vm/small-4g.json): fits"))
    }

    @Test func aChangedLayoutAgainstTheBaselineFailsUnlessAllowed() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Intel hosts only: the guest's vendor and phys-bits change with the fleet.
        for name in ["intel-xeon-vtd48.json"] {
            try FileManager.default.copyItem(atPath: CLITests.repository.appendingPathComponent("Examples/fleets/mixed-x86/\(name)").path, toPath: folder.appendingPathComponent(name).path)
        }
        let arguments = ["--hosts", folder.path, "--vms", "Examples/vm/db-64g.json", "--baseline", "Examples/fleets/mixed-x86/"]
        let changed = try run(arguments)
        #expect(changed.status == 1 && changed.stdout.contains("layout CHANGED") && changed.stdout.contains("removed: amd-epyc-7003, intel-client-39, intel-server-rmrr"))
        #expect(try run(arguments + ["--allow-layout-change"]).status == 0)
        let same = try run(["--hosts", "Examples/fleets/mixed-x86/", "--vms", "Examples/vm/db-64g.json", "--baseline", "Examples/fleets/mixed-x86/"])
        #expect(same.status == 0 && same.stdout.contains("baseline: layout unchanged"))
    }

    @Test(arguments: [
        ["--vms", "Examples/vm/"],
        ["--hosts", "Profiles/", "--vms", "/nonexistent/"],
        ["--hosts", "/nonexistent/"],
        ["--hosts", "Profiles/", "--format", "yaml"],
        ["--hosts", "Profiles/", "--allow-layout-change"],
        ["--hosts", "Profiles/", "--baseline", "git:HEAD"],
    ])
    func usageErrorsExitTwo(arguments: [String]) throws {
        let result = try run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty && !result.stderr.isEmpty)
    }

    @Test func helpListsTheCommand() throws {
        let help = try CLITests().run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("check"))
        let checkHelp = try run(["--help"])
        #expect(checkHelp.status == 0 && checkHelp.stdout.contains("--baseline") && checkHelp.stdout.contains("Exit codes"))
    }
}
