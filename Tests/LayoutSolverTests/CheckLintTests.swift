import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

@Suite("check: profile lint and duplicates")
struct CheckLintTests {
    func profile(name: String = "p", arch: String = "x86_64", cpuBits: Int = 46, iommuBits: Int = 48, reserved: String = "", extra: String = "") -> String {
        """
        {
          "schema": "layoutsolve/host/v1",
          "name": "\(name)",
          "arch": "\(arch)",
          "cpu": {"vendor": "intel", "phys_bits": \(cpuBits)},
          "iommu": {"kind": "intel-vt-d", "address_bits": \(iommuBits)},
          "reserved": [
        \(reserved)
          ]\(extra)
        }
        """
    }

    func findings(_ text: String, file: String = "p.json") -> [LintFinding] { FleetLint.findings(for: CheckFixture.parsed(text, file: file)) }

    @Test func overlappingRegionsOfDifferentTypesWarnOnTheLaterLine() {
        let found = findings(profile(reserved: """
            {"start": "0x7bb24000", "end": "0x7bb32fff", "type": "direct-relaxable"},
            {"start": "0x7bb30000", "end": "0x7bb30fff", "type": "direct"},
            {"start": "0xfee00000", "end": "0xfeefffff", "type": "msi"}
            """))
        #expect(found.count == 1)
        #expect(found.first?.code == "overlap" && found.first?.severity == .warning)
        #expect(found.first?.path == "$.reserved[1]" && found.first?.line == 9)
        #expect(found.first?.message.contains("0x7bb24000-0x7bb32fff") == true)
    }

    @Test func sameTypeOverlapAndAdjacentRegionsAreQuiet() {
        let found = findings(profile(reserved: """
            {"start": "0x1000", "end": "0x1fff", "type": "reserved"},
            {"start": "0x2000", "end": "0x2fff", "type": "direct"}
            """))
        #expect(found.isEmpty)
    }

    @Test func regionsPastTheWidthsWarn() {
        let found = findings(profile(cpuBits: 40, iommuBits: 39, reserved: """
            {"start": "0x9000000000", "size": "4G", "type": "reserved"},
            {"start": "0x7f00000000", "end": "0x80ffffffff", "type": "reserved"}
            """, extra: """
            ,
              "iova_ranges": [{"start": "0x0", "end": "0xffffffffff"}]
            """))
        #expect(found.map(\.code) == ["past-width", "past-width", "past-width"])
        #expect(found.map(\.path) == ["$.reserved[0]", "$.reserved[1]", "$.iova_ranges[0]"])
        #expect(found[0].message.contains("entirely") && found[1].message.contains("runs past"))
        #expect(found.allSatisfy { $0.severity == .warning && $0.line != nil })
    }

