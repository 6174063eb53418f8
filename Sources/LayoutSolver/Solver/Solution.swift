/// Where the solver put one host's programmable window (its software MSI window).
public struct ProgrammablePlacement: Equatable, Sendable {
    public var host: String
    /// The window's JSON path in the host's profile.
    public var path: String
    public var type: ReservedType
    public var range: AddressRange
    /// The host's default base was kept: nothing to change on that host.
    public var isDefault: Bool
}

/// Where the time went and how large the model was: for benchmarks and `--verbose`.
public struct SolveStatistics: Equatable, Sendable {
    public var hosts = 0
    public var distinctHoles = 0
    public var scenarios = 0
    public var rows = 0
    public var columns = 0
    public var binaries = 0
    public var glpkSolves = 0
    public var modelSeconds = 0.0
    public var glpkSeconds = 0.0
    public var verifySeconds = 0.0
    /// A stage hit the time limit and returned its best incumbent: the answer may not be optimal.
    public var hitTimeLimit = false
}

/// A verified layout and everything said about it.
public struct Solution: Sendable {
    public var layout: GuestLayout
    /// The hosts it was verified against, sorted by name.
    public var hosts: [HostProfile]
    public var programmable: [ProgrammablePlacement]
    public var statistics: SolveStatistics
}

public struct SolveOptions: Sendable {
    /// Treat `direct-relaxable` regions as holes too (VFIO itself ignores them).
    public var strictRelaxable = false
    /// Wall-clock limit for each GLPK solve, in seconds.
    public var timeLimitSeconds = 30.0
    public init(strictRelaxable: Bool = false, timeLimitSeconds: Double = 30) {
        self.strictRelaxable = strictRelaxable
        self.timeLimitSeconds = timeLimitSeconds
    }
}
