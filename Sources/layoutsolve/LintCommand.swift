import ArgumentParser
import Foundation
import LayoutSolver

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check host profiles: prints 'ok NAME' per good profile, the errors of the others.",
        discussion: """
            Each file is read as layoutsolve/host/v1 with the same checks the solver applies; '-' reads \
            standard input (e.g. 'layoutsolve probe | layoutsolve lint -'). Exit code 0 when every \
            profile is good, 2 otherwise.
            """
    )

    @Argument(help: ArgumentHelp("Host profiles; '-' reads standard input.", valueName: "file"))
    var files: [String] = []

    func validate() throws {
        if files.isEmpty { throw ValidationError("give the host profiles to check, or '-' for standard input") }
    }

    func run() throws {
        var failed = 0
        for file in files {
            let source = file == "-" ? "<stdin>" : file
            let result: HostProfileLintResult
            do {
                result = HostProfileLint.lint(bytes: try InputLoader.readBytes(file), source: source)
            } catch let error as InputError {
                result = HostProfileLintResult(source: source, name: nil, problems: [error])
            }
            if result.passed {
                print("ok \(result.name ?? source)")
            } else {
                failed += 1
                FileHandle.standardError.write(Data((result.problems.map { "layoutsolve: error: \($0)" }.joined(separator: "\n") + "\n").utf8))
            }
        }
        if failed > 0 {
            throw CommandFailure(code: 2, message: "layoutsolve: lint: \(failed) of \(files.count) profile(s) have errors")
        }
    }
}
