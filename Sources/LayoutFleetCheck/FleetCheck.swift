import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// `layoutsolve check` as a library call: lint every profile, solve every VM shape against the
/// hosts of its architecture, explain what does not fit, and optionally split into pools and
/// compare with a baseline fleet.
public struct FleetCheck {
    public struct Options: Sendable {
        /// Warnings fail the check too.
        public var strict = false
        public var strictRelaxable = false
        public var timeLimitSeconds = 30.0
        /// Split each shape's fleet into the fewest migration pools.
        public var pools = false
        /// A changed layout against the baseline is reported but does not fail.
        public var allowLayoutChange = false
        /// A `probe --partial` profile is a warning instead of a lint error.
        public var allowPartial = false
        package var explainer = ConflictExplainer()
        package var coverage = MaxCoverage()
        package var poolSearch = MigrationPools()

        public init() {}

        package var solveOptions: SolveOptions { SolveOptions(strictRelaxable: strictRelaxable, timeLimitSeconds: timeLimitSeconds) }
    }

    /// A fleet to compare against and where it came from (a folder, or `git:REV:path`).
    package struct BaselineFleet: Sendable {
        package var source: String
        package var documents: [ProfileDocument]

        package init(source: String, documents: [ProfileDocument]) {
            self.source = source
            self.documents = documents
        }

        /// The old fleet from profile files or folders. The baseline is history: a profile that no
        /// longer parses is left out, not reported.
        package static func load(paths: [String]) throws -> BaselineFleet {
            BaselineFleet(source: paths.joined(separator: " "), documents: try CheckInput.loadProfiles(paths: paths))
        }
    }

    package var options: Options

    public init(options: Options = Options()) { self.options = options }

    /// Everything about the input, and any layout the solver's own exact check rejected, is in
    /// the report; only a failure of GLPK itself is thrown.
    /// Checks a fleet from its files: host profiles and VM shapes (files or folders of `*.json`),
    /// and optionally the fleet as it was (a baseline), whose layouts running VMs rely on.
    /// A profile that does not parse is a finding of the report, not an error.
    /// - Throws: ``InputError`` for a path that cannot be read or a VM shape that does not parse.
    public func run(profilePaths: [String], shapePaths: [String], baselinePaths: [String]? = nil) throws -> CheckReport {
        try run(
            profiles: try CheckInput.loadProfiles(paths: profilePaths), shapes: try CheckInput.loadShapes(paths: shapePaths),
            baseline: try baselinePaths.map { try BaselineFleet.load(paths: $0) })
    }

    package func run(profiles documents: [ProfileDocument], shapes: [ShapeDocument], baseline: BaselineFleet? = nil) throws -> CheckReport {
        let duplicates = DuplicateDetection.analyse(documents, strictRelaxable: options.strictRelaxable)
        let rules = ProfileRules.findings(for: documents, duplicates: duplicates, allowPartial: options.allowPartial)
        let entries = zip(documents, rules).map { document, findings in
            CheckReport.ProfileEntry(
                file: document.file, name: document.profile?.name, architecture: document.profile?.arch.rawValue,
                count: document.profile?.count, findings: findings)
        }
        let distinct = duplicates.distinct
        let baselineDistinct = baseline.map { DuplicateDetection.analyse($0.documents, strictRelaxable: options.strictRelaxable).distinct }

        var reports: [CheckReport.Shape] = []
        for shape in shapes {
            var report = try check(shape, distinct: distinct)
            if let baselineDistinct, !report.isInvalid {
                let (change, old) = try compareDetailed(shape, current: report, baseline: baselineDistinct)
                report.change = change
                if case .fits(let new) = report.outcome, let old, case .layoutChanged = change { report.moves = LayoutMove.between(old: old, new: new) }
            }
            reports.append(report)
        }
        return CheckReport(
            profiles: entries, hostCount: distinct.reduce(0) { $0 + $1.weight }, distinctProfiles: distinct.count,
            shapes: reports, baseline: baseline.map { summarize(baseline: $0, current: documents) },
            strict: options.strict, allowLayoutChange: options.allowLayoutChange)
    }

