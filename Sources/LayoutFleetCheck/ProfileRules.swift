import LayoutCore

/// The one rule set `check` and `lint` apply to host profiles: the schema, the findings on values
/// that parse but are probably wrong (`FleetLint`), partial profiles (`PartialProfileRule`) and
/// duplicates across the set (`DuplicateDetection`). Each document's findings, sorted by line.
public enum ProfileRules {
    package static func findings(for documents: [ProfileDocument], duplicates: DuplicateDetection.Result, allowPartial: Bool) -> [[LintFinding]] {
        var byFile: [String: [LintFinding]] = [:]
        for finding in duplicates.findings { byFile[finding.file, default: []].append(finding) }
        return documents.map { document in
            let partial = PartialProfileRule.finding(for: document, allowPartial: allowPartial).map { [$0] } ?? []
            return (FleetLint.findings(for: document) + partial + (byFile[document.file] ?? []))
                .sorted { ($0.line ?? 0, $0.severity, $0.path) < ($1.line ?? 0, $1.severity, $1.path) }
        }
    }

    /// What `layoutsolve lint` prints for files and folders (`-` is standard input): per profile
    /// `ok NAME` or its findings, and whether any is an error (or, with `strict`, a warning).
    public struct LintOutcome: Sendable {
        /// Lines for standard output: `ok NAME` per profile without errors.
        public var passed: [String]
        /// Lines for standard error: every finding, `layoutsolve: severity: file:line: path: message`.
        public var findings: [String]
        public var profiles: Int
        public var failing: Int
    }

    /// - Throws: ``InputError`` for a path that does not exist or a folder without profiles.
    public static func lint(paths: [String], standardInput: () throws -> [UInt8], allowPartial: Bool, strict: Bool) throws -> LintOutcome {
        var documents: [ProfileDocument] = []
        if paths.contains("-") {
            do {
                documents.append(CheckInput.parseProfile(try standardInput(), file: "<stdin>"))
            } catch let error as InputError {
                documents.append(ProfileDocument(file: "<stdin>", error: error))
            }
        }
        let named = paths.filter { $0 != "-" }
        if !named.isEmpty { documents += try CheckInput.expand(paths: named, what: "host profiles", option: "lint").map(CheckInput.loadProfile) }
        let findings = findings(for: documents, duplicates: DuplicateDetection.analyse(documents, strictRelaxable: false), allowPartial: allowPartial)
        var outcome = LintOutcome(passed: [], findings: [], profiles: documents.count, failing: 0)
        for (document, found) in zip(documents, findings) {
            let fails = found.contains { $0.severity == .error || strict }
            if fails { outcome.failing += 1 } else { outcome.passed.append("ok \(document.profile?.name ?? document.file)") }
            outcome.findings += found.map { "layoutsolve: \($0.severity.rawValue): \($0.location): \($0.message)" }
        }
        return outcome
    }
}
