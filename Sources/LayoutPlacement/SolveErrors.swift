import LayoutCore
import LayoutMachines
/// The solver could not finish in the time allowed (exit code 3).
public struct SolveTimedOut: Error, Sendable, CustomStringConvertible {
    /// The time limit that was reached, for the whole solve.
    public var seconds: Double
    public var description: String { "no layout found in \(seconds) s (raise --time-limit)" }
}

/// A layout the solver proposed failed the exact verifier: a bug in this tool, never printed
/// as an answer. Exit code 70 (EX_SOFTWARE).
public struct VerifierRejectedLayout: Error, Sendable, CustomStringConvertible {
    /// What the exact check found wrong with the proposed layout.
    public var violations: [Violation]
    public var description: String {
        "internal error: the solver proposed a layout that fails the exact check; please report this with the inputs.\n"
            + violations.map { "  - \($0)" }.joined(separator: "\n")
    }
}
