import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

@Suite("Host profiles: parsing and every input error")
struct HostProfileParserTests {
    static let valid = """
        {
          "schema": "layoutsolve/host/v1",
          "name": "amd-epyc-7003",
          "source": "test",
          "arch": "x86_64",
          "cpu":   { "vendor": "amd", "phys_bits": 48 },
          "iommu": { "kind": "amd-vi", "address_bits": 48 },
          "iova_ranges": [ { "start": "0x0", "end": "0xfedfffff" } ],
          "reserved": [
            { "start": "0xfee00000",   "end": "0xfeefffff",   "type": "msi" },
            { "start": "0xfd00000000", "size": "12G",         "type": "reserved", "note": "HyperTransport" }
          ],
          "programmable": [
            { "type": "sw-msi", "size": "1M", "align": "1M",
              "within": { "start": "0x0", "end": "0xffffffff" }, "default": "0x8000000" }
          ]
        }
        """

    func parse(_ text: String) throws -> HostProfile { try HostProfileParser.parse(Array(text.utf8), source: "host.json") }

    /// Replaces the first occurrence of `old` in the valid profile.
    func mutated(_ old: String, _ new: String) -> String {
        precondition(Self.valid.contains(old), "fixture does not contain \(old)")
        return Self.valid.replacingOccurrences(of: old, with: new, options: [], range: Self.valid.range(of: old))
    }

    @Test func parsesTheIssueExample() throws {
        let host = try parse(Self.valid)
        #expect(host.name == "amd-epyc-7003")
        #expect(host.cpuPhysBits == 48 && host.iommuAddressBits == 48)
        #expect(host.reserved[1].range == AddressRange(start: 0xfd_0000_0000, last: 0xff_ffff_ffff))
        #expect(host.reserved[1].note == "HyperTransport")
        #expect(host.iovaRanges == [AddressRange(start: 0, last: 0xfedf_ffff)!])
        #expect(host.programmable[0].defaultBase == 0x800_0000)
        #expect(host.programmable[0].within == AddressRange(start: 0, last: 0xffff_ffff))
    }

    @Test(arguments: [
        // (what to replace, replacement, JSON path expected in the error, a fragment of the message)
        (#""vendor": "amd","#, #""vendor": "amd", "cores": 64,"#, "$.cpu.cores", "unknown member"),
        (#""phys_bits": 48"#, #""phys_bits": "wide""#, "$.cpu.phys_bits", "expected a CPU physical address width"),
        (#""phys_bits": 48"#, #""phys_bits": 31"#, "$.cpu.phys_bits", "from 32 to 64"),
        (#""address_bits": 48"#, #""address_bits": 65"#, "$.iommu.address_bits", "from 32 to 64"),
        (#""end": "0xfeefffff""#, #""end": "0xfedfffff""#, "$.reserved[0].end", "below start"),
        (#""size": "12G""#, #""size": "0x10000000000000000""#, "$.reserved[1].size", "does not fit in 64 bits"),
        (#""start": "0xfd00000000", "size": "12G""#, #""start": "0xfffffffffffff000", "size": "1M""#, "$.reserved[1].size", "past the 64-bit"),
        (#""size": "12G","#, #""size": "12G", "end": "0xffffffffff","#, "$.reserved[1]", "not both"),
        (#""type": "msi""#, #""type": "doorbell""#, "$.reserved[0].type", "expected one of"),
        (#""size": "12G""#, #""size": "-12G""#, "$.reserved[1].size", "must not be negative"),
        (#""size": "12G""#, #""size": 0"#, "$.reserved[1].size", "size 0"),
        (#""align": "1M""#, #""align": "3M""#, "$.programmable[0].align", "not a power of two"),
        (#""default": "0x8000000""#, #""default": "0x8080000""#, "$.programmable[0].default", "not aligned"),
        (#""schema": "layoutsolve/host/v1""#, #""schema": "layoutsolve/vm/v1""#, "$.schema", "pass it with --vm"),
        (#""arch": "x86_64""#, #""arch": "riscv64""#, "$.arch", "expected one of"),
        (#""name": "amd-epyc-7003""#, #""name": "amd epyc""#, "$.name", "host name"),
        (#""reserved": ["#, #""reserved": {"a": 1}, "x": ["#, "$.reserved", "expected an array"),
    ])
    func badInputNamesFileAndPath(old: String, new: String, path: String, fragment: String) {
        do {
            _ = try parse(mutated(old, new))
            Issue.record("accepted a bad profile: \(new)")
        } catch let error as InputError {
            #expect(error.source == "host.json")
            #expect(error.path == path, "\(error)")
            #expect(error.message.contains(fragment), "\(error)")
            #expect(error.line != nil)
        } catch {
            Issue.record("unexpected error type \(error)")
        }
    }

    /// null is refused wherever it is, named by its path: at the top, in an object, in an array.
    @Test func nullIsRefusedWithItsPath() throws {
        #expect(try parse(Self.valid).name == "amd-epyc-7003")
        for (old, new, path) in [
            (#""vendor": "amd","#, #""vendor": "amd", "cores": null,"#, "$.cpu.cores"),
            (#""size": "12G""#, #""size": null"#, "$.reserved[1].size"),
            (#""phys_bits": 48"#, #""phys_bits": [48, null]"#, "$.cpu.phys_bits[1]"),
        ] {
            #expect {
                try parse(mutated(old, new))
            } throws: { error in
                "\(error)".contains("\(path): null is not allowed here; leave the member out instead")
            }
        }
    }

    @Test func missingMembersAndNonObjects() {
        #expect(throws: InputError.self) { try parse("[]") }
        #expect(throws: InputError.self) { try parse("{\"schema\": \"layoutsolve/host/v1\"}") }
        #expect(throws: InputError.self) { try parse("not json") }
        #expect(throws: InputError.self) { try HostProfileParser.parse([], source: "empty.json") }
    }

    @Test func duplicateHostNamesAreRejectedNamingBothFiles() throws {
        var first = try parse(Self.valid)
        first.file = "a.json"
        var second = first
        second.file = "b.json"
        #expect {
            try Fleet(hosts: [first, second])
        } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.source == "b.json" && error.message.contains("a.json")
        }
    }

    @Test func everyBundledProfileParses() throws {
        let folder = Fixture.path("Profiles")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }
        #expect(names.count >= 8)
        for name in names {
            let host = try Fixture.profile(String(name.dropLast(5)))
            #expect(host.name + ".json" == name)
            #expect(!host.source.isEmpty, "\(name) has no source")
        }
    }

    @Test func loaderReadsFoldersAndRejectsTheSameFileTwice() throws {
        let hosts = try InputLoader.loadHosts(paths: [Fixture.path("Examples/fleets/mixed-x86")])
        #expect(hosts.count >= 3)
        let file = Fixture.path("Profiles/amd-epyc-7003.json")
        #expect(throws: InputError.self) { try InputLoader.loadHosts(paths: [file, file]) }
        #expect(throws: InputError.self) { try InputLoader.loadHosts(paths: ["/nonexistent/profile.json"]) }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("ls-empty-\(getpid())")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: InputError.self) { try InputLoader.loadHosts(paths: [empty.path]) }
    }
}
