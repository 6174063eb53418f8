import LayoutCore
import LayoutMachines
/// Why a solve produced no ``MIPSolution``.
package enum GLPKError: Error, Equatable, CustomStringConvertible {
    /// GLPK hit a fatal error (`glp_error`); the guard caught it instead of letting GLPK abort.
    /// `message` is the text GLPK printed.
    case fatal(message: String)
    /// `glp_intopt` returned a code that is neither a result nor a limit, e.g. `GLP_EFAIL`, or
    /// `GLP_ENODFS` when the LP relaxation is unbounded. `name` is the GLPK constant's name.
    case solverFailed(code: Int32, name: String)
    /// Rejected in Swift before GLPK saw it: a non-finite number, crossed bounds, an index out
    /// of range, or an out-of-range option.
    case invalidModel(String)

    package var description: String {
        switch self {
        case .fatal(let message): "GLPK fatal error: \(message)"
        case .solverFailed(let code, let name): "GLPK glp_intopt failed: \(name) (\(code))"
        case .invalidModel(let reason): "invalid MIP model: \(reason)"
        }
    }
}
