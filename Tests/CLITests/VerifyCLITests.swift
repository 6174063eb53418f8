import Foundation
import Testing

@Suite("layoutsolve verify")
struct VerifyCLITests {
    let cli = CLITests()

    func temporaryFile(_ name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name)
    }

    @Test func anIntelFleetLayoutMeetsAnAMDHost() throws {
        let layout = try temporaryFile("big.json")
        defer { try? FileManager.default.removeItem(at: layout.deletingLastPathComponent()) }
        let solved = try cli.run(["--hosts", "Profiles/intel-xeon-vtd48.json", "--ram", "1100G", "--cpu-vendor", "intel", "--format", "json", "--output", layout.path])
        #expect(solved.status == 0, "\(solved.stderr)")
        let same = try cli.run(["verify", "--layout", layout.path, "--hosts", "Profiles/intel-xeon-vtd48.json"])
        #expect(same.status == 0 && same.stdout.contains("ok    intel-xeon-vtd48"))
        let amd = try cli.run(["verify", "--layout", layout.path, "--hosts", "Profiles/amd-epyc-7003.json", "Profiles/intel-xeon-vtd48.json"])
        #expect(amd.status == 1)
        #expect(amd.stdout.contains("FAIL  amd-epyc-7003") && amd.stdout.contains("0xfd00000000-0xffffffffff"))
        #expect(amd.stdout.contains("ok    intel-xeon-vtd48"))
    }

    @Test func aCommandLineMeetsA39BitHost() throws {
        let args = "-machine q35 -m 600G -cpu host,host-phys-bits=off,phys-bits=46"
        let narrow = try cli.run(["verify", "--qemu-args", args, "--hosts", "Profiles/intel-client-39.json", "--format", "json"])
        #expect(narrow.status == 1)
        let report = try JSONSerialization.jsonObject(with: Data(narrow.stdout.utf8)) as? [String: Any]
        #expect(report?["fits"] as? Bool == false)
        let fitting = try cli.run(["verify", "--qemu-args", "-machine q35 -m 16G -cpu host", "--hosts", "Examples/fleets/mixed-x86/"])
        #expect(fitting.status == 0, "\(fitting.stdout)\(fitting.stderr)")
    }

    @Test(arguments: [
        ["verify", "--hosts", "Profiles/intel-client-39.json"],
        ["verify", "--layout", "x.json", "--qemu-args", "-m 4G", "--hosts", "Profiles/intel-client-39.json"],
        ["verify", "--layout", "Profiles/intel-client-39.json", "--hosts", "Profiles/intel-client-39.json"],
        ["verify", "--qemu-args", "-m 4G -cpu 'host", "--hosts", "Profiles/intel-client-39.json"],
        ["verify", "--qemu-args", "-m 4G"],
    ])
    func badInputExitsTwo(arguments: [String]) throws {
        let result = try cli.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }
}

@Suite("layoutsolve verify --svg")
struct VerifySVGTests {
    @Test func conflictsAreDrawnInRed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-verify-svg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let layout = folder.appendingPathComponent("big.json").path, svg = folder.appendingPathComponent("map.svg").path
        let cli = CLITests()
        #expect(try cli.run(["--hosts", "Profiles/intel-xeon-vtd48.json", "--ram", "1100G", "--cpu-vendor", "intel", "--format", "json", "--output", layout]).status == 0)
        let result = try cli.run(["verify", "--layout", layout, "--hosts", "Profiles/amd-epyc-7003.json", "--svg", svg])
        #expect(result.status == 1)
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(text.contains("conflict") && text.contains("amd-epyc-7003") && text.contains("HyperTransport"))
        #expect(try XMLLike.isWellFormed(text))
    }
}

/// Just enough to tell a truncated SVG from a whole one without FoundationXML.
enum XMLLike {
    static func isWellFormed(_ text: String) throws -> Bool {
        text.hasPrefix("<?xml") || text.hasPrefix("<svg") ? text.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</svg>") : false
    }
}