    @Test func armMSIAtTheSoftwareWindowLooksLikeSoftwareMSI() {
        let arm = findings(profile(arch: "aarch64", reserved: #"{"start": "0x8000000", "end": "0x80fffff", "type": "msi"}"#))
        #expect(arm.map(\.code) == ["msi-is-sw-msi"])
        #expect(arm.first?.path == "$.reserved[0].type" && arm.first?.line == 8)
        // The same range typed sw-msi, or on x86, or of another size, is fine.
        #expect(findings(profile(arch: "aarch64", reserved: #"{"start": "0x8000000", "end": "0x80fffff", "type": "sw-msi"}"#)).isEmpty)
        #expect(findings(profile(reserved: #"{"start": "0x8000000", "end": "0x80fffff", "type": "msi"}"#)).isEmpty)
        #expect(findings(profile(arch: "aarch64", reserved: #"{"start": "0x8000000", "end": "0x800ffff", "type": "msi"}"#)).isEmpty)
    }

    @Test func schemaErrorsAreLintErrorsWithLineAndPath() {
        let found = findings(profile(reserved: #"{"start": "0xfee00000", "end": "0xfedfffff", "type": "msi"}"#))
        #expect(found.count == 1)
        #expect(found[0].severity == .error && found[0].code == "schema")
        #expect(found[0].path == "$.reserved[0].end" && found[0].line == 8)
        let syntax = findings("{\n  \"schema\": \n}")
        #expect(syntax.first?.severity == .error && syntax.first?.line == 3 && syntax.first?.message.contains("not valid JSON") == true)
    }

    @Test func theRepositoryProfilesAndExampleFleetsLintClean() throws {
        var folders = ["Profiles"]
        folders += try FileManager.default.contentsOfDirectory(atPath: Fixture.path("Examples/fleets")).filter { !$0.hasSuffix(".md") }.map { "Examples/fleets/\($0)" }
        for folder in folders {
            let documents = try CheckInput.loadProfiles(paths: [Fixture.path(folder)])
            let report = try FleetCheck().run(profiles: documents, shapes: [])
            #expect(report.findings.isEmpty, "\(folder): \(report.findings.map { "\($0.location): \($0.message)" })")
            #expect(report.exitCode == 0)
        }
    }

    // MARK: duplicates

    @Test func theSameHostTwiceIsCountedOnce() {
        let text = profile(name: "a", reserved: #"{"start": "0xfee00000", "end": "0xfeefffff", "type": "msi"}"#, extra: ",\n  \"count\": 5")
        let result = DuplicateDetection.analyse([CheckFixture.parsed(text, file: "one/a.json"), CheckFixture.parsed(text, file: "two/a.json")], strictRelaxable: false)
        #expect(result.findings.map(\.code) == ["duplicate-host"])
        #expect(result.findings[0].severity == .warning && result.findings[0].file == "two/a.json" && result.findings[0].line == 3)
        #expect(result.distinct.count == 1 && result.distinct[0].weight == 5)
    }

    @Test func oneNameForTwoDifferentHostsIsAnError() {
        let a = CheckFixture.parsed(profile(name: "a", iommuBits: 48), file: "one/a.json")
        let b = CheckFixture.parsed(profile(name: "a", iommuBits: 39), file: "two/a.json")
        let result = DuplicateDetection.analyse([a, b], strictRelaxable: false)
        #expect(result.findings.map(\.code) == ["duplicate-name"] && result.findings[0].severity == .error)
        #expect(result.used == [0] && result.distinct.count == 1 && result.distinct[0].representative.iommuAddressBits == 48)
    }

    @Test func aKindListedTwiceWarnsButAlikeHostsAreOnlyGrouped() {
        let kind = { (name: String) in self.profile(name: name, reserved: #"{"start": "0xfee00000", "end": "0xfeefffff", "type": "msi"}"#, extra: ",\n  \"count\": 40") }
        let kinds = DuplicateDetection.analyse([CheckFixture.parsed(kind("epyc"), file: "epyc.json"), CheckFixture.parsed(kind("epyc-copy"), file: "epyc-copy.json")], strictRelaxable: false)
        #expect(kinds.findings.map(\.code) == ["identical-profile"] && kinds.findings[0].file == "epyc-copy.json")
        #expect(kinds.distinct.count == 1 && kinds.distinct[0].weight == 80 && kinds.distinct[0].memberNames == ["epyc", "epyc-copy"])

        // Per-host profiles (count 1) that are alike are what a real fleet looks like: no warning.
        let hosts = (0..<3).map { CheckFixture.parsed(profile(name: "h\($0)"), file: "h\($0).json") }
        let grouped = DuplicateDetection.analyse(hosts, strictRelaxable: false)
        #expect(grouped.findings.isEmpty && grouped.distinct.count == 1 && grouped.distinct[0].weight == 3)
        #expect(grouped.distinct[0].label == "h0 (+2 alike) ×3")
    }

    @Test func groupingFollowsWhatTheSolverSees() {
        let relaxable = Fixture.x86Host("a", reserved: [(0x3c00_0000, 0x407f_ffff, .directRelaxable)])
        let plain = Fixture.x86Host("b")
        let reordered = Fixture.x86Host("c", reserved: [(0x7bb2_4000, 0x7bb3_2fff, .direct)])
        var swapped = reordered
        swapped.name = "d"
        swapped.reserved.reverse()
        let documents = [relaxable, plain, reordered, swapped].map(CheckFixture.document)
        #expect(DuplicateDetection.analyse(documents, strictRelaxable: false).distinct.map(\.memberNames) == [["a", "b"], ["c", "d"]])
        #expect(DuplicateDetection.analyse(documents, strictRelaxable: true).distinct.map(\.memberNames) == [["a"], ["b"], ["c", "d"]])
    }

    @Test func aBrokenProfileDoesNotStopTheRest() throws {
        let good = CheckFixture.parsed(profile(name: "good"), file: "good.json")
        let bad = CheckFixture.parsed("{\"schema\": \"layoutsolve/host/v1\"}", file: "bad.json")
        let report = try FleetCheck().run(profiles: [bad, good], shapes: [CheckFixture.shape(VMSpec(ram: 8 << 30), name: "web")])
        #expect(report.errorCount == 1 && report.profiles[0].findings[0].code == "schema")
        #expect(report.shapes[0].fits && report.hostCount == 1)
        #expect(report.exitCode == 1)
    }

    @Test func warningsFailOnlyWhenStrict() throws {
        let doc = CheckFixture.parsed(profile(arch: "aarch64", reserved: #"{"start": "0x8000000", "end": "0x80fffff", "type": "msi"}"#), file: "arm.json")
        #expect(try FleetCheck().run(profiles: [doc], shapes: []).exitCode == 0)
        var options = FleetCheck.Options()
        options.strict = true
        let strict = try FleetCheck(options: options).run(profiles: [doc], shapes: [])
        #expect(strict.exitCode == 1 && strict.verdict.contains("--strict"))
    }
}
