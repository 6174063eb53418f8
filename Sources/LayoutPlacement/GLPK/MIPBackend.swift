import LayoutCore

/// Solves a ``MIPModel``: the seam between the placement model and the solver behind it.
///
/// GLPK (``GLPKMIPBackend``) is the solver the tool ships with; the protocol lets tests run the
/// placement model against an independent solver (an exhaustive one on small models) and
/// cross-check answers without GLPK in the loop.
package protocol MIPBackend: Sendable {
    /// Solves `model` within `options`' limits; the same model and options give the same answer.
    func solve(_ model: MIPModel, options: MIPOptions) throws -> MIPSolution
}

/// GLPK's branch and bound, thread-confined and with its fatal errors caught (see ``GLPKBackend``).
package struct GLPKMIPBackend: MIPBackend {
    package init() {}

    package func solve(_ model: MIPModel, options: MIPOptions) throws -> MIPSolution {
        try GLPKBackend.solve(model, options: options)
    }
}
