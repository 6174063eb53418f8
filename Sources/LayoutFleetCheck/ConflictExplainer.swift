import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// One thing a host imposes on every layout: a region, a width, its usable ranges, a window.
package struct HostConstraint: Equatable, Sendable {
    package enum Kind: Equatable, Sendable {
        case reserved(index: Int)
        case iovaRanges
        case iommuWidth
        case cpuWidth
        case programmable(index: Int)
    }

    package var host: String
    package var kind: Kind
    package var path: String
    package var file: String
    package var line: Int?
    /// `direct 0xbdf6e000-0xbdf84fff (92 KiB)` or `iommu.address_bits 39: nothing at or past 0x8000000000 (512 GiB) can be DMA-mapped`.
    package var summary: String
}

/// Why a VM fits no layout, as the smallest set of hosts and of their regions that already
/// conflict (an irreducible infeasible subset, found by deletion filtering with the solver as
/// the oracle), plus the solver's own numbers for that set.
package struct ConflictExplanation: Sendable {
    /// The distinct profiles that conflict, by name; removing any one of them lets a layout fit.
    package var hosts: [DistinctProfile]
    /// The constraints of those hosts that conflict; relaxing any one of them lets a layout fit.
    /// Empty when the hosts conflict as a combination (CPU vendors) rather than through a region.
    package var constraints: [HostConstraint]
    /// What the solver says about exactly those hosts: which room is missing, with numbers.
    package var reasons: [String]
    /// False when the work cap stopped the search: the sets still conflict but may not be the smallest.
    package var minimal: Bool
    package var solves: Int
    /// Other profiles that, like the single host above, fit no layout alone through the same
    /// constraints (the same width or region): one explanation for many firmware variants.
    package var alike: [DistinctProfile] = []
}

