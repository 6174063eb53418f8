import ArgumentParser
import Foundation
import LayoutSolver

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check host profiles: prints 'ok NAME' per good profile, the findings of the others.",
        discussion: """
            Files and folders (every *.json directly inside) are read as layoutsolve/host/v1 with the \
            rules 'check' applies: the schema, values that parse but are probably wrong (warnings), \
            partial profiles from 'probe --partial' (errors unless --allow-partial) and duplicates. \
            '-' reads standard input (e.g. 'layoutsolve probe | layoutsolve lint -'). Exit code 0 \
            when no profile has an error (with --strict: no finding at all), 2 otherwise.
            """
    )

    @Argument(help: ArgumentHelp("Host profiles or folders of them; '-' reads standard input.", valueName: "path"))
    var paths: [String] = []

    @Flag(name: .customLong("allow-partial"), help: "A partial profile (probe --partial) is a warning, not an error.")
    var allowPartial = false

    @Flag(help: "Warnings fail too.")
    var strict = false

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give the host profiles (files or folders) to check, or '-' for standard input") }
    }

    func run() throws {
        let outcome: ProfileRules.LintOutcome
        do {
            outcome = try ProfileRules.lint(paths: paths, standardInput: { try InputLoader.readBytes("-") }, allowPartial: allowPartial, strict: strict)
        } catch let error as InputError {
            throw CommandFailure(code: 2, message: "layoutsolve: error: \(error)")
        }
        for line in outcome.passed { print(line) }
        if !outcome.findings.isEmpty {
            FileHandle.standardError.write(Data((outcome.findings.joined(separator: "\n") + "\n").utf8))
        }
        if outcome.failing > 0 {
            throw CommandFailure(code: 2, message: "layoutsolve: lint: \(outcome.failing) of \(outcome.profiles) profile(s) have \(strict ? "findings" : "errors")")
        }
    }
}
