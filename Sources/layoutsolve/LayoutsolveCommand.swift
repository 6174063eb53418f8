import ArgumentParser
import Foundation
import LayoutSolver

@main
struct LayoutsolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layoutsolve",
        abstract: "One guest memory map for a VM that must run on every host of a set.",
        discussion: """
            Reads host profiles (layoutsolve/host/v1: IOMMU reserved regions, usable IOVA ranges, CPU and \
            IOMMU address widths), places guest RAM, DIMMs and PCI holes so that no DMA target touches any \
            host's holes, verifies the answer exactly, and prints the QEMU arguments that produce it.

            Exit codes: 0 a verified layout; 1 no layout fits every host (the conflicts are printed); \
            2 bad input or usage; 3 no layout found within --time-limit; 70 internal error.
            """,
        version: VersionText.full,
        subcommands: [SolveCommand.self, VerifyCommand.self, CheckCommand.self, ProbeCommand.self, LintCommand.self, RehearseCommand.self],
        defaultSubcommand: SolveCommand.self
    )

    /// Runs the command with the exit codes the tool documents; ArgumentParser's own are different.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["--help"] || arguments == ["-h"], let help = CommandLineConventions.topLevelHelp() {
            print(help)
            Foundation.exit(0)
        }
        if let failure = CommandLineConventions.preflight(arguments) { exit(with: failure) }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(with: error)
        }
    }

    static func exit(with error: Error) -> Never {
        let code: Int32
        switch error {
        case let failure as CommandFailure:
            FileHandle.standardError.write(Data((failure.message + "\n").utf8))
            code = failure.code
        default:
            let text = fullMessage(for: error)
            let exitCode = self.exitCode(for: error)
            if exitCode == .success {
                print(text)
                code = 0
            } else {
                FileHandle.standardError.write(Data(("layoutsolve: " + CommandLineConventions.rewrite(text) + "\n").utf8))
                code = 2
            }
        }
        Foundation.exit(code)
    }
}

/// A failure with the tool's own exit code and a message for standard error.
struct CommandFailure: Error {
    var code: Int32
    var message: String

    /// The exit code comes from the library's one table (``ErrorJSON/Kind/exitCode``), so the
    /// command line and `solve --request` cannot disagree.
    static func from(_ error: Error) -> CommandFailure {
        if let failure = error as? CommandFailure { return failure }
        let code = ErrorJSON.kind(of: error).exitCode
        switch error {
        case let input as InputError: return CommandFailure(code: code, message: "layoutsolve: error: \(input)")
        case let inputs as InputErrors: return CommandFailure(code: code, message: inputs.errors.map { "layoutsolve: error: \($0)" }.joined(separator: "\n"))
        case is NoLayoutExists, is SolveTimedOut, is VerifierRejectedLayout, is RenderingDisagrees: return CommandFailure(code: code, message: "layoutsolve: \(error)")
        default: return CommandFailure(code: code, message: "layoutsolve: internal error: \(error)")
        }
    }
}
