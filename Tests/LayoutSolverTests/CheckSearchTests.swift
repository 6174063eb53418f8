import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver
import FleetGenerator

/// Max coverage, pools and conflict sets on small random fleets, against an exhaustive search
/// over every subset (the solver decides each one).
@Suite("check: coverage, pools and conflicts agree with an exhaustive search")
struct CheckSearchTests {
    let gib = CheckFixture.gib

    func randomHost(_ index: Int, using generator: inout SplitMix64) -> HostProfile {
        let amd = Int.random(in: 0..<5, using: &generator) < 2
        var reserved: [(UInt64, UInt64, ReservedType)] = []
        if amd && Int.random(in: 0..<10, using: &generator) < 7 { reserved.append(Fixture.amdHT) }
        for _ in 0..<Int.random(in: 0...2, using: &generator) {
            let start = UInt64.random(in: 8...900, using: &generator) * gib
            reserved.append((start, start + UInt64.random(in: 16...200, using: &generator) * gib - 1, .reserved))
        }
        var host = Fixture.x86Host(
            "h\(index)", vendor: amd ? "amd" : "intel", cpuBits: amd ? [48, 43].randomElement(using: &generator)! : 46,
            iommuBits: [39, 40, 41, 48].randomElement(using: &generator)!, reserved: reserved)
        host.count = Int.random(in: 1...30, using: &generator)
        return host
    }

    func randomVM(using generator: inout SplitMix64) -> VMSpec {
        VMSpec(ram: [128, 256, 384, 512, 700, 900, 1100].randomElement(using: &generator)! * gib,
               cpuVendor: [nil, nil, .intel, .amd].randomElement(using: &generator)!)
    }

    /// Whether one layout fits each subset of hosts (bit i = host i); nil when the solver hit its
    /// own internal error on some subset, which makes the instance unusable as a reference.
    func feasibility(_ hosts: [HostProfile], _ vm: VMSpec) -> [Bool]? {
        var table = [Bool](repeating: true, count: 1 << hosts.count)
        for mask in 1..<(1 << hosts.count) {
            let subset = hosts.indices.filter { mask & (1 << $0) != 0 }.map { hosts[$0] }
            do {
                _ = try Solver.solve(hosts: subset, vm: vm)
            } catch is NoLayoutExists {
                table[mask] = false
            } catch {
                return nil
            }
        }
        return table
    }

    func mask(_ names: [String], in hosts: [HostProfile]) -> Int {
        names.reduce(0) { result, name in result | (1 << hosts.firstIndex { $0.name == name }!) }
    }

    /// The fewest feasible blocks that partition `items` (a bit mask), by dynamic programming over subsets.
    func fewestBlocks(_ items: Int, feasible: [Bool]) -> Int {
        var best = [Int](repeating: Int.max, count: items + 1)
        best[0] = 0
        for set in 1...max(items, 1) where set & ~items == 0 {
            let lowest = set & -set
            var block = set
            while block > 0 {
                if block & lowest != 0, feasible[block], best[set ^ block] != Int.max {
                    best[set] = min(best[set], best[set ^ block] + 1)
                }
                block = (block - 1) & set
            }
        }
        return items == 0 ? 0 : best[items]
    }

    @Test func coveragePoolsAndConflictsAreOptimal() throws {
        var generator = SplitMix64(seed: 5)
        var infeasibleFleets = 0, poolsAboveOne = 0, multiHostConflicts = 0, compared = 0
        for round in 0..<200 where infeasibleFleets < 40 {
            let hosts = (0..<Int.random(in: 3...7, using: &generator)).map { randomHost($0 + round * 10, using: &generator) }
            let vm = randomVM(using: &generator)
            guard let feasible = feasibility(hosts, vm) else { continue }
            let all = (1 << hosts.count) - 1
            let report = try CheckFixture.check(hosts, [CheckFixture.shape(vm, name: "vm")]) { $0.pools = true }
            let shape = report.shapes[0]
            #expect(shape.internalErrors.isEmpty)
            compared += 1
            let weight = { (set: Int) in hosts.indices.filter { set & (1 << $0) != 0 }.reduce(0) { $0 + hosts[$1].count } }
            let servable = hosts.indices.filter { feasible[1 << $0] }.reduce(0) { $0 | (1 << $1) }

            let pools = try #require(shape.pools)
            #expect(pools.exact)
            #expect(pools.pools.count == fewestBlocks(servable, feasible: feasible), "round \(round): \(pools.pools.map { $0.groups.map(\.name) })")
            #expect(mask(pools.unservable.flatMap(\.members), in: hosts) == all & ~servable)
            for pool in pools.pools {
                #expect(pool.layout != nil && feasible[mask(pool.groups.flatMap(\.members), in: hosts)])
            }
            #expect(pools.pools.reduce(0) { $0 | mask($1.groups.flatMap(\.members), in: hosts) } == servable)
            if pools.pools.count > 1 { poolsAboveOne += 1 }

            guard case .doesNotFit(let noFit) = shape.outcome else {
                #expect(feasible[all])
                continue
            }
            #expect(!feasible[all])
            infeasibleFleets += 1
            let coverage = try #require(noFit.coverage)
            let optimum = (0...all).filter { feasible[$0] }.map(weight).max()!
            #expect(coverage.exact && coverage.servedHosts == optimum, "round \(round): \(coverage.servedHosts) vs \(optimum)")
            #expect(feasible[mask(coverage.served.flatMap(\.members), in: hosts)])

            // Each conflict is irreducible: it does not fit, and without any one host it does. Alike
            // hosts are one distinct profile; its representative stands for all of them.
            for conflict in noFit.conflicts {
                let core = mask(conflict.hosts.map(\.name), in: hosts)
                #expect(conflict.minimal && !feasible[core])
                for host in conflict.hosts { #expect(feasible[core & ~mask([host.name], in: hosts)]) }
                if conflict.hosts.count > 1 { multiHostConflicts += 1 }
                try expectIrreducibleConstraints(conflict, vm: vm)
            }
            // Setting every listed conflict aside leaves a fleet that fits (no listing cut short here).
            if !noFit.moreConflicts {
                let named = noFit.conflicts.reduce(0) { $0 | mask(($1.hosts + $1.alike).flatMap(\.memberNames), in: hosts) }
                #expect(feasible[all & ~named])
            }
        }
        #expect(compared >= 50 && infeasibleFleets >= 30 && poolsAboveOne >= 8 && multiHostConflicts >= 8,
                "compared \(compared), infeasible \(infeasibleFleets), several pools \(poolsAboveOne), multi-host conflicts \(multiHostConflicts)")
    }

