import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// The machine-readable report, schema `layoutsolve/check/v1`: everything the text report says,
/// with full digests, member lists and QEMU arguments.
package enum CheckJSONReport {
    package static let schema = "layoutsolve/check/v1"

    package static func document(for report: CheckReport) -> JSONOutput {
        .object([
            ("schema", .string(schema)),
            ("generator", .string("layoutsolve \(LayoutSolverVersion.current)")),
            ("result", .object([
                ("exit_code", .integer(Int(report.exitCode))),
                ("verdict", .string(report.verdict)),
                ("errors", .integer(report.errorCount)),
                ("warnings", .integer(report.warningCount)),
                ("strict", .bool(report.strict)),
                ("allow_layout_change", .bool(report.allowLayoutChange)),
            ])),
            ("fleet", .object([
                ("profile_files", .integer(report.profiles.count)),
                ("hosts", .integer(report.hostCount)),
                ("distinct_profiles", .integer(report.distinctProfiles)),
            ])),
            ("profiles", .array(report.profiles.map(profile))),
            ("shapes", .array(report.shapes.map { shape($0, report: report) })),
            ("baseline", report.baseline.map { baseline in
                .object([
                    ("source", .string(baseline.source)),
                    ("added", strings(baseline.added)),
                    ("removed", strings(baseline.removed)),
                    ("changed", strings(baseline.changed)),
                ])
            } ?? .null),
        ])
    }

    package static func strings(_ values: [String]) -> JSONOutput { .array(values.map(JSONOutput.string)) }
    package static func optionalInteger(_ value: Int?) -> JSONOutput { value.map(JSONOutput.integer) ?? .null }

    package static func profile(_ entry: CheckReport.ProfileEntry) -> JSONOutput {
        .object([
            ("file", .string(entry.file)),
            ("name", entry.name.map(JSONOutput.string) ?? .null),
            ("arch", entry.architecture.map(JSONOutput.string) ?? .null),
            ("count", optionalInteger(entry.count)),
            ("findings", .array(entry.findings.map(finding))),
        ])
    }

    package static func finding(_ finding: LintFinding) -> JSONOutput {
        .object([
            ("severity", .string(finding.severity.rawValue)),
            ("code", .string(finding.code)),
            ("file", .string(finding.file)),
            ("line", optionalInteger(finding.line)),
            ("path", .string(finding.path)),
            ("message", .string(finding.message)),
        ])
    }

    package static func layout(_ layout: CheckReport.Layout?) -> JSONOutput {
        guard let layout else { return .null }
        return .object([
            ("digest", .string(layout.digest)),
            ("machine_type", .string(layout.machineType)),
            ("phys_bits", .integer(layout.physBits)),
            ("top_address", .string(Hex.format(layout.topAddress))),
            ("dimms", .integer(layout.dimms)),
            ("argv", strings(layout.argv)),
        ])
    }

    package static func group(_ group: CheckReport.HostGroup) -> JSONOutput {
        .object([
            ("name", .string(group.name)),
            ("file", .string(group.file)),
            ("hosts", .integer(group.hosts)),
            ("members", strings(group.members)),
        ])
    }

    package static func shape(_ shape: CheckReport.Shape, report: CheckReport) -> JSONOutput {
        var status = "fits", layoutValue = JSONOutput.null, conflicts = JSONOutput.null, moreConflicts = JSONOutput.null, coverage = JSONOutput.null
        var reasons: [String] = []
        switch shape.outcome {
        case .fits(let found): layoutValue = layout(found)
        case .noHosts: status = "no-hosts"
        case .invalid(let message): status = "invalid"; reasons = [message]
        case .doesNotFit(let noFit):
            status = "does-not-fit"
            reasons = noFit.reasons
            conflicts = .array(noFit.conflicts.map(conflict))
            moreConflicts = .bool(noFit.moreConflicts)
            if let found = noFit.coverage {
                coverage = .object([
                    ("served_hosts", .integer(found.servedHosts)),
                    ("total_hosts", .integer(found.totalHosts)),
                    ("exact", .bool(found.exact)),
                    ("method", .string(found.method)),
                    ("served", .array(found.served.map(group))),
                    ("left_out", .array(found.left.map(group))),
                    ("layout", layout(found.layout)),
                ])
            }
        }
        return .object([
            ("name", .string(shape.name)),
            ("file", .string(shape.file)),
            ("machine", .string(shape.machine)),
            ("architecture", .string(shape.architecture)),
            ("hosts", .integer(shape.hosts)),
            ("distinct_profiles", .integer(shape.distinctProfiles)),
            ("other_architecture_hosts", .integer(shape.otherArchitectureHosts)),
            ("status", .string(status)),
            ("failure", report.failure(of: shape).map(JSONOutput.string) ?? .null),
            ("reasons", strings(reasons)),
            ("layout", layoutValue),
            ("conflicts", conflicts),
            ("more_conflicts", moreConflicts),
            ("coverage", coverage),
            ("pools", shape.pools.map(pools) ?? .null),
            ("baseline", shape.change.map(change) ?? .null),
            ("solves", .integer(shape.solves)),
            ("timeouts", .integer(shape.timeouts)),
            ("internal_errors", strings(shape.internalErrors)),
            ("moves", .array(shape.moves.map { move in
                .object([("kind", .string(move.kind)), ("name", .string(move.name)), ("old", move.old.map(JSONOutput.string) ?? .null), ("new", move.new.map(JSONOutput.string) ?? .null)])
            })),
        ])
    }

    package static func conflict(_ explanation: ConflictExplanation) -> JSONOutput {
        .object([
            ("minimal", .bool(explanation.minimal)),
            ("hosts", .array(explanation.hosts.map { group(CheckReport.HostGroup($0)) })),
            ("constraints", .array(explanation.constraints.map { constraint in
                .object([
                    ("host", .string(constraint.host)),
                    ("file", .string(constraint.file)),
                    ("line", optionalInteger(constraint.line)),
                    ("path", .string(constraint.path)),
                    ("summary", .string(constraint.summary)),
                ])
            })),
            ("reasons", strings(explanation.reasons)),
            ("alike", .array(explanation.alike.map { group(CheckReport.HostGroup($0)) })),
            ("solves", .integer(explanation.solves)),
        ])
    }

    package static func pools(_ split: CheckReport.PoolSplit) -> JSONOutput {
        .object([
            ("count", .integer(split.pools.count)),
            ("exact", .bool(split.exact)),
            ("method", .string(split.method)),
            ("pools", .array(split.pools.map { pool in
                .object([
                    ("hosts", .integer(pool.hosts)),
                    ("profiles", .array(pool.groups.map(group))),
                    ("layout", layout(pool.layout)),
                ])
            })),
            ("unservable", .array(split.unservable.map(group))),
        ])
    }

    package static func change(_ change: CheckReport.Change) -> JSONOutput {
        switch change {
        case .unchanged: return .object([("change", .string("unchanged"))])
        case .layoutChanged(let old, let new): return .object([("change", .string("layout-changed")), ("old", .string(old)), ("new", .string(new))])
        case .stoppedFitting(let old): return .object([("change", .string("stopped-fitting")), ("old", .string(old))])
        case .startedFitting: return .object([("change", .string("started-fitting"))])
        case .stillDoesNotFit: return .object([("change", .string("still-does-not-fit"))])
        case .notInBaseline: return .object([("change", .string("not-in-baseline"))])
        }
    }
}
