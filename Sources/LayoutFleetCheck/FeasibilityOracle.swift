import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// A set of distinct-profile indices as bits: subset tests against known infeasible sets are the
/// inner loop of coverage and pools.
package struct ProfileMask: Hashable, Sendable {
    private(set) var words: [UInt64]

    package init(count: Int) { words = [UInt64](repeating: 0, count: (count + 63) / 64) }

    package init<S: Sequence>(_ members: S, count: Int) where S.Element == Int {
        self.init(count: count)
        for member in members { insert(member) }
    }

    package mutating func insert(_ member: Int) { words[member / 64] |= 1 << UInt64(member % 64) }
    package mutating func remove(_ member: Int) { words[member / 64] &= ~(1 << UInt64(member % 64)) }
    package func contains(_ member: Int) -> Bool { words[member / 64] & (1 << UInt64(member % 64)) != 0 }

    package func isSubset(of other: ProfileMask) -> Bool { zip(words, other.words).allSatisfy { $0 & ~$1 == 0 } }

    package var members: [Int] {
        var result: [Int] = []
        for (wordIndex, word) in words.enumerated() where word != 0 {
            for bit in 0..<64 where word & (1 << UInt64(bit)) != 0 { result.append(wordIndex * 64 + bit) }
        }
        return result
    }

    package var isEmpty: Bool { words.allSatisfy { $0 == 0 } }
}

/// "Does one layout fit these hosts?" answered by the solver itself, cached by the set of
/// distinct profiles. Every number the explainer, coverage and pools report comes from these
/// answers, so they hold exactly what the solver would print for that subset.
///
/// Search shortcuts rely on monotonicity: a layout that fits a set of hosts fits every subset,
/// so a superset of a set that does not fit does not fit either.
package final class FeasibilityOracle {
    package enum Outcome {
        case fits(Solution)
        case doesNotFit(NoLayoutExists)
        /// GLPK ran out of time: counted as not fitting, and the report says so.
        case timedOut
        /// The solver proposed a layout its own exact check rejected (a bug in the solver): counted
        /// as not fitting so the rest of the report is still produced, and reported as an internal error.
        case rejected(VerifierRejectedLayout)
    }

    package let profiles: [HostProfile]
    package let vm: VMSpec
    package let options: SolveOptions
    /// The solve count at which searches stop asking new questions; each search sets it from its
    /// own cap, and keeps what it has (saying so) when it is reached.
    package var budget: Int
    private(set) var solves = 0
    private(set) var timeouts = 0
    private(set) var internalErrors: [String] = []
    private var cache: [ProfileMask: Outcome] = [:]
    private var infeasible: [ProfileMask] = []

    package init(profiles: [HostProfile], vm: VMSpec, options: SolveOptions, budget: Int) {
        self.profiles = profiles
        self.vm = vm
        self.options = options
        self.budget = budget
    }

    package var count: Int { profiles.count }
    package var exhausted: Bool { solves >= budget }

    package func mask(_ members: [Int]) -> ProfileMask { ProfileMask(members, count: count) }

    /// The solver's answer for exactly these profiles (solved even past the budget: callers use
    /// this for the final sets they report).
    package func outcome(_ set: ProfileMask) throws -> Outcome {
        if let known = cache[set] { return known }
        let hosts = set.members.map { profiles[$0] }
        let result: Outcome
        solves += 1
        do {
            // Only the whole fleet's answer is shown with its reasons; subsets only need a verdict.
            var options = self.options
            options.diagnosesFailures = set.members.count == count
            result = .fits(try Solver.solve(hosts: hosts, vm: vm, options: options))
        } catch let none as NoLayoutExists {
            result = .doesNotFit(none)
        } catch is SolveTimedOut {
            timeouts += 1
            result = .timedOut
        } catch let bug as VerifierRejectedLayout {
            internalErrors.append("hosts " + hosts.map(\.name).joined(separator: ", ") + ": " + bug.description)
            result = .rejected(bug)
        }
        cache[set] = result
        if case .fits = result {} else { infeasible.append(set) }
        return result
    }

    /// nil when the budget is spent and the answer is not already known.
    package func fits(_ set: ProfileMask) throws -> Bool? {
        if set.isEmpty { return true }
        if let known = cache[set] {
            if case .fits = known { return true }
            return false
        }
        if infeasible.contains(where: { $0.isSubset(of: set) }) { return false }
        if exhausted { return nil }
        if case .fits = try outcome(set) { return true }
        return false
    }

    package func solution(_ set: ProfileMask) throws -> Solution? {
        if case .fits(let solution) = try outcome(set) { return solution }
        return nil
    }
}
