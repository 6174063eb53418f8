import LayoutSolver

/// What `--version` prints: the tool, its version, the solver it links and the QEMU versions the
/// integration tests (Tests/QEMUIntegrationTests) run the emitted arguments against.
enum VersionText {
    static let provenQEMUVersions = ["7.2", "10.0"]

    static var full: String {
        """
        layoutsolve \(LayoutSolverVersion.current)
        GLPK \(GLPKVersion.linked)
        QEMU versions proven by the tests: \(provenQEMUVersions.joined(separator: ", "))
        """
    }
}
