import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// A split of the fleet into migration pools: one layout per pool, fitting every host in it.
package struct PoolPartition: Sendable {
    /// Each pool's distinct-profile indices, heaviest pool first.
    package var pools: [[Int]]
    /// Profiles no layout fits even alone; they belong to no pool.
    package var unservable: [Int]
    /// Proven the fewest pools; false for first-fit-decreasing or a capped search.
    package var exact: Bool
    package var method: String
}

/// Fewest pools. Exact on small fleets by depth-first assignment of profiles to pools (each
/// profile joins a pool it fits or opens a new one), pruned by the best count so far and ended
/// early at a lower bound: profiles that pairwise cannot share a layout need a pool each.
/// Larger fleets get first-fit-decreasing by host count.
package struct MigrationPools: Sendable {
    package var exactLimit = 10
    package var maximumSolves = 3000

    package init(exactLimit: Int = 10, maximumSolves: Int = 3000) {
        self.exactLimit = exactLimit
        self.maximumSolves = maximumSolves
    }

    package func fewest(oracle: FeasibilityOracle, among candidates: [Int], weights: [Int]) throws -> PoolPartition {
        oracle.budget = oracle.solves + maximumSolves
        let ordered = candidates.sorted { (weights[$0], $1) > (weights[$1], $0) }
        if try oracle.fits(oracle.mask(ordered)) == true {
            return PoolPartition(pools: [ordered.sorted()], unservable: [], exact: true, method: "exact (one layout fits every host)")
        }
        let firstFit = try Self.firstFitDecreasing(oracle: oracle, ordered: ordered)
        let greedy = firstFit.pools, greedyCapped = firstFit.capped
        var unservable = firstFit.unservable
        let placed = Set(greedy.joined())
        let servable = ordered.filter { placed.contains($0) }
        var best = greedy
        var exact = false
        var method = "first-fit-decreasing by host count (\(servable.count) servable distinct profiles, more than \(exactLimit)); not proven the fewest"
        if greedyCapped {
            method = "first-fit-decreasing, stopped at the cap of \(maximumSolves) solves; the rest are in pools of their own"
        } else if greedy.count <= 1 {
            exact = true
            method = "exact (one layout fits every host that fits any)"
        } else if servable.count <= exactLimit {
            let lower = try Self.lowerBound(oracle: oracle, servable: servable)
            var capped = false
            if let lower, lower < best.count {
                var pools: [[Int]] = []
                func assign(_ position: Int) throws {
                    if capped || pools.count >= best.count || best.count == lower { return }
                    if position == servable.count {
                        best = pools
                        return
                    }
                    let profile = servable[position]
                    for pool in pools.indices {
                        switch try oracle.fits(oracle.mask(pools[pool] + [profile])) {
                        case true?:
                            pools[pool].append(profile)
                            try assign(position + 1)
                            pools[pool].removeLast()
                        case false?: break
                        case nil: capped = true; return
                        }
                    }
                    // Opening a pool is the same choice whichever empty pool it is: one branch.
                    if pools.count + 1 < best.count {
                        pools.append([profile])
                        try assign(position + 1)
                        pools.removeLast()
                    }
                }
                try assign(0)
            }
            exact = lower != nil && !capped
            method = exact ? "exact (search over partitions of \(servable.count) servable distinct profiles)" : "first-fit-decreasing improved by a search stopped at the cap of \(maximumSolves) solves; not proven the fewest"
        }
        let pools = best.map { $0.sorted() }.sorted {
            let a = $0.reduce(0) { $0 + weights[$1] }, b = $1.reduce(0) { $0 + weights[$1] }
            return (a, $1.first ?? 0) > (b, $0.first ?? 0)
        }
        unservable.sort()
        return PoolPartition(pools: pools, unservable: unservable, exact: exact, method: method)
    }

    /// First-fit-decreasing is the same as filling pool 1 greedily from the whole list, then pool 2
    /// from what is left, and so on: a profile joins pool 1 exactly when it fits there. Each pool
    /// is filled with the run-splitting greedy of MaxCoverage. A profile that would open a pool but
    /// fits no layout even alone is unservable.
    package static func firstFitDecreasing(oracle: FeasibilityOracle, ordered: [Int]) throws -> (pools: [[Int]], unservable: [Int], capped: Bool) {
        var remaining = ordered
        var pools: [[Int]] = []
        var unservable: [Int] = []
        while let first = remaining.first {
            switch try oracle.fits(oracle.mask([first])) {
            case false?:
                unservable.append(first)
                remaining.removeFirst()
                continue
            case nil:
                // Out of budget: whatever is left gets a pool each, the safe (if not fewest) answer.
                return (pools + remaining.map { [$0] }, unservable, true)
            case true?:
                break
            }
            let (pool, capped) = try MaxCoverage.greedy(oracle: oracle, ordered: Array(remaining.dropFirst()), startingWith: [first])
            let placed = Set(pool)
            if capped { return (pools + [pool] + remaining.filter { !placed.contains($0) }.map { [$0] }, unservable, true) }
            pools.append(pool)
            remaining.removeAll { placed.contains($0) }
        }
        return (pools, unservable, false)
    }

    /// A clique of pairwise conflicting profiles, grown greedily; nil when the cap stops it.
    package static func lowerBound(oracle: FeasibilityOracle, servable: [Int]) throws -> Int? {
        var conflicts: [Int: Set<Int>] = [:]
        for (position, a) in servable.enumerated() {
            for b in servable[(position + 1)...] {
                guard let fits = try oracle.fits(oracle.mask([a, b])) else { return nil }
                if !fits {
                    conflicts[a, default: []].insert(b)
                    conflicts[b, default: []].insert(a)
                }
            }
        }
        guard !servable.isEmpty else { return 0 }
        var best = 1
        for start in servable {
            var clique = [start]
            for other in servable.sorted(by: { (conflicts[$0]?.count ?? 0, $1) > (conflicts[$1]?.count ?? 0, $0) }) where other != start {
                if clique.allSatisfy({ conflicts[other]?.contains($0) ?? false }) { clique.append(other) }
            }
            best = max(best, clique.count)
        }
        return best
    }
}
