import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// GitHub Actions workflow commands (`::error file=…,line=…::message`): each lint finding on its
/// line, each failing shape on its file, and each conflicting region on the profile line to edit.
/// The plain text report follows, for the log.
package enum CheckGitHubReport {
    package static func render(_ report: CheckReport) -> String {
        var lines: [String] = []
        for finding in report.findings {
            let level = finding.severity == .error ? "error" : "warning"
            lines.append(command(level, file: finding.file, line: finding.line, title: "layoutsolve \(finding.code)",
                                 message: (finding.path.isEmpty ? "" : finding.path + ": ") + finding.message))
        }
        for shape in report.shapes {
            guard let failure = report.failure(of: shape) else { continue }
            var message = failure
            if case .doesNotFit(let noFit) = shape.outcome {
                message += "\n" + CheckTextReport.explanationLines(noFit).map { $0.trimmingLeadingSpaces() }.joined(separator: "\n")
                for constraint in noFit.conflicts.flatMap(\.constraints) {
                    lines.append(command("notice", file: constraint.file, line: constraint.line, title: "conflicts with VM \(shape.name)",
                                         message: "\(constraint.host): \(constraint.summary); with the other constraints named on \(shape.file), no layout fits VM \(shape.name)"))
                }
            }
            lines.append(command("error", file: shape.file, line: 1, title: "VM \(shape.name)", message: message))
        }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n") + CheckTextReport.render(report)
    }

    package static func command(_ level: String, file: String, line: Int?, title: String, message: String) -> String {
        var properties = ["file=" + escapeProperty(file)]
        if let line { properties.append("line=\(line)") }
        properties.append("title=" + escapeProperty(title))
        return "::\(level) \(properties.joined(separator: ","))::\(escapeData(message))"
    }

    /// The escaping GitHub's runner undoes (actions/toolkit `escapeData`).
    package static func escapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    /// Property values also must not contain the separators (`escapeProperty`).
    package static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}

extension String {
    package func trimmingLeadingSpaces() -> String { String(drop { $0 == " " }) }
}
