import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

@Suite("check: the repository's own fleets, reports and baselines")
struct CheckReportTests {
    func repositoryReport(pools: Bool = false) throws -> CheckReport {
        var options = FleetCheck.Options()
        options.pools = pools
        let profiles = try CheckInput.loadProfiles(paths: [Fixture.path("Examples/fleets/mixed-x86"), Fixture.path("Examples/fleets/arm64")])
        let shapes = try CheckInput.loadShapes(paths: [Fixture.path("Examples/vm")])
        return try FleetCheck(options: options).run(profiles: profiles, shapes: shapes)
    }

    @Test func theRepositoryProfilesServeTheCIShapes() throws {
        let report = try FleetCheck().run(
            profiles: try CheckInput.loadProfiles(paths: [Fixture.path("Profiles")]),
            shapes: try CheckInput.loadShapes(paths: [Fixture.path("Examples/shapes")]))
        #expect(report.exitCode == 0, "\(CheckTextReport.render(report))")
        #expect(report.findings.isEmpty && report.shapes.count >= 4)
        // Profiles/ mixes architectures: each shape runs on its machine's and counts the rest out.
        for shape in report.shapes {
            #expect(shape.fits)
            let architecture = shape.machine == "virt" ? "aarch64" : "x86_64"
            #expect(shape.architecture == architecture)
            #expect(shape.hosts + shape.otherArchitectureHosts == report.hostCount)
        }
        #expect(report.shapes.contains { $0.machine == "virt" } && report.shapes.contains { $0.machine == "q35" })
    }

