import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// The most hosts one layout can serve when no layout serves them all.
package struct CoverageResult: Sendable {
    /// Indices into the shape's distinct profiles.
    package var served: [Int]
    package var left: [Int]
    package var servedHosts: Int
    package var totalHosts: Int
    /// Proven the largest (exhaustive search with pruning); false for the greedy answer or a capped search.
    package var exact: Bool
    package var method: String
}

/// Maximum coverage weighted by host count. Feasible sets are closed under taking subsets, so a
/// depth-first search over "take / leave" can drop every extension of a set that does not fit,
/// and bound by the weight still available.
package struct MaxCoverage: Sendable {
    /// Up to this many distinct profiles the answer is exact.
    package var exactLimit = 20
    package var maximumSolves = 2000

    package init(exactLimit: Int = 20, maximumSolves: Int = 2000) {
        self.exactLimit = exactLimit
        self.maximumSolves = maximumSolves
    }

    package func largest(oracle: FeasibilityOracle, among candidates: [Int], weights: [Int]) throws -> CoverageResult {
        oracle.budget = oracle.solves + maximumSolves
        let total = candidates.reduce(0) { $0 + weights[$1] }
        // Heaviest first: good sets are found early, so the bound prunes more.
        let ordered = candidates.sorted { (weights[$0], $1) > (weights[$1], $0) }
        let small = ordered.count <= exactLimit
        // For the exact search, a profile no layout fits on its own is dropped up front (it falls
        // out of every answer); the greedy pass finds such profiles without solving each alone.
        var alone: [Int] = []
        if small {
            for index in ordered where try oracle.fits(oracle.mask([index])) != false { alone.append(index) }
        } else {
            alone = ordered
        }
        let greedy = try Self.greedy(oracle: oracle, ordered: alone)
        var best = greedy.set
        var bestWeight = best.reduce(0) { $0 + weights[$1] }
        var exact = false
        var method = "greedy by host count (\(candidates.count) distinct profiles, more than \(exactLimit)); not proven the largest"
        if small {
            var suffix = [Int](repeating: 0, count: alone.count + 1)
            for position in stride(from: alone.count - 1, through: 0, by: -1) { suffix[position] = suffix[position + 1] + weights[alone[position]] }
            var capped = false
            var current: [Int] = []
            func search(_ position: Int, _ weight: Int) throws {
                if capped || weight + suffix[position] <= bestWeight { return }
                if position == alone.count {
                    best = current
                    bestWeight = weight
                    return
                }
                let candidate = alone[position]
                current.append(candidate)
                switch try oracle.fits(oracle.mask(current)) {
                case true?: try search(position + 1, weight + weights[candidate])
                case false?: break
                case nil: capped = true
                }
                current.removeLast()
                try search(position + 1, weight)
            }
            try search(0, 0)
            exact = !capped && !greedy.capped
            method = exact ? "exact (branch and bound over \(candidates.count) distinct profiles)" : "best found before the cap of \(maximumSolves) solves; not proven the largest"
        } else if greedy.capped {
            method = "greedy, stopped at the cap of \(maximumSolves) solves"
        } else {
            // When every profile left out fits no layout even alone, no answer can include it.
            var allAloneFail = true
            for index in ordered where !best.contains(index) {
                guard try oracle.fits(oracle.mask([index])) == false else { allAloneFail = false; break }
            }
            if allAloneFail {
                exact = true
                method = "exact (greedy; every profile left out fits no layout even alone)"
            }
        }
        let served = best.sorted()
        let left = candidates.filter { !best.contains($0) }.sorted()
        return CoverageResult(served: served, left: left, servedHosts: bestWeight, totalHosts: total, exact: exact, method: method)
    }

    /// Takes profiles in order while one layout still fits them all. Runs of profiles are tried
    /// together and split only when they do not fit, which gives exactly the one-at-a-time answer
    /// (every prefix of a run that fits fits too) in far fewer solves when most profiles fit.
    package static func greedy(oracle: FeasibilityOracle, ordered: [Int], startingWith initial: [Int] = []) throws -> (set: [Int], capped: Bool) {
        var taken = initial
        var capped = false
        func take(_ run: ArraySlice<Int>) throws {
            guard !run.isEmpty, !capped else { return }
            switch try oracle.fits(oracle.mask(taken + run)) {
            case true?:
                taken += run
            case false?:
                if run.count == 1 { return }
                let middle = run.startIndex + run.count / 2
                try take(run[..<middle])
                try take(run[middle...])
            case nil:
                capped = true
            }
        }
        try take(ordered[...])
        return (taken, capped)
    }
}
