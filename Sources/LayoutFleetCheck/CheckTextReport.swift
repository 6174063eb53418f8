import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// The report for a person reading a terminal or a CI log: problems first and in full, clean
/// profiles only counted (a fleet can have ten thousand of them).
package enum CheckTextReport {
    package static func render(_ report: CheckReport) -> String {
        var lines: [String] = []
        let clean = report.profiles.filter { $0.findings.isEmpty }.count
        lines.append("layoutsolve check: \(report.profiles.count) profile file(s), \(report.hostCount) host(s) in \(report.distinctProfiles) distinct profile(s), \(report.shapes.count) VM shape(s)")
        lines.append("")
        lines.append("Profiles: \(clean) clean, \(report.errorCount) error(s), \(report.warningCount) warning(s)")
        for entry in report.profiles {
            for finding in entry.findings {
                lines.append("  \(finding.severity.rawValue): \(finding.location): \(finding.message) [\(finding.code)]")
            }
        }
        for shape in report.shapes {
            lines.append("")
            lines += shapeLines(shape, report: report)
        }
        if let baseline = report.baseline {
            lines.append("")
            lines.append("Baseline \(baseline.source): \(baseline.added.count) profile(s) added, \(baseline.removed.count) removed, \(baseline.changed.count) changed")
            for (what, names) in [("added", baseline.added), ("removed", baseline.removed), ("changed", baseline.changed)] where !names.isEmpty {
                lines.append("  \(what): " + abbreviated(names))
            }
        }
        lines.append("")
        lines.append(report.verdict)
        return lines.joined(separator: "\n") + "\n"
    }

    package static func shapeLines(_ shape: CheckReport.Shape, report: CheckReport) -> [String] {
        var lines: [String] = []
        let status: String
        switch shape.outcome {
        case .fits(let layout): status = "fits, layout \(LayoutDigest.short(layout.digest))"
        case .doesNotFit: status = "DOES NOT FIT"
        case .noHosts: status = "NO HOSTS"
        case .invalid: status = "INVALID"
        }
        var scope = "\(shape.machine) on \(shape.hosts) \(shape.architecture) host(s), \(shape.distinctProfiles) distinct profile(s)"
        if shape.otherArchitectureHosts > 0 { scope += "; \(shape.otherArchitectureHosts) host(s) of other architectures not applicable" }
        lines.append("VM \(shape.name) (\(shape.file)): \(status)")
        lines.append("  \(scope)")
        switch shape.outcome {
        case .fits(let layout):
            lines.append("  \(layout.digest), \(layout.machineType), phys-bits \(layout.physBits), top \(Hex.format(layout.topAddress))\(layout.dimms > 0 ? ", \(layout.dimms) DIMM(s)" : "")")
            lines.append("  " + QEMUArguments.shellLine(layout.argv))
        case .doesNotFit(let noFit):
            lines += explanationLines(noFit)
        case .noHosts:
            lines.append("  no host profile has arch \(shape.architecture)")
        case .invalid(let message):
            lines.append("  " + message)
        }
        if let change = shape.change { lines.append("  baseline: " + describe(change)) }
        lines += shape.moves.map { "    moved: \($0.description)" }
        if let failure = report.failure(of: shape), case .fits = shape.outcome { lines.append("  FAILS: \(failure)") }
        if let split = shape.pools { lines += poolLines(split) }
        for bug in shape.internalErrors { lines.append("  INTERNAL ERROR (counted as not fitting): " + bug.replacingOccurrences(of: "\n", with: "\n    ")) }
        if shape.timeouts > 0 { lines.append("  note: \(shape.timeouts) solve(s) hit the time limit and were counted as not fitting") }
        return lines
    }

    package static func explanationLines(_ noFit: CheckReport.NoFit) -> [String] {
        var lines: [String] = []
        if noFit.conflicts.isEmpty { return noFit.reasons.map { "  " + $0 } }
        for (number, explanation) in noFit.conflicts.enumerated() {
            let hostsText = explanation.hosts.count == 1 ? "1 host profile" : "\(explanation.hosts.count) host profiles"
            let quality = explanation.minimal ? "minimal: without any one of them it fits" : "work cap reached: these conflict, a smaller set may too"
            let title = noFit.conflicts.count > 1 || noFit.moreConflicts ? "conflict \(number + 1)" : "conflict"
            lines.append("  \(title): \(hostsText), \(explanation.constraints.count) constraint(s) (\(quality))")
            for host in explanation.hosts {
                lines.append("    \(host.label)  \(host.document.file)")
                for constraint in explanation.constraints where constraint.host == host.name {
                    lines.append("      \(constraint.summary)  (\(constraint.file)\(constraint.line.map { ":\($0)" } ?? ""): \(constraint.path))")
                }
            }
            if !explanation.alike.isEmpty {
                lines.append("    also no layout alone, through the same constraint(s): " + abbreviated(explanation.alike.map(\.label)))
            }
            if explanation.constraints.isEmpty {
                lines.append("    no region or width of theirs: these hosts conflict as a combination")
            }
            for reason in explanation.reasons { lines.append("    why: " + reason) }
        }
        if noFit.moreConflicts { lines.append("  the hosts outside these conflicts still conflict; fix these and check again") }
        if let coverage = noFit.coverage {
            lines.append("  largest set one layout serves: \(coverage.servedHosts) of \(coverage.totalHosts) host(s), \(coverage.method)")
            if !coverage.left.isEmpty { lines.append("    left out: " + abbreviated(coverage.left.map(\.label))) }
            if let layout = coverage.layout { lines.append("    with layout \(LayoutDigest.short(layout.digest)): " + QEMUArguments.shellLine(layout.argv)) }
        }
        return lines
    }

    package static func poolLines(_ split: CheckReport.PoolSplit) -> [String] {
        var lines = ["  pools: \(split.pools.count), \(split.method)"]
        for (index, pool) in split.pools.enumerated() {
            let digest = pool.layout.map { "layout \(LayoutDigest.short($0.digest))" } ?? "no layout"
            lines.append("    pool \(index + 1): \(pool.hosts) host(s), \(digest): " + abbreviated(pool.groups.map(\.label)))
            if let layout = pool.layout { lines.append("      " + QEMUArguments.shellLine(layout.argv)) }
        }
        if !split.unservable.isEmpty {
            lines.append("    no layout even alone: " + abbreviated(split.unservable.map(\.label)))
        }
        return lines
    }

    package static func describe(_ change: CheckReport.Change) -> String {
        switch change {
        case .unchanged: return "layout unchanged"
        case .layoutChanged(let old, let new): return "layout CHANGED \(LayoutDigest.short(old)) -> \(LayoutDigest.short(new))"
        case .stoppedFitting(let old): return "STOPPED FITTING (fitted with layout \(LayoutDigest.short(old)))"
        case .startedFitting: return "fits now, did not fit the baseline"
        case .stillDoesNotFit: return "did not fit the baseline either"
        case .notInBaseline: return "the baseline has no hosts for it"
        }
    }

    package static func abbreviated(_ items: [String], limit: Int = 12) -> String {
        items.count <= limit ? items.joined(separator: ", ") : items.prefix(limit).joined(separator: ", ") + ", … (\(items.count - limit) more)"
    }
}
