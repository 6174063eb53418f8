/// Everything `check` found, in a form every renderer (text, JSON, GitHub, JUnit) reads; the
/// exit code is decided here once so they cannot disagree.
public struct CheckReport: Sendable {
    public struct ProfileEntry: Sendable {
        public var file: String
        public var name: String?
        public var architecture: String?
        public var count: Int?
        public var findings: [LintFinding]
    }

    /// A verified layout, reduced to what identifies it.
    public struct Layout: Sendable {
        public var digest: String
        public var machineType: String
        public var physBits: Int
        public var topAddress: UInt64
        public var dimms: Int
        public var argv: [String]

        init(_ solution: Solution) {
            digest = LayoutDigest.digest(for: solution)
            machineType = solution.layout.machineType
            physBits = solution.layout.physBits
            topAddress = solution.layout.topAddress
            dimms = solution.layout.dimmCount
            argv = QEMUArguments.argv(for: solution.layout)
        }
    }

    /// A group of alike host profiles as reports name it.
    public struct HostGroup: Sendable {
        public var name: String
        public var label: String
        public var members: [String]
        public var hosts: Int
        public var file: String

        init(_ profile: DistinctProfile) {
            name = profile.name
            label = profile.label
            members = profile.memberNames
            hosts = profile.weight
            file = profile.document.file
        }
    }

    public struct Coverage: Sendable {
        public var served: [HostGroup]
        public var left: [HostGroup]
        public var servedHosts: Int
        public var totalHosts: Int
        public var exact: Bool
        public var method: String
        /// The layout that serves them, when any host can be served at all.
        public var layout: Layout?
    }

    public struct NoFit: Sendable {
        /// The solver's own explanation for the whole fleet.
        public var reasons: [String]
        /// Disjoint conflicts: the first among all hosts, the next among the hosts the earlier
        /// ones do not name, and so on, so that fixing every one listed is needed for a fit.
        public var conflicts: [ConflictExplanation]
        /// The hosts outside every listed conflict still conflict (the listing was cut short).
        public var moreConflicts: Bool
        public var coverage: Coverage?
    }

    public enum Outcome: Sendable {
        case fits(Layout)
        case doesNotFit(NoFit)
        /// The fleet has no host of the architecture the machine needs.
        case noHosts
        /// The solver refused the shape itself (a machine it does not model, say).
        case invalid(String)
    }

    public struct Pool: Sendable {
        public var groups: [HostGroup]
        public var hosts: Int
        public var layout: Layout?
    }

    public struct PoolSplit: Sendable {
        public var pools: [Pool]
        public var unservable: [HostGroup]
        public var exact: Bool
        public var method: String
    }

    /// How a shape's answer moved between the baseline fleet and this one.
    public enum Change: Sendable, Equatable {
        case unchanged
        case layoutChanged(old: String, new: String)
        case stoppedFitting(old: String)
        case startedFitting
        case stillDoesNotFit
        /// The baseline had no hosts for this shape's architecture.
        case notInBaseline
    }

    public struct Shape: Sendable {
        public var file: String
        public var name: String
        public var machine: String
        public var architecture: String
        /// Hosts (weighted by count) of the shape's architecture, and their distinct profiles.
        public var hosts: Int
        public var distinctProfiles: Int
        /// Hosts of other architectures, which this shape cannot run on.
        public var otherArchitectureHosts: Int
        public var outcome: Outcome
        public var pools: PoolSplit?
        public var change: Change?
        public var solves: Int
        public var timeouts: Int
        /// Solves where the solver's own exact check rejected its layout: bugs to report, never answers.
        public var internalErrors: [String] = []

        public var fits: Bool { if case .fits = outcome { return true } else { return false } }
        public var isInvalid: Bool { if case .invalid = outcome { return true } else { return false } }
    }

    public struct Baseline: Sendable {
        public var source: String
        public var added: [String]
        public var removed: [String]
        public var changed: [String]
    }

    public var profiles: [ProfileEntry]
    public var hostCount: Int
    public var distinctProfiles: Int
    public var shapes: [Shape]
    public var baseline: Baseline?
    public var strict: Bool
    public var allowLayoutChange: Bool

    public var findings: [LintFinding] { profiles.flatMap(\.findings) }
    public var errorCount: Int { findings.filter { $0.severity == .error }.count }
    public var warningCount: Int { findings.filter { $0.severity == .warning }.count }

    /// Whether a finding fails the check under the chosen strictness.
    public func fails(_ finding: LintFinding) -> Bool { finding.severity == .error || strict }

    /// Why a shape fails the check, or nil when it passes.
    public func failure(of shape: Shape) -> String? {
        switch shape.outcome {
        case .doesNotFit: return "no layout fits every \(shape.architecture) host"
        case .noHosts: return "the fleet has no \(shape.architecture) host for a \(shape.machine) VM"
        case .invalid(let message): return message
        case .fits:
            if case .layoutChanged(let old, let new)? = shape.change, !allowLayoutChange {
                return "the layout changed from \(LayoutDigest.short(old)) to \(LayoutDigest.short(new)) against the baseline; running VMs could not migrate (pass --allow-layout-change if intended)"
            }
            return nil
        }
    }

    /// 0 every shape fits and no lint error (nor warning with `--strict`); 1 otherwise; 2 when a
    /// shape itself is unusable, which is bad input like an unreadable file; 70 when the solver
    /// failed its own exact check anywhere (the rest of the report is still complete).
    public var exitCode: Int32 {
        if shapes.contains(where: { !$0.internalErrors.isEmpty }) { return 70 }
        if shapes.contains(where: \.isInvalid) { return 2 }
        if findings.contains(where: fails) { return 1 }
        if shapes.contains(where: { failure(of: $0) != nil }) { return 1 }
        return 0
    }

    /// One line for standard error and CI logs.
    public var verdict: String {
        let failing = shapes.filter { failure(of: $0) != nil }.count
        var parts: [String] = []
        parts.append(shapes.isEmpty ? "no VM shapes" : failing == 0 ? "all \(shapes.count) VM shape(s) fit" : "\(failing) of \(shapes.count) VM shape(s) fail")
        parts.append("\(errorCount) lint error(s), \(warningCount) warning(s)" + (strict && warningCount > 0 ? " (failing: --strict)" : ""))
        let bugs = shapes.reduce(0) { $0 + $1.internalErrors.count }
        if bugs > 0 { parts.append("\(bugs) internal solver error(s), please report them") }
        return parts.joined(separator: "; ") + (exitCode == 0 ? ": ok" : ": FAILED")
    }
}
