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

@Suite("SVG map")
struct SVGMapTests {
    static let gib: UInt64 = 1 << 30

    func mixedFleet() throws -> Solution {
        try Solver.solve(hosts: InputLoader.loadHosts(paths: [Fixture.path("Examples/fleets/mixed-x86/")]),
                         vm: InputLoader.loadVM(path: Fixture.path("Examples/vm/db-64g.json")))
    }

    func parse(_ svg: String) throws -> XMLDocument { try XMLDocument(xmlString: svg, options: []) }

    func texts(_ document: XMLDocument) throws -> [String] {
        try document.nodes(forXPath: "//*[local-name()='text']").compactMap(\.stringValue)
    }

    /// XPath results are attribute nodes, whose string value is the attribute's.
    func numbers(_ document: XMLDocument, _ xpath: String) throws -> [Int] {
        try document.nodes(forXPath: xpath).compactMap { $0.stringValue.flatMap { Int($0) } }
    }

    @Test func parsesAsXMLAndLabelsEveryLaneAndRegion() throws {
        let solution = try mixedFleet()
        let document = try parse(SVGMap.render(solution))
        #expect(document.rootElement()?.name == "svg")
        let texts = try texts(document)
        for region in solution.layout.regions {
            #expect(texts.contains(region.name), "no label for \(region.name)")
        }
        for host in solution.hosts {
            #expect(texts.contains(host.name), "no lane for \(host.name)")
        }
        #expect(texts.contains("msi: IOAPIC/MSI window"))
        #expect(texts.contains("reserved: HyperTransport"))
        #expect(texts.contains("past 39-bit IOMMU"))
        #expect(texts.contains("direct: Non-relaxable RMRR"))
        #expect(texts.contains { $0.hasPrefix("1 MiB · 0xfee00000–0xfeefffff") })
        #expect(texts.contains("guest phys-bits 38 limit"))
        #expect(try document.nodes(forXPath: "//*[contains(@class, 'conflict')]").isEmpty)
    }

    /// The log-scaled, broken axis shows a 1 MiB window and a 12 GiB hole at comparable heights, and
    /// 256 TiB of address space on one page.
    @Test func smallAndHugeRangesAreBothVisible() throws {
        let document = try parse(SVGMap.render(try mixedFleet()))
        let msiHeight = try #require(try numbers(document, "//*[@data-name='apic-msi']/*[local-name()='rect'][1]/@height").first)
        #expect(msiHeight >= 36)
        let holes = try numbers(document, "//*[@class='hole']/*[local-name()='rect'][1]/@height")
        #expect(!holes.isEmpty && holes.min()! >= 18)
        let ht = try #require(try numbers(document, "//*[@class='hole'][@data-start='0xfd00000000']/*[local-name()='rect'][1]/@height").first)
        #expect(ht > msiHeight && ht <= 3 * msiHeight)
        let height = try #require(try numbers(document, "/*/@height").first)
        #expect(height < 2400)
    }

    /// A layout solved for one host, drawn against hosts it does not fit: the overlaps are red.
    @Test func conflictsAreDrawnInRed() throws {
        let xeon = try Fixture.profile("intel-xeon-vtd48")
        let amd = try Fixture.profile("amd-epyc-7003")
        let client = try Fixture.profile("intel-client-39")
        let layout = try Solver.solve(hosts: [xeon], vm: VMSpec(name: "big", ram: 1100 * Self.gib)).layout
        let violations = LayoutVerifier.violations(of: layout.guest, on: [xeon, amd, client], strictRelaxable: false)
        #expect(violations.contains { $0.host == "amd-epyc-7003" && $0.region == "ram-above-4g" })
        let svg = SVGMap.render(layout: layout.guest, hosts: [xeon, amd, client], options: .init(conflicts: violations))
        let document = try parse(svg)
        let amdConflicts = try document.nodes(forXPath: "//*[@data-hosts='amd-epyc-7003']/*[@class='conflict']/@fill")
        #expect(amdConflicts.map(\.stringValue) == ["#d62728"])
        #expect(try document.nodes(forXPath: "//*[@data-hosts='intel-xeon-vtd48']/*[@class='conflict']").isEmpty)
        #expect(try !document.nodes(forXPath: "//*[@data-hosts='intel-client-39']/*[@class='conflict']").isEmpty)
        #expect(try document.nodes(forXPath: "//*[@class='region conflict']/@data-name").map(\.stringValue) == ["ram-above-4g"])
        #expect(try document.nodes(forXPath: "//*[@class='conflict-text']").count == violations.count)
        #expect(try texts(document).contains { $0.hasPrefix("conflict: amd-epyc-7003: ram-above-4g:") })
        // The same picture without violations has no red at all.
        #expect(!SVGMap.render(layout: layout.guest, hosts: [xeon, amd, client]).contains("class='conflict'"))
    }

    @Test func hostsThatLookTheSameShareALane() throws {
        let hosts = [Fixture.x86Host("rack-a"), Fixture.x86Host("rack-b"), Fixture.x86Host("narrow", iommuBits: 39)]
        let solution = try Solver.solve(hosts: hosts, vm: VMSpec(ram: 8 * Self.gib))
        let document = try parse(SVGMap.render(solution))
        let lanes = try document.nodes(forXPath: "//*[@class='host']/@data-hosts").compactMap(\.stringValue)
        #expect(lanes == ["narrow", "rack-a rack-b"])
        #expect(try texts(document).contains("rack-a, rack-b"))
    }

    @Test func sameBytesInAnyHostOrderAndNamesAreEscaped() throws {
        let solution = try mixedFleet()
        var reversed = solution
        reversed.hosts.reverse()
        #expect(SVGMap.render(solution) == SVGMap.render(reversed))
        var layout = solution.layout.guest
        layout.vm.name = "<db & \"prod\">"
        let svg = SVGMap.render(layout: layout, hosts: solution.hosts)
        let document = try parse(svg)
        #expect(try texts(document).contains { $0.hasPrefix("VM <db & \"prod\">:") })
    }
}
