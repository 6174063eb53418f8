import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

@Suite("terminal map")
struct ASCIIMapTests {
    static let gib: UInt64 = 1 << 30

    func mixedFleet() throws -> Solution {
        try Solver.solve(hosts: InputLoader.loadHosts(paths: [Fixture.path("Examples/fleets/mixed-x86/")]),
                         vm: InputLoader.loadVM(path: Fixture.path("Examples/vm/db-64g.json")))
    }

    func row(_ map: String, _ address: UInt64) -> String? {
        map.split(separator: "\n").first { $0.hasPrefix("  " + Hex.padded(address)) }.map(String.init)
    }

    static func strippingANSI(_ text: String) -> String {
        text.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
    }

    @Test func rowsShowGuestRegionsBesideEachHostsHoles() throws {
        let map = ASCIIMap.render(try mixedFleet())
        #expect(!map.contains("\u{1B}"))
        // Lanes are in host-name order: A amd-epyc-7003, B intel-client-39, C intel-server-rmrr, D intel-xeon-vtd48.
        #expect(map.contains("  A  amd-epyc-7003 (cpu 48 · iommu 48 bits · ×40)"))
        #expect(map.contains("  B  intel-client-39 (cpu 46 · iommu 39 bits · ×2)"))
        let msi = try #require(row(map, 0xfee0_0000))
        #expect(msi.contains("++ apic-msi") && msi.components(separatedBy: "XX msi").count == 5)
        let rmrr = try #require(row(map, 0xbdf6_e000))
        #expect(rmrr.contains("XX direct") && rmrr.contains("92 KiB"))
        let low = try #require(row(map, 0))
        #expect(low.contains("## ram-below-4g"))
        let width = try #require(row(map, 0x80_0000_0000))
        #expect(width.contains("XX > 39 bits") && !width.contains("##"))
        let ht = try #require(row(map, 0xfd_0000_0000))
        #expect(ht.contains("XX reserved") && ht.contains("XX > 39 bits"))
        #expect(map.contains("0x0001000000000000  and up: past every host's IOMMU width"))
        // Nothing overlaps a DMA target in a verified layout.
        for line in map.split(separator: "\n") where line.hasPrefix("  0x") && line.contains("##") {
            #expect(!line.contains("XX"), "\(line)")
        }
    }

    @Test func colourChangesNothingButTheEscapes() throws {
        let solution = try mixedFleet()
        let plain = ASCIIMap.render(solution)
        let colored = ASCIIMap.render(solution, options: .init(color: true))
        #expect(colored.contains("\u{1B}[32m## ram-below-4g"))
        #expect(colored.contains("\u{1B}[33mXX msi"))
        #expect(colored != plain)
        #expect(Self.strippingANSI(colored) == plain)
    }

    @Test func conflictsAreMarkedAndListed() throws {
        let xeon = try Fixture.profile("intel-xeon-vtd48")
        let amd = try Fixture.profile("amd-epyc-7003")
        let layout = try Solver.solve(hosts: [xeon], vm: VMSpec(ram: 1100 * Self.gib)).layout
        let violations = LayoutVerifier.violations(of: layout.guest, on: [xeon, amd], strictRelaxable: false)
        let map = ASCIIMap.render(layout: layout.guest, hosts: [xeon, amd], options: .init(color: true, conflicts: violations))
        let ht = try #require(row(Self.strippingANSI(map), 0xfd_0000_0000))
        #expect(ht.contains("!! ram-above-4g") && ht.contains("!! reserved"))
        #expect(map.contains("\u{1B}[1;31m!! amd-epyc-7003: ram-above-4g:"))
        #expect(!ASCIIMap.render(layout: layout.guest, hosts: [xeon, amd]).contains("!! amd"))
    }

    @Test func theTextReportCarriesTheMapUnlessAskedNotTo() throws {
        let solution = try mixedFleet()
        let report = TextReport.render(solution)
        #expect(report.contains("Map (addresses grow downward"))
        #expect(report.contains(String(ASCIIMap.render(solution).dropLast())))
        #expect(!TextReport.render(solution, map: nil).contains("Map ("))
        #expect(TextReport.render(solution, map: .init(color: true)).contains("\u{1B}["))
    }

    @Test(arguments: [
        (TerminalColor.Choice.auto, ["TERM": "xterm"], true, true),
        (.auto, ["TERM": "xterm"], false, false),
        (.auto, ["TERM": "xterm", "NO_COLOR": "1"], true, false),
        (.auto, ["TERM": "xterm", "NO_COLOR": ""], true, true),
        (.auto, ["TERM": "dumb"], true, false),
        (.always, ["NO_COLOR": "1"], false, true),
        (.never, ["TERM": "xterm"], true, false),
    ])
    func colourDecision(choice: TerminalColor.Choice, environment: [String: String], isTerminal: Bool, expected: Bool) {
        #expect(TerminalColor.enabled(choice, environment: environment, isTerminal: isTerminal) == expected)
    }

    /// A profile that lists thousands of pages (an inventory tool's dump) solves, but a row per
    /// stretch would be thousands of rows and, for 10^6 holes, minutes of drawing: both maps say
    /// they are omitted and where every region is.
    @Test func mapsOfThousandsOfHolesAreOmittedWithAReason() throws {
        let holes = (0..<1_500).map { index -> (UInt64, UInt64, ReservedType) in
            let start = (UInt64(4) << 30) + UInt64(index) << 16
            return (start, start + 0xfff, .reserved)
        }
        let solution = try Solver.solve(hosts: [Fixture.x86Host("pages", reserved: holes)], vm: VMSpec(ram: 8 * Self.gib))
        let map = ASCIIMap.render(solution)
        #expect(map.hasPrefix("Map omitted: 30"), "\(map.prefix(200))")
        #expect(map.contains("more than \(ASCIIMap.maximumRows); the layout (-f json) lists every region."))
        let svg = SVGMap.render(solution)
        #expect(svg.contains("Map of the VM omitted") && svg.contains("bands between region boundaries, more than 2000"))
        // Below the limit the map is drawn as always.
        let few = try Solver.solve(hosts: [Fixture.x86Host("pages", reserved: Array(holes.prefix(10)))], vm: VMSpec(ram: 8 * Self.gib))
        #expect(ASCIIMap.render(few).hasPrefix("Map (addresses grow downward"))
    }
}
