internal import CGLPK

/// The GLPK the binary runs with, from glp_version() (glpk/src/env/env.c), so
/// `--version` reports the linked library, not the headers it was built against.
package enum GLPKVersion {
    package static var linked: String {
        guard let text = glp_version() else { return "unknown" }
        return String(cString: text)
    }
}
