import LayoutCore
import LayoutMachines
/// The outcome of solving a ``MIPModel``.
package struct MIPSolution: Sendable {
    package enum Status: Sendable, Equatable {
        /// Proven optimal (within the integrality tolerance).
        case optimal
        /// An incumbent that is not proven optimal: the time limit, or a positive
        /// ``MIPOptions/mipGap``, stopped the search first.
        case feasible
        /// No assignment satisfies the constraints (possibly found before GLPK ran, e.g. an
        /// integer variable whose bounds contain no integer).
        case infeasible
        /// The time limit ran out before any incumbent was found; feasibility is unknown.
        case noSolutionInTime
    }

    package var status: Status
    /// One value per model variable, by index; empty unless `optimal` or `feasible`.
    /// Integer and binary values are exact integers.
    package var values: [Double]
    /// Objective of `values`; NaN when there are none.
    package var objective: Double
    /// Model size, for logs: constraints, variables and binaries.
    package var rows: Int
    package var columns: Int
    package var binaries: Int
    /// Wall time spent inside `glp_intopt`.
    package var seconds: Double
    /// The incumbent's relative optimality gap when GLPK stopped: 0 when proven optimal, nil
    /// when there is no incumbent.
    package var gap: Double?

    package init(status: Status, values: [Double], objective: Double, rows: Int, columns: Int, binaries: Int, seconds: Double) {
        self.status = status
        self.values = values
        self.objective = objective
        self.rows = rows
        self.columns = columns
        self.binaries = binaries
        self.seconds = seconds
        self.gap = status == .optimal ? 0 : nil
    }
}