    package func check(_ shape: ShapeDocument, distinct all: [DistinctProfile]) throws -> CheckReport.Shape {
        if let error = shape.error {
            var report = CheckReport.Shape(
                file: shape.file, name: shape.name, machine: "unknown", architecture: "unknown", hosts: 0, distinctProfiles: 0,
                otherArchitectureHosts: 0, outcome: .invalid("\(shape.file): does not parse as a VM shape: \(error.path.isEmpty ? "" : error.path + ": ")\(error.message)"),
                solves: 0, timeouts: 0)
            report.unparsable = true
            return report
        }
        let architecture = try Solver.architecture(of: shape.spec.machine)
        let distinct = all.filter { $0.representative.arch == architecture }
        let others = all.filter { $0.representative.arch != architecture }.reduce(0) { $0 + $1.weight }
        var report = CheckReport.Shape(
            file: shape.file, name: shape.name, machine: shape.spec.machine.rawValue, architecture: architecture.rawValue,
            hosts: distinct.reduce(0) { $0 + $1.weight }, distinctProfiles: distinct.count, otherArchitectureHosts: others,
            outcome: .noHosts, solves: 0, timeouts: 0)
        guard !distinct.isEmpty else { return report }
        var spec = shape.spec
        spec.name = shape.name
        let oracle = FeasibilityOracle(profiles: distinct.map(\.representative), vm: spec, options: options.solveOptions, budget: .max)
        let everyone = Array(distinct.indices)
        let weights = distinct.map(\.weight)
        var renderingBugs: [String] = []
        do {
            switch try oracle.outcome(oracle.mask(everyone)) {
            case .fits(let solution):
                report.outcome = .fits(CheckReport.Layout(solution))
                // The report prints the layout's QEMU arguments: they must read back (RenderingCheck).
                do { try RenderingCheck.checkQEMU(solution.layout) } catch { renderingBugs.append("\(error)") }
            case .doesNotFit(let failure):
                let (conflicts, more) = try explain(oracle: oracle, distinct: distinct, failure: failure)
                let coverage = try options.coverage.largest(oracle: oracle, among: everyone, weights: weights)
                report.outcome = .doesNotFit(.init(
                    reasons: failure.conflicts.map(\.message), conflicts: conflicts, moreConflicts: more,
                    coverage: try summarize(coverage, oracle: oracle, distinct: distinct)))
            case .rejected(let bug):
                report.outcome = .doesNotFit(.init(reasons: ["internal error: \(bug.description)"], conflicts: [], moreConflicts: false, coverage: nil))
            case .timedOut:
                report.outcome = .doesNotFit(.init(
                    reasons: ["no layout found within the time limit of \(options.timeLimitSeconds) s per solve (raise --time-limit)"],
                    conflicts: [], moreConflicts: false, coverage: nil))
            }
            if options.pools {
                let split = try options.poolSearch.fewest(oracle: oracle, among: everyone, weights: weights)
                report.pools = CheckReport.PoolSplit(
                    pools: try split.pools.map { members in
                        CheckReport.Pool(
                            groups: members.map { CheckReport.HostGroup(distinct[$0]) }, hosts: members.reduce(0) { $0 + weights[$1] },
                            layout: try oracle.solution(oracle.mask(members)).map(CheckReport.Layout.init))
                    },
                    unservable: split.unservable.map { CheckReport.HostGroup(distinct[$0]) }, exact: split.exact, method: split.method)
            }
        } catch let error as InputError {
            report.outcome = .invalid("\(shape.file): \(error.path.isEmpty ? "" : error.path + ": ")\(error.message)")
        } catch let errors as InputErrors {
            report.outcome = .invalid(errors.errors.map { "\(shape.file): \($0.message)" }.joined(separator: "; "))
        }
        report.solves = oracle.solves
        report.timeouts = oracle.timeouts
        report.internalErrors = oracle.internalErrors + renderingBugs
        return report
    }

