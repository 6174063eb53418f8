import LayoutCore
import LayoutMachines
/// A mixed-integer linear program in solver-neutral form.
///
/// The model is plain data: building it never fails and never touches GLPK. Everything is
/// checked when it is solved (``GLPKBackend/solve(_:options:)``), so mistakes surface as a
/// ``GLPKError/invalidModel(_:)`` instead of a GLPK abort.
package struct MIPModel: Sendable {
    /// Direction of optimisation.
    package enum Sense: Sendable { case minimize, maximize }

    /// Domain of a variable.
    package enum Kind: Sendable {
        /// Any real number within the bounds.
        case continuous
        /// Any integer within the bounds. Fractional bounds are tightened to the integers inside them.
        case integer
        /// 0 or 1. Bounds may only narrow that: `lower` 0 or 1, `upper` `nil`, 0 or 1.
        case binary
    }

    /// One column of the program.
    package struct Variable: Sendable {
        /// For diagnostics only; need not be unique.
        package var name: String
        package var kind: Kind
        /// `-.infinity` means no lower bound.
        package var lower: Double
        /// `nil` (or `.infinity`) means no upper bound; binaries treat `nil` as 1.
        package var upper: Double?
        /// Coefficient in the objective.
        package var objective: Double

        package init(name: String, kind: Kind, lower: Double = 0, upper: Double? = nil, objective: Double = 0) {
            self.name = name
            self.kind = kind
            self.lower = lower
            self.upper = upper
            self.objective = objective
        }
    }

    /// One row: `lower <= sum(coefficient * variable) <= upper`.
    package struct Constraint: Sendable {
        /// For diagnostics only; need not be unique.
        package var name: String
        /// Sparse coefficients by variable index. A variable may appear more than once; its
        /// coefficients are added, because GLPK itself rejects repeated entries fatally.
        package var terms: [(variable: Int, coefficient: Double)]
        /// `nil` (or `-.infinity`) means no lower bound.
        package var lower: Double?
        /// `nil` (or `.infinity`) means no upper bound.
        package var upper: Double?

        package init(name: String, terms: [(variable: Int, coefficient: Double)], lower: Double? = nil, upper: Double? = nil) {
            self.name = name
            self.terms = terms
            self.lower = lower
            self.upper = upper
        }
    }

    package var sense: Sense
    package private(set) var variables: [Variable] = []
    package private(set) var constraints: [Constraint] = []

    /// Objective keys passed to ``setObjective(_:)`` that name no variable. Kept so the mistake is
    /// reported by validation like every other model error, rather than trapping at build time.
    private(set) var invalidObjectiveIndices: [Int] = []

    package init(sense: Sense) {
        self.sense = sense
    }

    /// Appends a variable and returns its index, which constraints and the objective refer to.
    @discardableResult
    package mutating func addVariable(
        _ name: String, kind: Kind, lower: Double = 0, upper: Double? = nil, objective: Double = 0
    ) -> Int {
        variables.append(Variable(name: name, kind: kind, lower: lower, upper: upper, objective: objective))
        return variables.count - 1
    }

    /// Appends `lower <= sum(coefficient * variable) <= upper`; leave a side `nil` to leave it open.
    package mutating func addConstraint(_ name: String, _ terms: [(Int, Double)], lower: Double? = nil, upper: Double? = nil) {
        constraints.append(Constraint(
            name: name,
            terms: terms.map { (variable: $0.0, coefficient: $0.1) },
            lower: lower,
            upper: upper
        ))
    }

    /// Replaces the whole objective: listed variables get their coefficient, all others 0.
    package mutating func setObjective(_ coefficients: [Int: Double]) {
        for index in variables.indices {
            variables[index].objective = coefficients[index] ?? 0
        }
        invalidObjectiveIndices = coefficients.keys.filter { !variables.indices.contains($0) }.sorted()
    }

    /// Number of ``Kind/binary`` variables.
    package var binaryCount: Int { variables.count { $0.kind == .binary } }

    /// Number of general ``Kind/integer`` variables (binaries not included).
    package var integerCount: Int { variables.count { $0.kind == .integer } }
}
