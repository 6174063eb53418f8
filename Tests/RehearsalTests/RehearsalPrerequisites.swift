// Whether the slow rehearsal tests run: LAYOUTSOLVE_SKIP_SLOW_TESTS=1 skips them; otherwise a
// machine that lacks what a virtual host needs skips them locally, but with CI set they run and
// fail, naming what is missing.

import Foundation
@testable import LayoutRehearsal

enum RehearsalPrerequisites {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static var isCI: Bool {
        guard let v = environment["CI"]?.lowercased() else { return false }
        return !["", "0", "false", "no"].contains(v)
    }

    static var skipSlow: Bool {
        guard let v = environment["LAYOUTSOLVE_SKIP_SLOW_TESTS"]?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return !["", "0", "false", "no"].contains(v)
    }

    static var shouldRun: Bool {
        if skipSlow { return false }
        if isCI { return true }
        return (try? VirtualHostImage.checkPrerequisites()) != nil
    }
}
