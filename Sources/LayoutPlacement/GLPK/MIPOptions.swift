import LayoutCore
import LayoutMachines
/// Limits and tolerances for one MIP solve.
package struct MIPOptions: Sendable {
    /// Wall-clock budget for branch and bound. When it runs out the best incumbent, if any, is
    /// returned as ``MIPSolution/Status/feasible``. Must be positive.
    package var timeLimitMilliseconds: Int = 30_000

    /// How far from an integer a value may be and still count as integral (GLPK's `tol_int`).
    /// GLPK's default 1e-5 lets a big-M of M hide an error of about M × tol; keep it at most
    /// 0.1 / M. Bounds of integer variables within this distance of an integer are snapped to it.
    /// Must be in [0, 1).
    package var integralityTolerance: Double = 1e-9

    /// Relative gap at which the search may stop early (GLPK's `mip_gap`). 0 demands a proven
    /// optimum; a positive gap that stops the search yields ``MIPSolution/Status/feasible``.
    package var mipGap: Double = 0

    package init() {}
}
