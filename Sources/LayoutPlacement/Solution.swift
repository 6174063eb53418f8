import LayoutCore
import LayoutMachines
/// Where the time went and how large the model was: for benchmarks and `--verbose`.
package struct SolveStatistics: Equatable, Sendable {
    package var hosts = 0
    package var distinctHoles = 0
    package var scenarios = 0
    package var rows = 0
    package var columns = 0
    package var binaries = 0
    package var glpkSolves = 0
    package var modelSeconds = 0.0
    package var glpkSeconds = 0.0
    package var verifySeconds = 0.0
    /// A stage hit the time limit and returned its best incumbent: the answer may not be optimal.
    package var hitTimeLimit = false
    /// The largest relative optimality gap GLPK reported at the time limit (nil when every stage was optimal).
    package var optimalityGap: Double?
}

/// A verified layout and everything said about it.
public struct Solution: Sendable {
    /// The guest memory map, its knobs and notes.
    public var layout: VerifiedLayout
    /// The hosts it was verified against, sorted by name.
    public var hosts: [HostProfile]
    /// Where each host's programmable (sw-msi) window must go, so that it stays clear of the guest's DMA targets.
    public var programmable: [ProgrammablePlacement]
    /// Model size and timings; not part of the answer, and not deterministic.
    package var statistics: SolveStatistics
}

/// How the solver reads the hosts and how long it may search.
public struct SolveOptions: Sendable {
    /// Treat `direct-relaxable` regions as holes too (VFIO itself ignores them).
    public var strictRelaxable = false
    /// Wall-clock limit for the whole solve, in seconds: every GLPK call gets what is left, and a
    /// layout found by then is returned (verified, with a note that it may not be optimal).
    public var timeLimitSeconds = 30.0
    /// Whether a failed solve finds out which constraint family is binding by lifting each one and
    /// solving again (ConflictDiagnosis). Off where a caller only needs feasibility, many times.
    package var diagnosesFailures = true
    /// The MIP solver: GLPK. Tests substitute an independent backend to cross-check the model.
    package var backend: any MIPBackend = GLPKMIPBackend()
    /// VFIO's own reading of relaxable regions and 30 seconds for the whole solve, as the command line's defaults.
    public init(strictRelaxable: Bool = false, timeLimitSeconds: Double = 30) {
        self.strictRelaxable = strictRelaxable
        self.timeLimitSeconds = timeLimitSeconds
    }
}
