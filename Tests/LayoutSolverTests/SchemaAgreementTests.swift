import Foundation
import Testing
import TestSupport
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutSolver

/// The parser and `Schemas/*.json` are one contract (issue 15): every host profile and VM spec in
/// the repository, and deterministic mutations of every member of each, get the same verdict from
/// the Swift parser (plus the checks the command applies before solving) and from Python's
/// `jsonschema`. The parser may be stricter than the schema only for the semantic rules listed in
/// `SchemaAgreement.parserOnlyRules` (documented in Schemas/README.md); it is never more lenient.
@Suite("Schema agreement")
struct SchemaAgreementTests {
    @Test func parserAndSchemasAgreeOnMutatedDocuments() throws {
        guard let python = try SchemaAgreement.pythonAvailable() else { return }
        _ = python
        var documents: [SchemaAgreement.Document] = []
        for (folder, kind) in [("Profiles", SchemaAgreement.Kind.host), ("Examples/fleets", .host), ("Examples/vm", .vm), ("Examples/requests", .request)] {
            for file in TestRepository.jsonFiles(folder) {
                let bytes = try [UInt8](Data(contentsOf: Fixture.repository.appendingPathComponent(file)))
                let seed = try SchemaAgreement.tree(bytes)
                documents.append(.init(kind: kind, origin: file, mutation: "original", value: seed))
                documents += SchemaAgreement.mutations(of: seed, kind: kind, origin: file, thorough: folder != "Examples/fleets")
            }
        }
        let started = Date()
        let schemaVerdicts = try SchemaAgreement.validateWithJSONSchema(documents)
        let pythonSeconds = Date().timeIntervalSince(started)
        var agreements = 0, parserOnly: [String: Int] = [:], failures: [String] = []
        for (document, schema) in zip(documents, schemaVerdicts) {
            let parser = SchemaAgreement.parserVerdict(document)
            switch (schema.valid, parser) {
            case (true, nil), (false, .some): agreements += 1
            case (true, .some(let errors)):
                let rules = errors.map(SchemaAgreement.parserOnlyRule(for:))
                if rules.allSatisfy({ $0 != nil }), let rule = rules.first ?? nil {
                    parserOnly[rule, default: 0] += 1
                } else {
                    failures.append("\(document.origin) [\(document.mutation)]: schema accepts, parser refuses: \(errors)")
                }
            case (false, nil):
                failures.append("\(document.origin) [\(document.mutation)]: schema refuses (\(schema.message)), parser accepts")
            }
        }
        print("schema agreement: \(documents.count) documents, \(agreements) agreements, parser-only refusals \(parserOnly.sorted { $0.key < $1.key }), jsonschema \(String(format: "%.1f", pythonSeconds)) s")
        #expect(documents.count > 2000)
        #expect(Set(documents.map(\.origin)).count >= 25)
        #expect(failures.isEmpty, "\(failures.count) disagreements:\n\(failures.prefix(60).joined(separator: "\n"))")
        // The repository's own documents are valid under both.
        for (document, schema) in zip(documents, schemaVerdicts) where document.mutation == "original" {
            #expect(schema.valid, "\(document.origin): \(schema.message)")
        }
    }

    /// Every parser-only rule is documented where users read the contract.
    @Test func parserOnlyRulesAreDocumented() throws {
        let readme = try String(contentsOf: Fixture.repository.appendingPathComponent("Schemas/README.md"), encoding: .utf8)
        #expect(readme.contains(SchemaAgreement.requestFilesRule))
        for rule in SchemaAgreement.parserOnlyRules {
            #expect(readme.contains(rule.name), "Schemas/README.md does not list the parser-only rule \"\(rule.name)\"")
        }
    }

    // The six inputs issue 15 found accepted by the parser although the schemas forbid them; each
    // is now refused (exit 2 at the command line) with the JSON path and what was expected.

    static let host = #"{"schema": "layoutsolve/host/v1", "name": "h", "arch": "x86_64", "cpu": {"vendor": VENDOR, "phys_bits": BITS}, "iommu": {"kind": "intel-vt-d", "address_bits": 48}, "reserved": [{"start": START, "size": SIZE, "type": "reserved"}]}"#

    func host(vendor: String = #""intel""#, bits: String = "46", start: String = #""0x100000000""#, size: String = #""4K""#) -> String {
        Self.host.replacingOccurrences(of: "VENDOR", with: vendor).replacingOccurrences(of: "BITS", with: bits)
            .replacingOccurrences(of: "START", with: start).replacingOccurrences(of: "SIZE", with: size)
    }

    func hostError(_ text: String) throws -> InputError {
        try #require(throws: InputError.self) { try HostProfileParser.parse(Array(text.utf8), source: "host.json") }
    }

    func vmError(_ text: String) throws -> InputError {
        try #require(throws: InputError.self) { try VMSpecParser.parse(Array(text.utf8), source: "vm.json") }
    }

    @Test func theBaseDocumentsOfTheSixCasesAreValid() throws {
        _ = try HostProfileParser.parse(Array(host().utf8), source: "host.json")
        _ = try VMSpecParser.parse(Array(#"{"schema": "layoutsolve/vm/v1", "ram": "4G", "maxmem": "8G", "slots": 1, "ram_align": "2M"}"#.utf8), source: "vm.json")
    }

    @Test func physBitsAsAStringIsRefused() throws {
        let error = try hostError(host(bits: #""46""#))
        #expect(error.path == "$.cpu.phys_bits")
        #expect(error.message.contains("integer"), "\(error)")
    }

    @Test func capitalisedVendorIsRefused() throws {
        let error = try hostError(host(vendor: #""Intel""#))
        #expect(error.path == "$.cpu.vendor")
        #expect(error.message.contains("lowercase"), "\(error)")
    }

    @Test func lowercaseSizeUnitIsRefused() throws {
        let error = try hostError(host(size: #""4k""#))
        #expect(error.path == "$.reserved[0].size")
        #expect(error.message.contains("\"4k\""), "\(error)")
    }

    @Test func leadingSpaceInAnAddressIsRefused() throws {
        let error = try hostError(host(start: #"" 0x100000000""#))
        #expect(error.path == "$.reserved[0].start")
        #expect(error.message.contains("0x"), "\(error)")
    }

    @Test func zeroSlotsAreRefused() throws {
        let error = try vmError(#"{"schema": "layoutsolve/vm/v1", "ram": "4G", "maxmem": "8G", "slots": 0}"#)
        #expect(error.path == "$.slots")
        #expect(error.message.contains("1 to 256"), "\(error)")
    }

    @Test func ramAlignOf4KIsRefused() throws {
        let error = try vmError(#"{"schema": "layoutsolve/vm/v1", "ram": "4G", "ram_align": "4K"}"#)
        #expect(error.path == "$.ram_align")
        #expect(error.message.contains(#""2M" or "1G""#), "\(error)")
    }
}
