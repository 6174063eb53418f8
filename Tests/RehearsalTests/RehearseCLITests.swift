// `layoutsolve rehearse` end to end on real TCG virtual hosts (slow: LAYOUTSOLVE_SKIP_SLOW_TESTS=1
// skips; with CI set a missing prerequisite fails), and the probe round trip: `Prober` on the
// files a virtual host's own kernel shows gives back the profile's holes and width.

import Foundation
import Testing
import TestSupport
import LayoutSolver
@testable import LayoutRehearsal

enum RehearseCLI {
    static let repository = TestRepository.root

    static var binary: URL? {
        var candidates: [URL] = []
        if let test = CommandLine.arguments.first { candidates.append(URL(fileURLWithPath: test).deletingLastPathComponent()) }
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
        return nil
    }

    struct Run { var status: Int32; var stdout: String; var stderr: String; var seconds: Double }

    /// Runs the binary with a deadline (killed after `timeout`); output goes through files.
    static func run(_ arguments: [String], timeout: TimeInterval = 400) throws -> Run {
        guard let binary else { throw RehearsalError.missing(what: "the layoutsolve binary", provider: "swift build") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        p.currentDirectoryURL = repository
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        p.standardInput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        let finished = Subprocess.waitOrKill(p, timeout: timeout)
        let run = Run(status: finished ? p.terminationStatus : -1, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "", seconds: Date().timeIntervalSince(start))
        print("rehearse CLI \(arguments.joined(separator: " ")): exit \(run.status) in \(String(format: "%.1f", run.seconds)) s\n\(run.stdout)")
        return run
    }
}

@Suite struct RehearseCLIInputTests {
    @Test func badInputExits2() throws {
        _ = try #require(RehearseCLI.binary, "the layoutsolve binary (swift build)")
        #expect(try RehearseCLI.run(["rehearse", "--vm", "Examples/vm/rehearse-2g.json"]).status == 2)
        #expect(try RehearseCLI.run(["rehearse", "--hosts", "no-such-folder/", "--qemu-args", "-M q35 -m 1G"]).status == 2)
        #expect(try RehearseCLI.run(["rehearse", "--hosts", "Profiles/intel-client-39.json", "--qemu-args", "-M q35"]).status == 2)
    }
}

@Suite(.blockingTCGGuests, .serialized, .enabled(if: RehearsalPrerequisites.shouldRun && (RehearsalPrerequisites.isCI || FileManager.default.isExecutableFile(atPath: OuterQEMU.patched)),
                             "LAYOUTSOLVE_SKIP_SLOW_TESTS is set, or no qemu-system-x86 / patched QEMU (bash .ci/build-rehearsal-qemu)"))
struct RehearseCLITests {
    static let fleet = "Examples/fleets/xeon-rmrr-strict/"

    /// The solver's layout maps on both hosts of the fleet (JSON shape checked on the way).
    @Test(.timeLimit(.minutes(30))) func solvedLayoutMapsOnEveryHost() throws {
        let run = try RehearseCLI.run(["rehearse", "--hosts", Self.fleet, "--vm", "Examples/vm/rehearse-2g.json", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?["schema"] as? String == "layoutsolve/rehearsal/v1")
        #expect(object?["ok"] as? Bool == true)
        let hosts = object?["hosts"] as? [[String: Any]] ?? []
        #expect(hosts.count == 2)
        #expect(hosts.allSatisfy { $0["status"] as? String == "ok" && $0["boot_ms"] is Int && $0["virtual_host"] is String })
        #expect((object?["vm"] as? [String: Any])?["argv"] is [String])
    }

    /// QEMU's default q35 layout of 2 GiB is all low RAM and covers the direct RMRR at 0x7bb24000.
    @Test(.timeLimit(.minutes(30))) func defaultLayoutFailsNamingHostAndHole() throws {
        let run = try RehearseCLI.run(["rehearse", "--hosts", Self.fleet, "--qemu-args", "-M q35 -m 2G"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stdout.contains("FAIL  intel-xeon-vtd48-rmrr-direct"))
        #expect(run.stdout.contains("hole: direct 0x7bb24000-0x7bb32fff"))
        #expect(run.stdout.contains("vfio_dma_map("))
        #expect(run.stdout.contains("ok    intel-server-rmrr"))
    }

    /// Migrate then hot-add, both ways between the two profiles: QEMU's default layout survives
    /// the migration but its vfio-pci hot-add is refused on the host with the RMRR in low RAM;
    /// layoutsolve's layout passes every pair.
    @Test(.timeLimit(.minutes(30))) func migrateThenHotAddBothWays() throws {
        let failing = try RehearseCLI.run(["rehearse", "--hosts", Self.fleet, "--qemu-args", "-M q35 -m 2G", "--migrate", "--format", "json"])
        #expect(failing.status == 1, "\(failing.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(failing.stdout.utf8)) as? [String: Any]
        #expect(object?["schema"] as? String == "layoutsolve/rehearsal-migrate/v1")
        let pairs = object?["pairs"] as? [[String: Any]] ?? []
        func status(_ from: String, _ to: String, in pairs: [[String: Any]]) -> String? {
            pairs.first { $0["from"] as? String == from && $0["to"] as? String == to }?["status"] as? String
        }
        #expect(pairs.count == 2)
        #expect(status("intel-server-rmrr", "intel-xeon-vtd48-rmrr-direct", in: pairs) == "fail")
        #expect(status("intel-xeon-vtd48-rmrr-direct", "intel-server-rmrr", in: pairs) == "ok")
        #expect(pairs.contains { ($0["hole"] as? String)?.contains("0x7bb24000") == true })

        let passing = try RehearseCLI.run(["rehearse", "--hosts", Self.fleet, "--vm", "Examples/vm/rehearse-2g.json", "--migrate"])
        #expect(passing.status == 0, "\(passing.stderr)")
        #expect(passing.stdout.contains("intel-server-rmrr -> intel-xeon-vtd48-rmrr-direct: ok"))
        #expect(passing.stdout.contains("intel-xeon-vtd48-rmrr-direct -> intel-server-rmrr: ok"))
    }
}
