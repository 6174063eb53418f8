import LayoutCore

/// The moment a whole solve must end (`--time-limit` bounds the command, not each GLPK call).
/// Every MIP call gets what is left; a search that runs out keeps the best verified layout it
/// has, marked as not proven optimal, or throws ``SolveTimedOut`` when it has none.
package struct SolveDeadline: Sendable {
    package let seconds: Double
    private let end: ContinuousClock.Instant

    package init(seconds: Double, clock: ContinuousClock = ContinuousClock()) {
        self.seconds = seconds
        // A limit too large to represent is no limit (one day is more than any solve takes).
        let bounded = min(max(seconds, 0), 86_400)
        self.end = clock.now.advanced(by: .milliseconds(Int64(bounded * 1000)))
    }

    /// Milliseconds left, at least 0.
    package var remainingMilliseconds: Int {
        let left = ContinuousClock().now.duration(to: end)
        let (whole, fraction) = left.components
        guard whole >= 0 else { return 0 }
        return Int(min(whole, 86_400)) * 1000 + Int(fraction / 1_000_000_000_000_000)
    }

    package var hasPassed: Bool { remainingMilliseconds == 0 }

    /// The error a search that found nothing by now throws.
    package var timedOut: SolveTimedOut { SolveTimedOut(seconds: seconds) }
}
