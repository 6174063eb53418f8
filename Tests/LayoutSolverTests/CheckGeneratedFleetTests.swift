import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

/// A 10,000-host fleet of a few dozen platform kinds, written as profile files and checked end to
/// end the way CI would. Set LAYOUTSOLVE_CHECK_FLEET to a folder to keep the files (the benchmark
/// in the Performance article times `layoutsolve check` on them in release mode).
@Suite("check: a generated 10,000-host fleet")
struct CheckGeneratedFleetTests {
    static let shapes: [(String, VMSpec)] = [
        ("web-8g", VMSpec(ram: 8 << 30)),
        ("db-256g", VMSpec(ram: 256 << 30, maxmem: 384 << 30, slots: 2)),
        ("big-1100g", VMSpec(ram: 1100 << 30, cpuVendor: .amd)),
        ("p2p-16g", VMSpec(ram: 16 << 30, pciHole64: 64 << 30, p2p: true)),
        ("arm-16g", VMSpec(machine: .virt, ram: 16 << 30)),
    ]

    @Test func tenThousandHostsEndToEnd() throws {
        let keep = ProcessInfo.processInfo.environment["LAYOUTSOLVE_CHECK_FLEET"]
        let root = try keep.map { URL(fileURLWithPath: $0) } ?? CheckFixture.temporaryFolder("generated")
        defer { if keep == nil { try? FileManager.default.removeItem(at: root) } }
        let fleetFolder = root.appendingPathComponent("fleet"), shapeFolder = root.appendingPathComponent("shapes")
        try? FileManager.default.removeItem(at: fleetFolder)
        try? FileManager.default.removeItem(at: shapeFolder)
        try FileManager.default.createDirectory(at: fleetFolder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: shapeFolder, withIntermediateDirectories: true)
        var generator = GeneratedFleet()
        let hosts = generator.hosts(10_000)
        try CheckFixture.write(hosts, to: fleetFolder)
        for (name, spec) in Self.shapes {
            var members: [(String, JSONOutput)] = [("schema", .string(VMSpec.schema)), ("name", .string(name)), ("machine", .string(spec.machine.rawValue)), ("ram", .string(Hex.format(spec.ram)))]
            if let maxmem = spec.maxmem { members += [("maxmem", .string(Hex.format(maxmem))), ("slots", .integer(spec.slots))] }
            if let hole = spec.pciHole64 { members.append(("pci_hole64", .string(Hex.format(hole)))) }
            if spec.p2p { members.append(("p2p", .bool(true))) }
            if let vendor = spec.cpuVendor { members.append(("cpu_vendor", .string(vendor.rawValue))) }
            try Data(JSONOutput.object(members).rendered().utf8).write(to: shapeFolder.appendingPathComponent("\(name).json"))
        }

        let started = Date()
        let documents = try CheckInput.loadProfiles(paths: [fleetFolder.path])
        let shapes = try CheckInput.loadShapes(paths: [shapeFolder.path])
        var options = FleetCheck.Options()
        options.pools = true
        let report = try FleetCheck(options: options).run(profiles: documents, shapes: shapes)
        let seconds = Date().timeIntervalSince(started)
        print("generated fleet: \(report.profiles.count) files, \(report.distinctProfiles) distinct profiles, checked in \(String(format: "%.1f", seconds)) s (debug build, library)")

        #expect(report.profiles.count == 10_000 && report.hostCount == 10_000)
        #expect(report.errorCount == 0 && report.warningCount == 0)
        #expect(report.shapes.allSatisfy { $0.internalErrors.isEmpty }, "\(report.shapes.flatMap(\.internalErrors))")
        // Hosts of one kind and build share their holes: far fewer distinct profiles than hosts.
        #expect(report.distinctProfiles > 50 && report.distinctProfiles < 200, "\(report.distinctProfiles)")
        let byName = Dictionary(uniqueKeysWithValues: report.shapes.map { ($0.name, $0) })
        #expect(byName["web-8g"]?.fits == true)
        #expect(byName["db-256g"]?.fits == true)
        #expect(byName["arm-16g"]?.fits == true)
        #expect(byName["arm-16g"]?.otherArchitectureHosts ?? 0 > 9_000)
        // 1100 GiB cannot fit a 39-bit client; the first conflict is exactly one client kind's width.
        guard case .doesNotFit(let big)? = byName["big-1100g"]?.outcome else { Issue.record("big-1100g fits"); return }
        let first = try #require(big.conflicts.first)
        #expect(first.hosts.count == 1 && first.hosts[0].name.hasPrefix("client-"))
        #expect(first.constraints.map(\.kind) == [.iommuWidth])
        // p2p: the builds with a direct region in the 32-bit hole, and the HP RMRRs, fall out.
        guard case .doesNotFit(let p2p)? = byName["p2p-16g"]?.outcome else { Issue.record("p2p-16g fits"); return }
        let coverage = try #require(p2p.coverage)
        let oddBuild = Set(hosts.filter { host in host.reserved.contains { $0.type == .direct && $0.range.start >= 0xc000_0000 } }.map(\.name))
        #expect(coverage.left.allSatisfy { group in group.name.hasPrefix("proliant") || oddBuild.contains(group.name) })
        #expect(coverage.servedHosts > 4_000 && coverage.servedHosts < 6_000, "\(coverage.servedHosts)")
        let pools = try #require(byName["p2p-16g"]?.pools)
        #expect(pools.pools.count == 1 && pools.pools[0].hosts == coverage.servedHosts)
    }
}
