import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// Everything `check` found, in a form every renderer (text, JSON, GitHub, JUnit) reads; the
/// exit code is decided here once so they cannot disagree.
public struct CheckReport: Sendable {
    package struct ProfileEntry: Sendable {
        package var file: String
        package var name: String?
        package var architecture: String?
        package var count: Int?
        package var findings: [LintFinding]
    }

    /// A verified layout, reduced to what identifies it.
    package struct Layout: Sendable {
        package var digest: String
        package var machineType: String
        package var physBits: Int
        package var topAddress: UInt64
        package var dimms: Int
        package var argv: [String]
        /// Each guest region by name, as `0xSTART-0xLAST`, for ``LayoutMove``.
        package var regions: [String: String] = [:]

        package init(_ solution: Solution) {
            digest = LayoutDigest.digest(for: solution)
            machineType = solution.layout.machineType
            physBits = solution.layout.physBits
            topAddress = solution.layout.topAddress
            dimms = solution.layout.dimmCount
            argv = QEMUArguments.argv(for: solution.layout)
            for region in solution.layout.regions { regions[region.name] = region.range.description }
        }
    }

    /// A group of alike host profiles as reports name it.
    package struct HostGroup: Sendable {
        package var name: String
        package var label: String
        package var members: [String]
        package var hosts: Int
        package var file: String

        package init(_ profile: DistinctProfile) {
            name = profile.name
            label = profile.label
            members = profile.memberNames
            hosts = profile.weight
            file = profile.document.file
        }
    }

    package struct Coverage: Sendable {
        package var served: [HostGroup]
        package var left: [HostGroup]
        package var servedHosts: Int
        package var totalHosts: Int
        package var exact: Bool
        package var method: String
        /// The layout that serves them, when any host can be served at all.
        package var layout: Layout?
    }

    package struct NoFit: Sendable {
        /// The solver's own explanation for the whole fleet.
        package var reasons: [String]
        /// Disjoint conflicts: the first among all hosts, the next among the hosts the earlier
        /// ones do not name, and so on, so that fixing every one listed is needed for a fit.
        package var conflicts: [ConflictExplanation]
        /// The hosts outside every listed conflict still conflict (the listing was cut short).
        package var moreConflicts: Bool
        package var coverage: Coverage?
    }

    package enum Outcome: Sendable {
        case fits(Layout)
        case doesNotFit(NoFit)
        /// The fleet has no host of the architecture the machine needs.
        case noHosts
        /// The solver refused the shape itself (a machine it does not model, say).
        case invalid(String)
    }

    package struct Pool: Sendable {
        package var groups: [HostGroup]
        package var hosts: Int
        package var layout: Layout?
    }

    package struct PoolSplit: Sendable {
        package var pools: [Pool]
        package var unservable: [HostGroup]
        package var exact: Bool
        package var method: String
    }

    /// How a shape's answer moved between the baseline fleet and this one.
    package enum Change: Sendable, Equatable {
        case unchanged
        case layoutChanged(old: String, new: String)
        case stoppedFitting(old: String)
        case startedFitting
        case stillDoesNotFit
        /// The baseline had no hosts for this shape's architecture.
        case notInBaseline
    }

    package struct Shape: Sendable {
        package var file: String
        package var name: String
        package var machine: String
        package var architecture: String
        /// Hosts (weighted by count) of the shape's architecture, and their distinct profiles.
        package var hosts: Int
        package var distinctProfiles: Int
        /// Hosts of other architectures, which this shape cannot run on.
        package var otherArchitectureHosts: Int
        package var outcome: Outcome
        package var pools: PoolSplit?
        package var change: Change?
        package var solves: Int
        package var timeouts: Int
        /// Solves where the solver's own exact check rejected its layout: bugs to report, never answers.
        package var internalErrors: [String] = []
        /// The shape's file did not parse: a failing shape (exit 1), unlike a shape the solver refuses (exit 2).
        package var unparsable = false
        /// With a baseline whose layout differs: what moved, old -> new.
        package var moves: [LayoutMove] = []

        package var fits: Bool { if case .fits = outcome { return true } else { return false } }
        package var isInvalid: Bool { if case .invalid = outcome { return true } else { return false } }
    }

    package struct Baseline: Sendable {
        package var source: String
        package var added: [String]
        package var removed: [String]
        package var changed: [String]
    }

    package var profiles: [ProfileEntry]
    package var hostCount: Int
    package var distinctProfiles: Int
    package var shapes: [Shape]
    package var baseline: Baseline?
    package var strict: Bool
    package var allowLayoutChange: Bool

    package var findings: [LintFinding] { profiles.flatMap(\.findings) }
    package var errorCount: Int { findings.filter { $0.severity == .error }.count }
    package var warningCount: Int { findings.filter { $0.severity == .warning }.count }

    /// Whether a finding fails the check under the chosen strictness.
    package func fails(_ finding: LintFinding) -> Bool { finding.severity == .error || strict }

    /// Why a shape fails the check, or nil when it passes.
    package func failure(of shape: Shape) -> String? {
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
    /// The report for a person.
    public var text: String { CheckTextReport.render(self) }
    /// The `layoutsolve/check/v1` JSON document.
    public var json: String { CheckJSONReport.document(for: self).rendered() }
    /// JUnit XML, one test case per VM shape and lint finding.
    public var junit: String { CheckJUnitReport.render(self) }
    /// GitHub Actions workflow commands (`::error file=…,line=…::`), one per finding.
    public var githubAnnotations: String { CheckGitHubReport.render(self) }

    public var exitCode: Int32 {
        if shapes.contains(where: { !$0.internalErrors.isEmpty }) { return 70 }
        if shapes.contains(where: { $0.isInvalid && !$0.unparsable }) { return 2 }
        if findings.contains(where: fails) { return 1 }
        if shapes.contains(where: { failure(of: $0) != nil }) { return 1 }
        return 0
    }

    /// One line for standard error and CI logs.
    package var verdict: String {
        let failing = shapes.filter { failure(of: $0) != nil }.count
        var parts: [String] = []
        parts.append(shapes.isEmpty ? "no VM shapes" : failing == 0 ? "all \(shapes.count) VM shape(s) fit" : "\(failing) of \(shapes.count) VM shape(s) fail")
        parts.append("\(errorCount) lint error(s), \(warningCount) warning(s)" + (strict && warningCount > 0 ? " (failing: --strict)" : ""))
        let bugs = shapes.reduce(0) { $0 + $1.internalErrors.count }
        if bugs > 0 { parts.append("\(bugs) internal solver error(s), please report them") }
        return parts.joined(separator: "; ") + (exitCode == 0 ? ": ok" : ": FAILED")
    }
}
