import LayoutCore
/// The outcome of checking one profile document.
package struct HostProfileLintResult: Equatable, Sendable {
    package var source: String
    /// The profile's name when it parsed.
    package var name: String?
    /// Every problem found, each naming the source, line and JSON path.
    package var problems: [InputError]

    package init(source: String, name: String?, problems: [InputError]) {
        self.source = source
        self.name = name
        self.problems = problems
    }

    package var passed: Bool { problems.isEmpty }

    /// `ok NAME`, or one line per problem: what `layoutsolve lint` prints.
    package var lines: [String] { passed ? ["ok \(name ?? source)"] : problems.map(\.description) }
}

/// What `layoutsolve lint` checks: a document passes when the solver would read it as a host
/// profile, so `layoutsolve probe | layoutsolve lint -` proves a probe's output is usable.
/// The fleet checks' findings on documents that do parse are `FleetLint` (LayoutFleetCheck).
package enum HostProfileLint {
    package static func lint(bytes: [UInt8], source: String) -> HostProfileLintResult {
        do {
            let profile = try HostProfileParser.parse(bytes, source: source)
            return HostProfileLintResult(source: source, name: profile.name, problems: [])
        } catch let error as InputError {
            return HostProfileLintResult(source: source, name: nil, problems: [error])
        } catch let errors as InputErrors {
            return HostProfileLintResult(source: source, name: nil, problems: errors.errors)
        } catch {
            return HostProfileLintResult(source: source, name: nil, problems: [InputError(source: source, message: "\(error)")])
        }
    }
}