    @Test func theRepositoryExamplesGiveTheKnownVerdicts() throws {
        let report = try repositoryReport()
        let byName = Dictionary(uniqueKeysWithValues: report.shapes.map { ($0.name, $0) })
        for fits in ["db-64g", "small-4g", "hugepage-1g"] { #expect(byName[fits]?.fits == true, "\(fits)") }
        for fails in ["big-1100g", "p2p-gpu-16g"] { #expect(byName[fails]?.fits == false, "\(fails)") }
        #expect(report.exitCode == 1)
        #expect(report.verdict.hasSuffix("FAILED"))
    }

    @Test func aShapeTheSolverRefusesIsBadInputButTheReportIsComplete() throws {
        let odd = CheckFixture.shape(VMSpec(ram: 1001 << 20), name: "odd")
        let report = try CheckFixture.check([Fixture.x86Host("xeon")], [odd, CheckFixture.shape(VMSpec(ram: 8 << 30), name: "web")])
        guard case .invalid(let message) = report.shapes[0].outcome else { Issue.record("\(report.shapes[0].outcome)"); return }
        #expect(message.contains("granule") && report.shapes[1].fits)
        #expect(report.exitCode == 2)
    }

    @Test func textAndJSONAreDeterministic() throws {
        let first = try repositoryReport(pools: true), second = try repositoryReport(pools: true)
        #expect(CheckTextReport.render(first) == CheckTextReport.render(second))
        let json = CheckJSONReport.document(for: first).rendered()
        #expect(json == CheckJSONReport.document(for: second).rendered())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "layoutsolve/check/v1")
        #expect((object["result"] as? [String: Any])?["exit_code"] as? Int == 1)
        let shapes = try #require(object["shapes"] as? [[String: Any]])
        let big = try #require(shapes.first { $0["name"] as? String == "big-1100g" })
        #expect(big["status"] as? String == "does-not-fit")
        let conflicts = try #require(big["conflicts"] as? [[String: Any]])
        #expect(((conflicts.first?["hosts"] as? [[String: Any]])?.first?["name"] as? String) == "intel-client-39")
        #expect((big["pools"] as? [String: Any])?["count"] as? Int == 2)
    }

    @Test func junitIsValidXMLWithOneCasePerProfileAndShape() throws {
        let report = try repositoryReport()
        let xml = CheckJUnitReport.render(report)
        let document = try XMLDocument(data: Data(xml.utf8))
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        let cases = try root.nodes(forXPath: "//testcase")
        #expect(cases.count == report.profiles.count + report.shapes.count)
        let failures = try root.nodes(forXPath: "//testcase[failure]")
        #expect(failures.count == report.shapes.filter { report.failure(of: $0) != nil }.count)
        #expect(root.attribute(forName: "failures")?.stringValue == String(failures.count))
        let big = try #require(try root.nodes(forXPath: "//testcase[contains(@name, 'big-1100g')]/failure").first as? XMLElement)
        #expect(big.stringValue?.contains("intel-client-39") == true)
        #expect(try root.nodes(forXPath: "//testsuite[@name='profiles']/testcase").count == report.profiles.count)
    }

    @Test func junitEscapesWhatXMLCannotCarry() throws {
        let escaped = CheckJUnitReport.escape("a<b & \"c\" 'd'\u{1}\n")
        #expect(escaped == "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&#10;")
        #expect(try XMLDocument(data: Data("<x a=\"\(escaped)\">\(escaped)</x>".utf8)).rootElement() != nil)
    }

    @Test func githubAnnotationsNameFileAndLine() throws {
        let broken = CheckFixture.parsed("{\"schema\": \"layoutsolve/host/v1\", \"name\": \"x\",\n\"arch\": \"x86_64\"}", file: "fleet/broken.json")
        let documents = try CheckInput.loadProfiles(paths: [Fixture.path("Examples/fleets/mixed-x86")]) + [broken]
        let shapes = try CheckInput.loadShapes(paths: [Fixture.path("Examples/vm/p2p-gpu-16g.json")])
        let text = CheckGitHubReport.render(try FleetCheck().run(profiles: documents, shapes: shapes))
        let annotations = text.split(separator: "\n").filter { $0.hasPrefix("::") }
        let pattern = #/^::(error|warning|notice) file=[^,:]+,line=\d+,title=[^:]+::.+$/#
        #expect(annotations.count == 3)
        #expect(annotations.allSatisfy { $0.wholeMatch(of: pattern) != nil }, "\(annotations)")
        #expect(annotations.contains { $0.hasPrefix("::error file=fleet/broken.json,line=1,") && $0.contains("missing required member") })
        #expect(annotations.contains { $0.hasPrefix("::notice file=") && $0.contains("intel-server-rmrr.json,line=21,") })
        #expect(annotations.contains { $0.hasPrefix("::error file=") && $0.contains("p2p-gpu-16g.json,line=1,") && $0.contains("%0A") })
        #expect(CheckGitHubReport.escapeProperty("a:b,c%\n") == "a%3Ab%2Cc%25%0A")
    }

    // MARK: baselines

    func copyFleet(_ folder: String, to destination: URL) throws {
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: Fixture.path(folder)) where name.hasSuffix(".json") {
            try FileManager.default.copyItem(atPath: Fixture.path("\(folder)/\(name)"), toPath: destination.appendingPathComponent(name).path)
        }
    }

    @Test func aBaselineFolderShowsChangedAndBrokenLayouts() throws {
        let root = try CheckFixture.temporaryFolder("baseline")
        defer { try? FileManager.default.removeItem(at: root) }
        let old = root.appendingPathComponent("old"), new = root.appendingPathComponent("new")
        try copyFleet("Examples/fleets/mixed-x86", to: old)
        try copyFleet("Examples/fleets/mixed-x86", to: new)
        // The new fleet adds the strict reading of the Xeon RMRR (inside low RAM) and drops the client.
        try FileManager.default.copyItem(atPath: Fixture.path("Examples/fleets/xeon-rmrr-strict/intel-xeon-vtd48-rmrr-direct.json"), toPath: new.appendingPathComponent("strict.json").path)
        try FileManager.default.removeItem(at: new.appendingPathComponent("intel-client-39.json"))
        var big = try InputLoader.loadVM(path: Fixture.path("Examples/vm/big-1100g.json"))
        big.cpuVendor = .intel
        let shapes = try CheckInput.loadShapes(paths: [Fixture.path("Examples/vm/db-64g.json"), Fixture.path("Examples/vm/p2p-gpu-16g.json")])
            + [ShapeDocument(file: "big-intel.json", spec: big, name: "big-intel")]
        let baseline = try FleetCheck.BaselineFleet.load(paths: [old.path])
        let report = try FleetCheck().run(profiles: try CheckInput.loadProfiles(paths: [new.path]), shapes: shapes, baseline: baseline)
        let byName = Dictionary(uniqueKeysWithValues: report.shapes.map { ($0.name, $0) })
        guard case .layoutChanged(let before, let after)? = byName["db-64g"]?.change else {
            Issue.record("db-64g: \(String(describing: byName["db-64g"]?.change))")
            return
        }
        #expect(before != after)
        #expect(byName["p2p-gpu-16g"]?.change == .stillDoesNotFit)
        #expect(byName["big-intel"]?.change == .startedFitting)
        #expect(report.baseline?.added == ["intel-xeon-vtd48-rmrr-direct"] && report.baseline?.removed == ["intel-client-39"] && report.baseline?.changed == [])
        #expect(report.failure(of: byName["db-64g"]!)?.contains("allow-layout-change") == true)
        #expect(report.exitCode == 1)

        var allow = FleetCheck.Options()
        allow.allowLayoutChange = true
        let allowed = try FleetCheck(options: allow).run(profiles: try CheckInput.loadProfiles(paths: [new.path]), shapes: [shapes[0]], baseline: baseline)
        #expect(allowed.exitCode == 0 && CheckTextReport.render(allowed).contains("layout CHANGED"))

        // The other way round, the big VM stops fitting: a failure even with layout changes allowed.
        let reverse = try FleetCheck(options: allow).run(profiles: try CheckInput.loadProfiles(paths: [old.path]), shapes: [shapes[2]], baseline: try FleetCheck.BaselineFleet.load(paths: [new.path]))
        guard case .stoppedFitting? = reverse.shapes[0].change else { Issue.record("\(String(describing: reverse.shapes[0].change))"); return }
        #expect(reverse.exitCode == 1)
    }

    @Test func anUnchangedFleetIsUnchanged() throws {
        let folder = Fixture.path("Examples/fleets/mixed-x86")
        let report = try FleetCheck().run(
            profiles: try CheckInput.loadProfiles(paths: [folder]), shapes: try CheckInput.loadShapes(paths: [Fixture.path("Examples/vm/db-64g.json")]),
            baseline: try FleetCheck.BaselineFleet.load(paths: [folder]))
        #expect(report.shapes[0].change == .unchanged && report.exitCode == 0)
    }
}
