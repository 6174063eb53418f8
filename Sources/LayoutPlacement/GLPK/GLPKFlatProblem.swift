import LayoutCore
import LayoutMachines
internal import CGLPKGuard

/// A validated ``MIPModel`` lowered to the flat, 0-based arrays the C guard takes.
///
/// Every check GLPK would answer with `abort()` or a confusing return code is done here, so the C
/// side only ever sees finite numbers, ordered bounds, in-range indices and integral bounds on
/// integer columns.
package struct GLPKFlatProblem {
    package var maximize: Bool
    package var columnKinds: [Int32] = []
    package var columnLower: [Double] = []
    package var columnUpper: [Double] = []
    package var columnObjective: [Double] = []
    package var rowLower: [Double] = []
    package var rowUpper: [Double] = []
    package var entryRows: [Int32] = []
    package var entryColumns: [Int32] = []
    package var entryValues: [Double] = []
    /// Set when an integer variable's bounds contain no integer: the model is well-formed but
    /// infeasible, and GLPK would only reject the crossed bounds with `GLP_EBOUND`.
    package var emptyIntegerDomain: String?

    /// Integer columns and entries are counted in C `int`s.
    package static let maximumCount = Int(Int32.max) - 1

    package init(_ model: MIPModel, integralityTolerance: Double) throws(GLPKError) {
        maximize = model.sense == .maximize
        let variables = model.variables
        guard variables.count <= Self.maximumCount, model.constraints.count <= Self.maximumCount else {
            throw .invalidModel("\(variables.count) variables and \(model.constraints.count) constraints exceed GLPK's int range")
        }
        if let bad = model.invalidObjectiveIndices.first {
            throw .invalidModel("objective refers to variable \(bad), but the model has \(variables.count) variables")
        }

        columnKinds.reserveCapacity(variables.count)
        columnLower.reserveCapacity(variables.count)
        columnUpper.reserveCapacity(variables.count)
        columnObjective.reserveCapacity(variables.count)
        for (index, variable) in variables.enumerated() {
            let label = "variable \(index) '\(variable.name)'"
            guard variable.objective.isFinite else {
                throw .invalidModel("\(label): objective coefficient \(variable.objective) is not finite")
            }
            var (lower, upper) = try Self.bounds(of: variable, label: label)
            if variable.kind != .continuous {
                (lower, upper) = Self.integral(lower, upper, tolerance: integralityTolerance)
                if lower > upper, emptyIntegerDomain == nil {
                    emptyIntegerDomain = "\(label): no integer in [\(variable.lower), \(variable.upper ?? .infinity)]"
                }
            }
            columnKinds.append(variable.kind == .continuous ? LSG_CONTINUOUS : LSG_INTEGER)
            columnLower.append(lower)
            columnUpper.append(upper)
            columnObjective.append(variable.objective)
        }

        for (index, constraint) in model.constraints.enumerated() {
            let label = "constraint \(index) '\(constraint.name)'"
            let (lower, upper) = try Self.bounds(lower: constraint.lower, upper: constraint.upper, label: label)
            rowLower.append(lower)
            rowUpper.append(upper)
            for (column, value) in try Self.mergedTerms(constraint.terms, columnCount: variables.count, label: label) {
                guard entryValues.count < Self.maximumCount else {
                    throw .invalidModel("more than \(Self.maximumCount) nonzero coefficients")
                }
                entryRows.append(Int32(index))
                entryColumns.append(Int32(column))
                entryValues.append(value)
            }
        }
    }

    /// Column bounds with "none" as ±infinity; binaries may only be fixed, not widened.
    private static func bounds(of variable: MIPModel.Variable, label: String) throws(GLPKError) -> (Double, Double) {
        let (lower, upper) = try bounds(lower: variable.lower, upper: variable.upper, label: label)
        guard variable.kind == .binary else { return (lower, upper) }
        let upperOrOne = upper == .infinity ? 1 : upper
        guard lower == 0 || lower == 1, upperOrOne == 0 || upperOrOne == 1 else {
            throw .invalidModel("\(label): binary bounds must be 0 or 1, got [\(variable.lower), \(variable.upper.map { "\($0)" } ?? "nil")]")
        }
        return (lower, upperOrOne)
    }

    /// Accepts ±infinity on the open side as "no bound"; rejects NaN, infinity on the wrong side and
    /// crossed bounds, none of which has a meaning GLPK could act on.
    private static func bounds(lower: Double?, upper: Double?, label: String) throws(GLPKError) -> (Double, Double) {
        let low = lower ?? -.infinity
        let high = upper ?? .infinity
        guard !low.isNaN, !high.isNaN else {
            throw .invalidModel("\(label): bound is NaN")
        }
        guard low != .infinity, high != -.infinity else {
            throw .invalidModel("\(label): lower bound +infinity or upper bound -infinity")
        }
        guard low <= high else {
            throw .invalidModel("\(label): lower bound \(low) exceeds upper bound \(high)")
        }
        return (low, high)
    }

    /// GLPK rejects fractional bounds on integer columns (`GLP_EBOUND`). Tightening to the integers
    /// inside keeps the same feasible set; a bound within `tolerance` of an integer is snapped to
    /// it instead, so that 2.9999999999 computed in floating point still admits 3.
    package static func integral(_ lower: Double, _ upper: Double, tolerance: Double) -> (Double, Double) {
        func snapped(_ x: Double, _ rule: FloatingPointRoundingRule) -> Double {
            guard x.isFinite else { return x }
            let nearest = x.rounded()
            return abs(x - nearest) <= tolerance ? nearest : x.rounded(rule)
        }
        return (snapped(lower, .up), snapped(upper, .down))
    }

    /// Sorted by column and with repeats summed: GLPK aborts on a repeated (row, column) pair, and a
    /// fixed order keeps GLPK's pivoting, and hence its answer, the same from run to run.
    /// Coefficients that cancel to zero are dropped.
    private static func mergedTerms(
        _ terms: [(variable: Int, coefficient: Double)], columnCount: Int, label: String
    ) throws(GLPKError) -> [(Int, Double)] {
        for term in terms {
            guard (0..<columnCount).contains(term.variable) else {
                throw .invalidModel("\(label): refers to variable \(term.variable), but the model has \(columnCount) variables")
            }
            guard term.coefficient.isFinite else {
                throw .invalidModel("\(label): coefficient \(term.coefficient) of variable \(term.variable) is not finite")
            }
        }
        let sorted = terms.enumerated().sorted {
            ($0.element.variable, $0.offset) < ($1.element.variable, $1.offset)
        }
        var merged: [(Int, Double)] = []
        merged.reserveCapacity(sorted.count)
        for (_, term) in sorted {
            if let last = merged.last, last.0 == term.variable {
                merged[merged.count - 1].1 += term.coefficient
            } else {
                merged.append((term.variable, term.coefficient))
            }
        }
        for (column, value) in merged where !value.isFinite {
            throw .invalidModel("\(label): coefficients of variable \(column) sum to \(value)")
        }
        return merged.filter { $0.1 != 0 }
    }
}
