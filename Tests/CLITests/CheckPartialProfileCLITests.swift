import Foundation
import Testing

/// `check` on a profile printed by `probe --partial`: a lint error (exit 1) unless
/// `--allow-partial`, which makes it a warning (still failing with `--strict`).
@Suite("check: probe --partial profiles")
struct CheckPartialProfileCLITests {
    @Test func aPartialProfileIsALintErrorUnlessAllowed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-check-partial-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = folder.appendingPathComponent("host")
        try FileManager.default.copyItem(at: CLITests.repository.appendingPathComponent("Tests/LayoutSolverTests/Fixtures/probe/intel-server"), to: root)
        try FileManager.default.removeItem(at: root.appendingPathComponent("sys/kernel/iommu_groups/19/reserved_regions"))
        let cli = CLITests()
        let probe = try cli.run(["probe", "--root", root.path, "--partial", "--name", "partial-host"])
        #expect(probe.status == 0, "\(probe.stderr)")
        let fleet = folder.appendingPathComponent("fleet")
        try FileManager.default.createDirectory(at: fleet, withIntermediateDirectories: true)
        try Data(probe.stdout.utf8).write(to: fleet.appendingPathComponent("partial-host.json"))
        // The complete probe of the same host passes, so the failure below is the partial marker's.
        let whole = try cli.run(["probe", "--root", CLITests.repository.appendingPathComponent("Tests/LayoutSolverTests/Fixtures/probe/intel-server").path, "--name", "whole-host"])
        try Data(whole.stdout.utf8).write(to: fleet.appendingPathComponent("whole-host.json"))

        let refused = try cli.run(["check", "--hosts", fleet.path, "--vms", "Examples/vm/small-4g.json"])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stdout.contains("partial-host.json") && refused.stdout.contains("partial profile (probe --partial)"))
        let partialLines = refused.stdout.split(separator: "\n").filter { $0.contains("[partial-profile]") }
        #expect(partialLines.count == 1 && partialLines.allSatisfy { $0.contains("partial-host.json") && $0.hasPrefix("  error: ") })
        let allowed = try cli.run(["check", "--hosts", fleet.path, "--vms", "Examples/vm/small-4g.json", "--allow-partial"])
        #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
        #expect(allowed.stdout.contains("warning: ") && allowed.stdout.contains("(allowed: --allow-partial)"))
        #expect(try cli.run(["check", "--hosts", fleet.path, "--vms", "Examples/vm/small-4g.json", "--allow-partial", "--strict"]).status == 1)
    }
}
