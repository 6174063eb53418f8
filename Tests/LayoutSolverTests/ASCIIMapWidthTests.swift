import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutSolver

/// The terminal map fits `$COLUMNS`: seven hosts at 60, 80 and 120 columns, every line within
/// the width, every host in exactly one group, every group with the same rows.
@Suite("terminal map: fitting the width")
struct ASCIIMapWidthTests {
    static let sevenHosts = [
        "Profiles/amd-epyc-7003.json", "Profiles/amd-epyc-ht-ignore.json", "Profiles/amd-epyc-sme.json",
        "Profiles/intel-client-39.json", "Profiles/intel-server-rmrr.json", "Profiles/intel-xeon-vtd48.json",
        "Examples/fleets/xeon-rmrr-strict/intel-xeon-vtd48-rmrr-direct.json",
    ]

    static let solution: Result<Solution, Error> = Result {
        try Solver.solve(hosts: InputLoader.loadHosts(paths: sevenHosts.map(Fixture.path)), vm: VMSpec(ram: 16 << 30))
    }

    @Test(arguments: [60, 80, 120])
    func sevenHostsFitTheWidth(columns: Int) throws {
        let solution = try Self.solution.get()
        let map = ASCIIMap.render(solution, options: .init(width: columns))
        let lines = map.split(separator: "\n", omittingEmptySubsequences: false)
        let wide = lines.filter { $0.count > columns }
        #expect(wide.isEmpty, "\(columns) columns: \(wide)")

        // Every host letter heads exactly one column, in order.
        let headers = lines.filter { $0.hasPrefix("  START") }
        let letters = headers.flatMap { $0.split(separator: " ").dropFirst($0.contains("SIZE") ? 3 : 2).map(String.init) }
        #expect(letters == ["A", "B", "C", "D", "E", "F", "G"], "\(headers)")
        #expect(headers.count == Int((7.0 / Double(ASCIIMap.Shape.fitting(width: columns, lanes: 7, guestWidth: 24).lanesPerGroup)).rounded(.up)))

        // Each group has the same rows: one per stretch.
        let rowCounts = map.components(separatedBy: "  START").dropFirst().map { $0.split(separator: "\n").dropFirst().prefix { $0.hasPrefix("  0x") && !$0.contains("and up") }.count }
        #expect(Set(rowCounts).count == 1)

        // Still the facts: intel-client-39 (D) is narrow, the msi window is a hole on every host.
        #expect(map.contains("XX > 39 bits"))
        #expect(map.components(separatedBy: "XX msi").count - 1 == 7)
    }

    @Test func noWidthIsOneTableAsBefore() throws {
        let solution = try Self.solution.get()
        let map = ASCIIMap.render(solution)
        #expect(map.components(separatedBy: "  START").count == 2)
        #expect(map.hasPrefix("Map (addresses grow downward; one row per stretch between boundaries, not to scale):\n"))
        #expect(map == ASCIIMap.render(solution, options: .init(width: 1000)))
    }

    @Test func widthComesFromCOLUMNSThenTheTerminal() {
        #expect(TerminalWidth.columns(environment: ["COLUMNS": "100"], isTerminal: false) { nil } == 100)
        #expect(TerminalWidth.columns(environment: ["COLUMNS": "100"], isTerminal: true) { 70 } == 100)
        #expect(TerminalWidth.columns(environment: [:], isTerminal: true) { 70 } == 70)
        #expect(TerminalWidth.columns(environment: [:], isTerminal: false) { 70 } == nil)
        #expect(TerminalWidth.columns(environment: ["COLUMNS": "junk"], isTerminal: false) { 70 } == nil)
        #expect(TerminalWidth.columns(environment: ["COLUMNS": "10"], isTerminal: false) { nil } == TerminalWidth.minimum)
    }
}
