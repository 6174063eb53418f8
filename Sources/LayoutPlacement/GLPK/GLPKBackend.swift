import LayoutCore
import LayoutMachines
internal import CGLPKGuard
// Constants only: every GLPK call goes through CGLPKGuard, because a bare glp_* call can abort.
internal import CGLPK

/// Solves ``MIPModel``s with GLPK's branch and bound (`glp_intopt`, presolve on).
///
/// Each call builds, solves and deletes its own GLPK problem inside one synchronous C call, so
/// calls are safe from any number of threads at once (Debian's GLPK keeps its state per thread)
/// and GLPK can never abort the process: its fatal errors come back as ``GLPKError/fatal(message:)``.
/// Do not call it across an `await` boundary expecting GLPK state to survive; none does.
package enum GLPKBackend {
    /// Solves `model` within `options`' limits.
    ///
    /// The same model and options give the same answer, except when the time limit decides
    /// where the search stops.
    ///
    /// - Throws: ``GLPKError/invalidModel(_:)`` for a malformed model or option (nothing reaches
    ///   GLPK), ``GLPKError/solverFailed(code:name:)`` when `glp_intopt` gives up (an unbounded
    ///   relaxation shows up as `GLP_ENODFS`), ``GLPKError/fatal(message:)`` when GLPK itself failed.
    package static func solve(_ model: MIPModel, options: MIPOptions = MIPOptions()) throws -> MIPSolution {
        try solve(model, options: options, branching: defaultBranching)
    }

    /// Branching rule for the search tree (`glp_iocp.bt_tech`).
    package enum Branching: Int32, CaseIterable, Sendable {
        case glpkDefault = 0, depthFirst, breadthFirst, bestLocalBound, bestProjection
    }

    /// Best projection (`GLP_BT_BPH`). Measured with a 2-3 s limit on generalized-assignment
    /// models (60-100 pieces, 10-15 gaps, the shape of the layout model) and on market-split
    /// feasibility problems: it was the only rule that found an incumbent in every instance where
    /// any rule found one, and it had the best incumbent in 10 of 14 time-limited assignment runs.
    /// Depth-first, which once helped a big-M placement model, had the worst incumbents here and
    /// missed feasible points the others found. GLPK's default (best local bound) was in between.
    package static let defaultBranching = Branching.bestProjection

    package static func solve(_ model: MIPModel, options: MIPOptions, branching: Branching) throws(GLPKError) -> MIPSolution {
        try validate(options)
        let flat = try GLPKFlatProblem(model, integralityTolerance: options.integralityTolerance)
        func solution(_ status: MIPSolution.Status, values: [Double] = [], objective: Double = .nan, seconds: Double = 0, gap: Double? = nil) -> MIPSolution {
            var solution = MIPSolution(
                status: status, values: values, objective: objective,
                rows: model.constraints.count, columns: model.variables.count, binaries: model.binaryCount,
                seconds: seconds
            )
            if let gap { solution.gap = gap }
            return solution
        }
        if flat.emptyIntegerDomain != nil {
            return solution(.infeasible)
        }

        let raw = try run(flat, options: options, branching: branching)
        switch try status(intoptReturn: raw.intoptReturn, mipStatus: raw.mipStatus) {
        case .optimal:
            return solution(.optimal, values: rounded(raw.values, model), objective: raw.objective, seconds: raw.seconds)
        case .feasible:
            return solution(.feasible, values: rounded(raw.values, model), objective: raw.objective, seconds: raw.seconds,
                            gap: raw.gap < Double.greatestFiniteMagnitude ? raw.gap : nil)
        case let other:
            return solution(other, seconds: raw.seconds)
        }
    }

    /// Maps `glp_intopt`'s return code and `glp_mip_status` together: neither alone says whether an
    /// incumbent exists (a time limit returns `GLP_ETMLIM` with or without one).
    package static func status(intoptReturn: Int32, mipStatus: Int32) throws(GLPKError) -> MIPSolution.Status {
        switch (intoptReturn, mipStatus) {
        case (0, GLP_OPT): return .optimal
        case (0, GLP_NOFEAS), (GLP_ENOPFS, _): return .infeasible
        // GLP_OPT here is not expected, but an incumbent is never thrown away.
        case (GLP_ETMLIM, GLP_FEAS), (GLP_ETMLIM, GLP_OPT): return .feasible
        case (GLP_ETMLIM, _): return .noSolutionInTime
        // Only returned for mipGap > 0: good enough by request, but not proven optimal.
        case (GLP_EMIPGAP, GLP_FEAS), (GLP_EMIPGAP, GLP_OPT): return .feasible
        case (0, _):
            // A clean return with no verdict should not happen; surface it rather than guess.
            return try fail(Int32(0), name: "0 with status \(String(cString: lsg_status_name(mipStatus)))")
        default:
            return try fail(intoptReturn, name: String(cString: lsg_return_code_name(intoptReturn)))
        }
    }

    private static func fail(_ code: Int32, name: String) throws(GLPKError) -> MIPSolution.Status {
        throw .solverFailed(code: code, name: name)
    }

    private static func validate(_ options: MIPOptions) throws(GLPKError) {
        guard options.timeLimitMilliseconds > 0 else {
            throw .invalidModel("timeLimitMilliseconds \(options.timeLimitMilliseconds) must be positive")
        }
        // GLPK checks these itself, but by calling glp_error.
        guard options.integralityTolerance >= 0, options.integralityTolerance < 1 else {
            throw .invalidModel("integralityTolerance \(options.integralityTolerance) must be in [0, 1)")
        }
        guard options.mipGap.isFinite, options.mipGap >= 0 else {
            throw .invalidModel("mipGap \(options.mipGap) must be finite and >= 0")
        }
    }

    /// GLPK already rounds integer columns of an incumbent; doing it again here makes "exact
    /// integer" a guarantee of this API rather than of one GLPK version.
    private static func rounded(_ values: [Double], _ model: MIPModel) -> [Double] {
        zip(values, model.variables).map { value, variable in
            variable.kind == .continuous ? value : value.rounded()
        }
    }

    package struct RawResult {
        package var intoptReturn: Int32
        package var mipStatus: Int32
        package var objective: Double
        package var seconds: Double
        package var values: [Double]
        /// glp_ios_mip_gap at the last search event; DBL_MAX without an incumbent.
        package var gap: Double
    }

    /// The only place Swift hands memory to GLPK; every pointer lives for the duration of one
    /// synchronous C call, which is also what keeps GLPK's thread-local state confined.
    package static func run(_ flat: GLPKFlatProblem, options: MIPOptions, branching: Branching) throws(GLPKError) -> RawResult {
        var values = [Double](repeating: 0, count: flat.columnKinds.count)
        var errorText = [CChar](repeating: 0, count: 4096)
        var result = lsg_result()
        let code: Int32 = flat.columnKinds.withUnsafeBufferPointer { kinds in
        flat.columnLower.withUnsafeBufferPointer { columnLower in
        flat.columnUpper.withUnsafeBufferPointer { columnUpper in
        flat.columnObjective.withUnsafeBufferPointer { columnObjective in
        flat.rowLower.withUnsafeBufferPointer { rowLower in
        flat.rowUpper.withUnsafeBufferPointer { rowUpper in
        flat.entryRows.withUnsafeBufferPointer { entryRows in
        flat.entryColumns.withUnsafeBufferPointer { entryColumns in
        flat.entryValues.withUnsafeBufferPointer { entryValues in
        values.withUnsafeMutableBufferPointer { values in
        errorText.withUnsafeMutableBufferPointer { errorText in
            var problem = lsg_problem(
                maximize: flat.maximize ? 1 : 0,
                num_cols: Int32(kinds.count),
                col_kind: kinds.baseAddress,
                col_lower: columnLower.baseAddress,
                col_upper: columnUpper.baseAddress,
                col_objective: columnObjective.baseAddress,
                num_rows: Int32(rowLower.count),
                row_lower: rowLower.baseAddress,
                row_upper: rowUpper.baseAddress,
                num_nonzeros: Int32(entryValues.count),
                nz_row: entryRows.baseAddress,
                nz_col: entryColumns.baseAddress,
                nz_value: entryValues.baseAddress,
                time_limit_ms: Int32(clamping: options.timeLimitMilliseconds),
                tol_int: options.integralityTolerance,
                mip_gap: options.mipGap,
                branching: branching.rawValue
            )
            result.col_values = values.baseAddress
            return lsg_solve(&problem, &result, errorText.baseAddress, errorText.count)
        }}}}}}}}}}}
        result.col_values = nil

        switch code {
        case LSG_OK:
            return RawResult(
                intoptReturn: result.intopt_return, mipStatus: result.mip_status,
                objective: result.objective, seconds: result.seconds, values: values, gap: result.mip_gap
            )
        case LSG_BAD_INPUT:
            throw .invalidModel(message(errorText))
        default:
            // LSG_FATAL, or the guard's own allocation failing (LSG_NO_MEMORY).
            throw .fatal(message: message(errorText))
        }
    }

    /// GLPK prints its error as several lines; one line reads better inside a Swift error.
    private static func message(_ text: [CChar]) -> String {
        let decoded = text.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { String(cString: $0) } ?? "" }
        return decoded.split(whereSeparator: \.isNewline)
            .map { $0.drop(while: \.isWhitespace) }
            .filter { !$0.allSatisfy(\.isWhitespace) }
            .map { String($0.reversed().drop(while: \.isWhitespace).reversed()) }
            .joined(separator: "; ")
    }

    /// Makes GLPK hit a genuine fatal error inside the guard and returns what the guard reported.
    /// For tests proving that a GLPK failure cannot take the process down.
    package static func triggerFatalErrorForTesting() -> GLPKError? {
        var errorText = [CChar](repeating: 0, count: 4096)
        let code = errorText.withUnsafeMutableBufferPointer {
            lsg_trigger_fatal_for_testing($0.baseAddress, $0.count)
        }
        return code == LSG_FATAL ? .fatal(message: message(errorText)) : nil
    }

    /// Whether this libglpk keeps its environment per thread, which concurrent solves rely on.
    package static var environmentIsThreadLocal: Bool { lsg_env_is_thread_local() != 0 }
}