package struct ConflictExplainer: Sendable {
    /// At most this many solves for each of the two reductions (hosts, then constraints).
    package var maximumSolves = 400
    /// How many disjoint conflicts a report lists before saying there are more.
    package var maximumConflicts = 3

    package init(maximumSolves: Int = 400, maximumConflicts: Int = 3) {
        self.maximumSolves = maximumSolves
        self.maximumConflicts = maximumConflicts
    }

    package func explain(oracle: FeasibilityOracle, among candidates: [Int], distinct: [DistinctProfile], failure: NoLayoutExists) throws -> ConflictExplanation {
        let started = oracle.solves
        oracle.budget = oracle.solves + maximumSolves
        // The solver's own explanation usually names the culprits; start from them when they
        // already conflict on their own, which saves most of the reduction on a large fleet.
        var start = candidates
        let named = Set(failure.conflicts.flatMap(\.hosts))
        let seed = candidates.filter { named.contains(distinct[$0].name) }
        if !seed.isEmpty, seed.count < candidates.count, try oracle.fits(oracle.mask(seed)) == false { start = seed }
        let (hosts, hostsMinimal) = try Self.minimize(start, allowEmpty: false) { subset in
            try oracle.fits(oracle.mask(subset)).map { !$0 }
        }

        var reasons = failure.conflicts.map(\.message)
        switch try oracle.outcome(oracle.mask(hosts)) {
        case .doesNotFit(let none): reasons = none.conflicts.map(\.message)
        case .timedOut: reasons = ["the solver ran out of time on these hosts (raise --time-limit)"]
        case .rejected: reasons = ["the solver failed on these hosts with an internal error (see the report's internal errors)"]
        case .fits: break
        }

        let profiles = hosts.map { distinct[$0] }
        let all = profiles.flatMap { Self.constraints(of: $0, strictRelaxable: oracle.options.strictRelaxable) }
        var constraintSolves = 0
        let (kept, constraintsMinimal) = try Self.minimize(all, allowEmpty: true) { active in
            guard constraintSolves < maximumSolves else { return nil }
            constraintSolves += 1
            let relaxed = profiles.map { profile in Self.relax(profile.representative, keeping: active.filter { $0.host == profile.name }) }
            do {
                var options = oracle.options
                options.diagnosesFailures = false
                _ = try Solver.solve(hosts: relaxed, vm: oracle.vm, options: options)
                return false
            } catch is NoLayoutExists {
                return true
            } catch is SolveTimedOut {
                return true
            } catch is InputError {
                // A relaxation the solver does not accept (no width at all, say) cannot be the fix.
                return true
            } catch is VerifierRejectedLayout {
                return true
            }
        }
        return ConflictExplanation(
            hosts: profiles, constraints: kept, reasons: reasons, minimal: hostsMinimal && constraintsMinimal,
            solves: oracle.solves - started + constraintSolves)
    }

    /// Deletion filtering, trying large chunks first: keeps removing items while the rest still
    /// fails. Each survivor was tested alone against a superset of the final set, so by
    /// monotonicity removing any one survivor makes the final set pass: the result is minimal.
    /// `stillFails` returns nil when the budget is spent; the set found so far is returned, not minimal.
    package static func minimize<T>(_ items: [T], allowEmpty: Bool, stillFails: ([T]) throws -> Bool?) rethrows -> (kept: [T], minimal: Bool) {
        var kept = items
        var chunk = max(1, kept.count / 2)
        while true {
            var start = 0
            while start < kept.count {
                let end = min(start + chunk, kept.count)
                let candidate = Array(kept[..<start] + kept[end...])
                if candidate.isEmpty && !allowEmpty {
                    start = end
                    continue
                }
                guard let fails = try stillFails(candidate) else { return (kept, false) }
                if fails { kept = candidate } else { start = end }
            }
            if chunk == 1 { return (kept, true) }
            chunk = max(1, chunk / 2)
        }
    }

    /// The constraints of one profile that can make a layout impossible, in file order.
    package static func constraints(of profile: DistinctProfile, strictRelaxable: Bool) -> [HostConstraint] {
        let host = profile.representative
        let document = profile.document
        func make(_ kind: HostConstraint.Kind, _ path: String, _ summary: String) -> HostConstraint {
            HostConstraint(host: host.name, kind: kind, path: path, file: document.file, line: document.line(of: path), summary: summary)
        }
        var found: [HostConstraint] = []
        for (index, region) in host.reserved.enumerated() where region.type.blocksDMA(strictRelaxable: strictRelaxable) {
            let size = region.range.size.map(ByteCount.format) ?? "16 EiB"
            found.append(make(.reserved(index: index), region.path, "\(region.type.rawValue) \(region.range) (\(size))"))
        }
        if let ranges = host.iovaRanges {
            found.append(make(.iovaRanges, "$.iova_ranges", "usable iova_ranges " + ranges.map(\.description).joined(separator: ", ") + "; everything else is a hole"))
        }
        if let limit = Sizes.limit(bits: host.iommuAddressBits) {
            found.append(make(.iommuWidth, "$.iommu.address_bits", "iommu.address_bits \(host.iommuAddressBits): nothing at or past \(Hex.format(limit)) (\(ByteCount.format(limit))) can be DMA-mapped"))
        }
        if let limit = Sizes.limit(bits: host.cpuPhysBits) {
            found.append(make(.cpuWidth, "$.cpu.phys_bits", "cpu.phys_bits \(host.cpuPhysBits): the guest map must end below \(Hex.format(limit)) (\(ByteCount.format(limit)))"))
        }
        for (index, window) in host.programmable.enumerated() {
            found.append(make(.programmable(index: index), window.path, "\(window.type.rawValue) window of \(ByteCount.format(window.size)) somewhere in \(window.within)"))
        }
        return found
    }

    /// The host with every constraint not in `keeping` lifted: regions removed, widths opened to 64 bits.
    package static func relax(_ host: HostProfile, keeping: [HostConstraint]) -> HostProfile {
        let kinds = keeping.map(\.kind)
        var relaxed = host
        // Regions VFIO ignores are not constraints and constrain nothing, so they can go too.
        relaxed.reserved = host.reserved.enumerated().filter { index, _ in kinds.contains(.reserved(index: index)) }.map(\.element)
        if !kinds.contains(.iovaRanges) { relaxed.iovaRanges = nil }
        if !kinds.contains(.iommuWidth) { relaxed.iommuAddressBits = 64 }
        if !kinds.contains(.cpuWidth) { relaxed.cpuPhysBits = 64 }
        relaxed.programmable = host.programmable.enumerated().filter { index, _ in kinds.contains(.programmable(index: index)) }.map(\.element)
        return relaxed
    }
}
