import LayoutCore

/// A profile printed by `probe --partial` holds stand-ins for what could not be read (the narrow
/// end of real hosts, but still guesses), so a fleet check must not pass it silently.
///
/// The probe marks such a profile only in its `source` text: LayoutProbe's Prober.sourceLine
/// appends "PARTIAL PROFILE (--partial), not read: …". That sentence is the marker read here.
package enum PartialProfileRule {
    package static let marker = "PARTIAL PROFILE (--partial)"

    /// An error (a warning with `allowPartial`) for a partial profile, nil for any other.
    package static func finding(for document: ProfileDocument, allowPartial: Bool) -> LintFinding? {
        guard let profile = document.profile, profile.source.contains(marker) else { return nil }
        return LintFinding(
            severity: allowPartial ? .warning : .error, code: "partial-profile", file: document.file, line: document.line(of: "$.source"), path: "$.source",
            message: "a partial profile (probe --partial): some values are stand-ins, not this host's; probe the host again with every file readable"
                + (allowPartial ? " (allowed: --allow-partial)" : ", or pass --allow-partial to accept it"))
    }
}