    /// The named constraints conflict on their own, and lifting any one of them makes a layout fit.
    /// Instances where the solver fails its own exact check are skipped: they say nothing here.
    func expectIrreducibleConstraints(_ conflict: ConflictExplanation, vm: VMSpec) throws {
        func fits(_ kept: [HostConstraint]) -> Bool? {
            let hosts = conflict.hosts.map { profile in ConflictExplainer.relax(profile.representative, keeping: kept.filter { $0.host == profile.name }) }
            do {
                _ = try Solver.solve(hosts: hosts, vm: vm)
                return true
            } catch is NoLayoutExists {
                return false
            } catch {
                return nil
            }
        }
        let answers = [fits(conflict.constraints)] + conflict.constraints.map { constraint in fits(conflict.constraints.filter { $0 != constraint }) }
        guard !answers.contains(nil) else { return }
        #expect(answers[0] == false)
        for (constraint, answer) in zip(conflict.constraints, answers.dropFirst()) {
            #expect(answer == true, "\(constraint.summary) is not needed")
        }
    }

    @Test func greedyAnswersAreValidWhenTheExactSearchIsOff() throws {
        var generator = SplitMix64(seed: 77)
        var checked = 0, heuristicOnly = 0
        for round in 0..<80 where checked < 16 {
            let hosts = (0..<7).map { randomHost($0 + round * 10, using: &generator) }
            let vm = randomVM(using: &generator)
            guard let feasible = feasibility(hosts, vm), !feasible[(1 << hosts.count) - 1] else { continue }
            let report = try CheckFixture.check(hosts, [CheckFixture.shape(vm, name: "vm")]) {
                $0.pools = true
                $0.coverage = MaxCoverage(exactLimit: 0)
                $0.poolSearch = MigrationPools(exactLimit: 0)
            }
            let shape = report.shapes[0]
            guard case .doesNotFit(let noFit) = shape.outcome, let coverage = noFit.coverage, let pools = shape.pools else {
                Issue.record("round \(round): expected a non-fitting shape with coverage and pools")
                continue
            }
            // Greedy answers are valid, never better than the optimum, and equal to it when they
            // claim to be exact (everything left out fails alone; one pool).
            let weight = { (set: Int) in hosts.indices.filter { set & (1 << $0) != 0 }.reduce(0) { $0 + hosts[$1].count } }
            let optimum = (0..<(1 << hosts.count)).filter { feasible[$0] }.map(weight).max()!
            #expect(coverage.method.contains("greedy"))
            #expect(feasible[mask(coverage.served.flatMap(\.members), in: hosts)])
            #expect(coverage.exact ? coverage.servedHosts == optimum : coverage.servedHosts <= optimum)
            #expect(pools.method.contains("first-fit-decreasing") || pools.method.contains("one layout"))
            for pool in pools.pools { #expect(feasible[mask(pool.groups.flatMap(\.members), in: hosts)]) }
            let servable = hosts.indices.filter { feasible[1 << $0] }.reduce(0) { $0 | (1 << $1) }
            let fewest = fewestBlocks(servable, feasible: feasible)
            #expect(pools.exact ? pools.pools.count == fewest : pools.pools.count >= fewest)
            if !coverage.exact || !pools.exact { heuristicOnly += 1 }
            checked += 1
        }
        #expect(checked >= 10 && heuristicOnly >= 3, "checked \(checked), not proven optimal \(heuristicOnly)")
    }

    @Test func deletionFilteringIsMinimalAndDeterministic() {
        // Fails exactly when both 3 and 11 are present: the only minimal subset is [3, 11].
        let items = Array(0..<16)
        var calls = 0
        let (kept, minimal) = ConflictExplainer.minimize(items, allowEmpty: false) { subset in
            calls += 1
            return subset.contains(3) && subset.contains(11)
        }
        #expect(kept == [3, 11] && minimal)
        #expect(calls < 16, "chunked deletion should need fewer tests than one per item, used \(calls)")
        let capped = ConflictExplainer.minimize(items, allowEmpty: false) { subset -> Bool? in subset.count > 12 ? subset.contains(3) && subset.contains(11) : nil }
        #expect(!capped.minimal && capped.kept.contains(3) && capped.kept.contains(11))
    }
}
