import Foundation
@testable import layoutsolve
import LayoutSolver
import Testing

/// `--baseline git:REV:PATH`: the command line reads old profiles from git history.
@Suite("check --baseline from git")
struct BaselineSourceTests {
    static func repositoryPath(_ relative: String) -> String { CLITests.repository.appendingPathComponent(relative).path }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("layoutsolve-baseline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func copyFleet(_ folder: String, to destination: URL) throws {
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.repositoryPath(folder)) where name.hasSuffix(".json") {
            try FileManager.default.copyItem(atPath: Self.repositoryPath("\(folder)/\(name)"), toPath: destination.appendingPathComponent(name).path)
        }
    }

    func git(_ arguments: [String], in folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-c", "user.name=check", "-c", "user.email=check@example.invalid", "-c", "commit.gpgsign=false"] + arguments
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "git \(arguments)")
    }

    @Test func aBaselineFromAGitRevision() throws {
        let repository = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: repository) }
        let fleet = repository.appendingPathComponent("fleet")
        try copyFleet("Examples/fleets/mixed-x86", to: fleet)
        try git(["init", "-q"], in: repository)
        try git(["add", "fleet"], in: repository)
        try git(["commit", "-q", "-m", "fleet"], in: repository)
        try FileManager.default.copyItem(atPath: Self.repositoryPath("Examples/fleets/xeon-rmrr-strict/intel-xeon-vtd48-rmrr-direct.json"), toPath: fleet.appendingPathComponent("strict.json").path)

        let baseline = try BaselineSource.load("git:HEAD:fleet/", workingDirectory: repository.path)
        #expect(baseline.documents.count == 4 && baseline.documents.allSatisfy { $0.profile != nil && $0.file.hasPrefix("HEAD:fleet/") })
        let report = try FleetCheck().run(
            profiles: try CheckInput.loadProfiles(paths: [fleet.path]), shapes: try CheckInput.loadShapes(paths: [Self.repositoryPath("Examples/vm/db-64g.json")]),
            baseline: baseline)
        guard case .layoutChanged? = report.shapes[0].change else { Issue.record("\(String(describing: report.shapes[0].change))"); return }
        #expect(report.baseline?.added == ["intel-xeon-vtd48-rmrr-direct"])

        #expect(throws: InputError.self) { try BaselineSource.load("git:no-such-revision:fleet", workingDirectory: repository.path) }
        #expect(throws: InputError.self) { try BaselineSource.load("git:HEAD", workingDirectory: repository.path) }
        #expect(throws: InputError.self) { try BaselineSource.load("git:HEAD:elsewhere", workingDirectory: repository.path) }
    }
}
