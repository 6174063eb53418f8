import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

/// Fleets whose conflicts are known by construction: the explanation must name exactly those
/// hosts and those regions, with the lines to edit.
@Suite("check: explanations name exactly the conflicting hosts and regions")
struct CheckExplainTests {
    let gib = CheckFixture.gib

    func noFit(_ report: CheckReport, _ index: Int = 0) throws -> CheckReport.NoFit {
        guard case .doesNotFit(let noFit) = report.shapes[index].outcome else {
            Issue.record("expected \(report.shapes[index].name) not to fit")
            throw CancellationError()
        }
        return noFit
    }

    func line(of needle: String, in file: String) throws -> Int {
        let text = try String(contentsOfFile: Fixture.path(file), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return try #require(lines.firstIndex { $0.contains(needle) }) + 1
    }

    @Test func twoHolesThatOnlyConflictTogether() throws {
        // Under a 40-bit IOMMU (1 TiB), 700 GiB fit beside either 200 GiB hole but not both.
        let holeA = Fixture.x86Host("hole-a", reserved: [(100 * gib, 300 * gib - 1, .reserved)])
        let holeB = Fixture.x86Host("hole-b", iommuBits: 40, reserved: [(500 * gib, 700 * gib - 1, .reserved)])
        let plain = Fixture.x86Host("plain")
        let small = Fixture.x86Host("small-hole", reserved: [(900 * gib, 910 * gib - 1, .reserved)])
        let report = try CheckFixture.check([small, holeB, plain, holeA], [CheckFixture.shape(VMSpec(ram: 700 * gib, cpuVendor: .intel), name: "big")])
        let noFit = try noFit(report)
        #expect(noFit.conflicts.count == 1 && !noFit.moreConflicts)
        let conflict = noFit.conflicts[0]
        #expect(conflict.minimal)
        #expect(conflict.hosts.map(\.name) == ["hole-a", "hole-b"])
        #expect(conflict.constraints.map { "\($0.host) \($0.path)" } == ["hole-a $.reserved[1]", "hole-b $.reserved[1]", "hole-b $.iommu.address_bits"])
        #expect(conflict.constraints[0].summary == "reserved 0x1900000000-0x4affffffff (200 GiB)")
        #expect(conflict.reasons.joined().contains("700 GiB"))
        // Either hole alone leaves room: the most hosts one layout serves drops just one of them
        // (ties go to the earlier names, so hole-b).
        let coverage = try #require(noFit.coverage)
        #expect(coverage.exact && coverage.servedHosts == 3 && coverage.left.map(\.name) == ["hole-b"])
    }

    @Test func aVendorMixIsAConflictOfHostsWithoutARegion() throws {
        let intel = Fixture.x86Host("intel-a")
        let amd = Fixture.x86Host("amd-b", vendor: "amd", cpuBits: 48)
        let report = try CheckFixture.check([intel, amd], [CheckFixture.shape(VMSpec(ram: 1100 * gib), name: "big")]) { $0.pools = true }
        let conflict = try #require(try noFit(report).conflicts.first)
        #expect(conflict.hosts.map(\.name) == ["amd-b", "intel-a"] && conflict.constraints.isEmpty && conflict.minimal)
        #expect(conflict.reasons.joined().contains("cpu_vendor"))
        let pools = try #require(report.shapes[0].pools)
        #expect(pools.exact && pools.pools.count == 2 && pools.unservable.isEmpty)
        #expect(Set(pools.pools.compactMap { $0.layout?.argv.last }) == ["host,host-phys-bits=off,phys-bits=46,vendor=GenuineIntel", "host,host-phys-bits=off,phys-bits=48,vendor=AuthenticAMD"])
    }

    @Test func theRepositoryRMRRBlocksPeerToPeer() throws {
        let documents = try CheckInput.loadProfiles(paths: [Fixture.path("Examples/fleets/mixed-x86")])
        let shapes = try CheckInput.loadShapes(paths: [Fixture.path("Examples/vm/p2p-gpu-16g.json")])
        let report = try FleetCheck().run(profiles: documents, shapes: shapes)
        let conflict = try #require(try noFit(report).conflicts.first)
        #expect(conflict.hosts.map(\.name) == ["intel-server-rmrr"] && conflict.hosts[0].weight == 6)
        #expect(conflict.constraints.count == 1)
        let rmrr = conflict.constraints[0]
        #expect(rmrr.path == "$.reserved[1]" && rmrr.summary == "direct 0xbdf6e000-0xbdf84fff (92 KiB)")
        #expect(rmrr.line == (try line(of: "0xbdf6e000", in: "Examples/fleets/mixed-x86/intel-server-rmrr.json")) - 1)
        #expect(rmrr.file.hasSuffix("Examples/fleets/mixed-x86/intel-server-rmrr.json"))
        let coverage = try #require(try noFit(report).coverage)
        #expect(coverage.exact && coverage.servedHosts == 66 && coverage.totalHosts == 72)
    }

    @Test func theRepositoryClientIOMMUCapsABigVM() throws {
        let documents = try CheckInput.loadProfiles(paths: [Fixture.path("Examples/fleets/mixed-x86")])
        var spec = try InputLoader.loadVM(path: Fixture.path("Examples/vm/big-1100g.json"))
        spec.cpuVendor = .intel
        let report = try FleetCheck().run(profiles: documents, shapes: [ShapeDocument(file: "big-1100g-intel.json", spec: spec, name: "big-1100g-intel")])
        let noFit = try noFit(report)
        #expect(noFit.conflicts.count == 1 && !noFit.moreConflicts)
        let conflict = noFit.conflicts[0]
        #expect(conflict.hosts.map(\.name) == ["intel-client-39"])
        #expect(conflict.constraints.map(\.kind) == [.iommuWidth])
        #expect(conflict.constraints[0].line == (try line(of: "\"address_bits\": 39", in: "Examples/fleets/mixed-x86/intel-client-39.json")))
        #expect(conflict.reasons.joined().contains("1100 GiB") && conflict.reasons.joined().contains("510 GiB"))
        #expect(noFit.coverage?.servedHosts == 70 && noFit.coverage?.exact == true)
    }

    @Test func withoutAVendorTheMixedFleetHasTwoIndependentConflicts() throws {
        let documents = try CheckInput.loadProfiles(paths: [Fixture.path("Examples/fleets/mixed-x86")])
        let shapes = try CheckInput.loadShapes(paths: [Fixture.path("Examples/vm/big-1100g.json")])
        var options = FleetCheck.Options()
        options.pools = true
        let report = try FleetCheck(options: options).run(profiles: documents, shapes: shapes)
        let noFit = try noFit(report)
        // The second conflict is one AMD and one Intel host (which ones is deterministic).
        #expect(noFit.conflicts.map { $0.hosts.map(\.name) } == [["intel-client-39"], ["amd-epyc-7003", "intel-xeon-vtd48"]])
        #expect(noFit.conflicts[1].constraints.isEmpty && !noFit.moreConflicts)
        let pools = try #require(report.shapes[0].pools)
        #expect(pools.exact)
        #expect(pools.pools.map { $0.groups.map(\.name) } == [["amd-epyc-7003"], ["intel-server-rmrr", "intel-xeon-vtd48"]])
        #expect(pools.pools.map(\.hosts) == [40, 30] && pools.unservable.map(\.name) == ["intel-client-39"])
        #expect(pools.pools.allSatisfy { $0.layout != nil })
    }

    @Test func aCappedSearchSaysSo() throws {
        let hosts = (0..<6).map { Fixture.x86Host("h\($0)", iommuBits: 39 + $0) }
        let report = try CheckFixture.check(hosts, [CheckFixture.shape(VMSpec(ram: 600 * gib, cpuVendor: .intel), name: "big")]) {
            $0.explainer = ConflictExplainer(maximumSolves: 1)
        }
        let conflict = try #require(try noFit(report).conflicts.first)
        #expect(!conflict.minimal)
        #expect(CheckTextReport.render(report).contains("work cap reached"))
    }
}
