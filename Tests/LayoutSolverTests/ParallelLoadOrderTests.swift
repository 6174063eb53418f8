import Foundation
import Testing
@testable import LayoutCore

/// Profiles are parsed on every CPU (`ParallelMap`); what `loadHosts` returns and reports must
/// still be a loop's: hosts in name order, every error, in file order, whatever thread ends first.
@Suite("Loading a fleet in parallel keeps file order")
struct ParallelLoadOrderTests {
    @Test func hostsAndErrorsComeInFileOrder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parallel-load-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let valid = try String(contentsOfFile: Fixture.path("Profiles/intel-xeon-vtd48.json"), encoding: .utf8)
        let broken: Set<Int> = [3, 17, 18, 39]
        for index in 0..<40 {
            let name = String(format: "host-%02d", index)
            let text = broken.contains(index) ? "{\"schema\": \"layoutsolve/host/v1\"" : valid.replacingOccurrences(of: "\"intel-xeon-vtd48\"", with: "\"\(name)\"")
            try text.write(toFile: "\(folder)/\(name).json", atomically: false, encoding: .utf8)
        }
        // Without the broken ones, every host comes back, in file order.
        let good = (0..<40).filter { !broken.contains($0) }.map { String(format: "%@/host-%02d.json", folder, $0) }
        let hosts = try InputLoader.loadHosts(paths: good)
        #expect(hosts.map(\.file) == good)
        #expect(hosts.count == 36)
        // With them and a file named twice: every error, in the order the files are given.
        let twice = String(format: "%@/host-%02d.json", folder, 5)
        do {
            _ = try InputLoader.loadHosts(paths: [folder, twice])
            Issue.record("a folder with broken profiles loaded")
        } catch let errors as InputErrors {
            let expected = broken.sorted().map { String(format: "%@/host-%02d.json", folder, $0) } + [twice]
            #expect(errors.errors.map(\.source) == expected)
            #expect(errors.errors.last?.message.contains("the same file is given twice") == true)
        }
    }
}
