import Foundation
import Testing

/// The six inputs issue 15 found accepted although the published schemas forbid them exit 2 with
/// the file and the JSON path (the library tests in SchemaAgreementTests check each message).
@Suite("Schema decisions at the command line")
struct SchemaDecisionsCLITests {
    static let host = #"{"schema": "layoutsolve/host/v1", "name": "h", "arch": "x86_64", "cpu": {"vendor": VENDOR, "phys_bits": BITS}, "iommu": {"kind": "intel-vt-d", "address_bits": 48}, "reserved": [{"start": START, "size": SIZE, "type": "reserved"}]}"#

    func host(vendor: String = #""intel""#, bits: String = "46", start: String = #""0x100000000""#, size: String = #""4K""#) -> String {
        Self.host.replacingOccurrences(of: "VENDOR", with: vendor).replacingOccurrences(of: "BITS", with: bits)
            .replacingOccurrences(of: "START", with: start).replacingOccurrences(of: "SIZE", with: size)
    }

    @Test func theSixCasesExitTwo() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-six-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.json").path
        try Data(host().utf8).write(to: URL(fileURLWithPath: good))
        let accepted = try CLITests().run(["--hosts", good, "--ram", "4G"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let cases: [(String, String, Bool)] = [
            ("phys_bits", host(bits: #""46""#), true), ("vendor", host(vendor: #""Intel""#), true),
            ("size", host(size: #""4k""#), true), ("start", host(start: #"" 0x100000000""#), true),
            ("slots", #"{"schema": "layoutsolve/vm/v1", "ram": "4G", "maxmem": "8G", "slots": 0}"#, false),
            ("ram_align", #"{"schema": "layoutsolve/vm/v1", "ram": "4G", "ram_align": "4K"}"#, false),
        ]
        for (name, text, isHost) in cases {
            let file = folder.appendingPathComponent("\(name).json").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            let arguments = isHost ? ["--hosts", file, "--ram", "4G"] : ["--hosts", good, "--vm", file]
            let result = try CLITests().run(arguments)
            #expect(result.status == 2, "\(name): \(result.stderr)")
            #expect(result.stderr.contains(file) && result.stderr.contains("$."), "\(name): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(name): \(result.stdout)")
        }
    }
}
