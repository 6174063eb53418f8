import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutSolver

/// `--svg` when no layout fits: every host's holes, the ones the conflicts name in red; and
/// labels cut to fit keep their whole text as a tooltip.
@Suite("SVG map: failed solves and full labels")
struct SVGFailureMapTests {
    func failure() throws -> (hosts: [HostProfile], failure: NoLayoutExists) {
        let hosts = try InputLoader.loadHosts(paths: ["Profiles/intel-client-39.json", "Profiles/amd-epyc-7003.json"].map(Fixture.path))
        do {
            _ = try Solver.solve(hosts: hosts, vm: VMSpec(ram: 2 << 40))
        } catch let failure as NoLayoutExists {
            return (hosts, failure)
        }
        throw InputError(source: "test", message: "2 TiB on a 39-bit host solved")
    }

    @Test func failedSolveDrawsTheConflictingHolesInRed() throws {
        let (hosts, failure) = try failure()
        let svg = SVGFailureMap.render(hosts: hosts, failure: failure)
        // Well-formed XML.
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(String(describing: parser.parserError))")
        // The 39-bit width hole of intel-client-39 is the conflict, and red.
        let conflicts = svg.components(separatedBy: "<g class='hole conflict'").dropFirst()
        #expect(conflicts.count == 1)
        #expect(conflicts.first?.contains("data-start='0x8000000000'") == true)
        #expect(conflicts.first?.contains("fill='\(SVGCanvas.red)'") == true)
        #expect(conflicts.first?.contains("<title>intel-client-39: past the IOMMU&apos;s 39-bit address width") == true || conflicts.first?.contains("<title>intel-client-39: past the IOMMU's 39-bit address width") == true)
        // The other holes are drawn, not red: amd-epyc-7003's HyperTransport hole and both msi windows.
        #expect(svg.components(separatedBy: "<g class='hole'").count - 1 >= 3)
        #expect(svg.contains("No layout for the VM fits every host"))
        #expect(svg.contains("conflict: the VM needs 2 TiB of DMA-addressable RAM"))
    }

    @Test func cutLabelsKeepTheirWholeTextAsATooltip() throws {
        let hosts = try InputLoader.loadHosts(paths: [Fixture.path("Examples/fleets/xeon-rmrr-strict/intel-xeon-vtd48-rmrr-direct.json"), Fixture.path("Profiles/amd-epyc-7003.json")])
        let solution = try Solver.solve(hosts: hosts, vm: VMSpec(ram: 16 << 30))
        let svg = SVGMap.render(solution)
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        // The lane header is cut in the picture and whole in its tooltip.
        #expect(svg.contains("<title>intel-xeon-vtd48-rmrr-direct</title>") || !svg.contains("intel-xeon-vtd48-rmrr-d…"))
        // Every cut text sits in a group with a title holding more than the cut text.
        for group in svg.components(separatedBy: "<g class='cut'>").dropFirst() {
            let title = group.components(separatedBy: "<title>").dropFirst().first?.components(separatedBy: "</title>").first ?? ""
            #expect(!title.isEmpty && !title.hasSuffix("…"))
        }
        // Every region and hole has a tooltip.
        let regions = svg.components(separatedBy: "<g class='region").dropFirst()
        #expect(!regions.isEmpty && regions.allSatisfy { $0.split(separator: "\n").dropFirst().first?.contains("<title>") == true })
    }
}
