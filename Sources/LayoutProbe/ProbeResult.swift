import LayoutCore
/// A probed host: the profile, and what the person running the probe should know about it.
public struct ProbeResult: Sendable {
    public var profile: HostProfile
    /// Assumptions and stand-in values; the profile's `source` repeats them.
    public var warnings: [String]
    /// What could not be read; only a `--partial` probe returns with any.
    public var missing: [InputError]

    public var isPartial: Bool { !missing.isEmpty }

    /// The profile as canonical `layoutsolve/host/v1` JSON.
    public var json: String { HostProfileJSON.render(profile) }
}

/// A probe that cannot print a profile. `problems` name the file and line of each missing,
/// unreadable or malformed input.
public struct ProbeFailed: Error, Sendable, CustomStringConvertible {
    public let problems: [InputError]
    /// True when `--partial` would print a profile anyway (with stand-ins for what is missing).
    public let partialWouldHelp: Bool

    package init(problems: [InputError], partialWouldHelp: Bool) {
        self.problems = problems
        self.partialWouldHelp = partialWouldHelp
    }

    public var description: String {
        let hint = partialWouldHelp
            ? "no profile printed; --partial prints what could be read, with stand-in values named in its source and warnings"
            : "no profile printed"
        return (problems.map(\.description) + [hint]).joined(separator: "\n")
    }
}