    /// One conflict is rarely the whole story: a fleet can fail for two unrelated reasons (a narrow
    /// IOMMU here, a vendor mix there). After each conflict, the hosts it names are set aside and
    /// the rest solved again, until the rest fits or the listing limit is reached.
    package func explain(oracle: FeasibilityOracle, distinct: [DistinctProfile], failure: NoLayoutExists) throws -> (conflicts: [ConflictExplanation], more: Bool) {
        var conflicts: [ConflictExplanation] = []
        var remaining = Array(distinct.indices)
        var currentFailure = failure
        while true {
            var explanation = try options.explainer.explain(oracle: oracle, among: remaining, distinct: distinct, failure: currentFailure)
            var named = Set(explanation.hosts.map(\.name))
            remaining.removeAll { named.contains(distinct[$0].name) }
            if explanation.hosts.count == 1 {
                // A host that cannot be served alone usually has siblings (other firmware builds of
                // the same platform) with the same constraint; each is tested alone and listed with it.
                let key = Set(explanation.constraints.map(\.summary))
                for candidate in remaining {
                    let summaries = Set(ConflictExplainer.constraints(of: distinct[candidate], strictRelaxable: options.strictRelaxable).map(\.summary))
                    guard key.isSubset(of: summaries), try oracle.fits(oracle.mask([candidate])) == false else { continue }
                    explanation.alike.append(distinct[candidate])
                    named.insert(distinct[candidate].name)
                }
                remaining.removeAll { named.contains(distinct[$0].name) }
            }
            conflicts.append(explanation)
            guard !remaining.isEmpty, case .doesNotFit(let next) = try oracle.outcome(oracle.mask(remaining)) else { return (conflicts, false) }
            if conflicts.count >= options.explainer.maximumConflicts { return (conflicts, true) }
            currentFailure = next
        }
    }

    package func summarize(_ coverage: CoverageResult, oracle: FeasibilityOracle, distinct: [DistinctProfile]) throws -> CheckReport.Coverage {
        CheckReport.Coverage(
            served: coverage.served.map { CheckReport.HostGroup(distinct[$0]) }, left: coverage.left.map { CheckReport.HostGroup(distinct[$0]) },
            servedHosts: coverage.servedHosts, totalHosts: coverage.totalHosts, exact: coverage.exact, method: coverage.method,
            layout: coverage.served.isEmpty ? nil : try oracle.solution(oracle.mask(coverage.served)).map(CheckReport.Layout.init))
    }

    /// The shape solved once against the baseline fleet, compared by layout digest.
    package func compare(_ shape: ShapeDocument, current: CheckReport.Shape, baseline: [DistinctProfile]) throws -> CheckReport.Change {
        try compareDetailed(shape, current: current, baseline: baseline).0
    }

    /// ``compare(_:current:baseline:)`` and the baseline's layout, when it had one.
    package func compareDetailed(_ shape: ShapeDocument, current: CheckReport.Shape, baseline: [DistinctProfile]) throws -> (CheckReport.Change, CheckReport.Layout?) {
        let architecture = try Solver.architecture(of: shape.spec.machine)
        let hosts = baseline.filter { $0.representative.arch == architecture }.map(\.representative)
        guard !hosts.isEmpty else { return (.notInBaseline, nil) }
        var spec = shape.spec
        spec.name = shape.name
        var old: String?
        var oldLayout: CheckReport.Layout?
        do {
            let solution = try Solver.solve(hosts: hosts, vm: spec, options: options.solveOptions)
            old = LayoutDigest.digest(for: solution)
            oldLayout = CheckReport.Layout(solution)
        } catch is NoLayoutExists {
            old = nil
        } catch is SolveTimedOut {
            old = nil
        } catch is InputError {
            return (.notInBaseline, nil)
        } catch is VerifierRejectedLayout {
            old = nil
        }
        switch (old, current.outcome) {
        case (let old?, .fits(let layout)): return (old == layout.digest ? .unchanged : .layoutChanged(old: old, new: layout.digest), oldLayout)
        case (let old?, _): return (.stoppedFitting(old: old), oldLayout)
        case (nil, .fits): return (.startedFitting, nil)
        case (nil, _): return (.stillDoesNotFit, nil)
        }
    }

    package func summarize(baseline: BaselineFleet, current: [ProfileDocument]) -> CheckReport.Baseline {
        func byName(_ documents: [ProfileDocument]) -> [String: HostProfile] {
            var result: [String: HostProfile] = [:]
            for document in documents {
                guard var profile = document.profile, result[profile.name] == nil else { continue }
                profile.file = ""
                result[profile.name] = profile
            }
            return result
        }
        let old = byName(baseline.documents), new = byName(current)
        return CheckReport.Baseline(
            source: baseline.source,
            added: new.keys.filter { old[$0] == nil }.sorted(),
            removed: old.keys.filter { new[$0] == nil }.sorted(),
            changed: new.keys.filter { old[$0] != nil && old[$0] != new[$0] }.sorted())
    }
}
