import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// One thing `check` says about a profile, with where it is so CI can annotate the line.
package struct LintFinding: Equatable, Sendable {
    package enum Severity: String, Sendable, Comparable {
        /// The profile cannot be used as written; the check fails.
        case error
        /// Probably a mistake, but a layout can still be computed; fails only with `--strict`.
        case warning

        package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .error && rhs == .warning }
    }

    package var severity: Severity
    /// A stable identifier for filtering and for CI rules: `schema`, `overlap`, `past-width`, ….
    package var code: String
    package var file: String
    package var line: Int?
    /// The JSON path inside the file, empty for the whole file.
    package var path: String
    package var message: String

    package init(severity: Severity, code: String, file: String, line: Int?, path: String, message: String) {
        self.severity = severity
        self.code = code
        self.file = file
        self.line = line
        self.path = path
        self.message = message
    }

    /// `Profiles/x.json:12: $.reserved[1]: warning: …`, the shape compilers use.
    package var location: String {
        var text = file
        if let line { text += ":\(line)" }
        if !path.isEmpty { text += ": \(path)" }
        return text
    }
}
