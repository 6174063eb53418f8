import ArgumentParser
import Foundation
import LayoutSolver

/// What a command-line user expects before and after ArgumentParser: an unknown command is named
/// with the closest one, standard input is read once, every error starts with `error:`, and the
/// top-level help shows the default command's options too.
enum CommandLineConventions {
    static var commandNames: [String] {
        LayoutsolveCommand.configuration.subcommands.map { $0._commandName }
    }

    /// Options whose `-` is standard output, not input (issue 15 writes those).
    static let outputOptions: Set<String> = ["--output", "-o", "--svg", "--junit"]

    /// Checks what ArgumentParser would misreport; nil when the arguments are for it.
    static func preflight(_ arguments: [String]) -> CommandFailure? {
        if let first = arguments.first, !first.hasPrefix("-"), first != "help", !commandNames.contains(first) {
            let hint = Suggestion.closest(to: first, among: commandNames).map { "; did you mean \($0)?" } ?? ""
            return CommandFailure(code: 2, message: "layoutsolve: error: unknown command \"\(first.prefix(80))\"\(hint) (commands: \(commandNames.joined(separator: ", ")); without one, solve runs)")
        }
        var readers: [String] = []
        var option: String?
        for argument in arguments {
            if argument == "--" { break }
            if argument.hasPrefix("-") && argument != "-" {
                option = argument.split(separator: "=", maxSplits: 1).first.map(String.init)
                if argument.hasSuffix("=-"), let option, !outputOptions.contains(option) { readers.append(option) }
                continue
            }
            if argument == "-" { readers.append(option.map { outputOptions.contains($0) ? "" : $0 } ?? "a file argument") }
        }
        readers.removeAll(where: \.isEmpty)
        if readers.count > 1 {
            return CommandFailure(code: 2, message: "layoutsolve: error: \(Array(Set(readers)).sorted().joined(separator: " and ")): standard input (-) can be read once, but it is named \(readers.count) times; give the others as files")
        }
        return nil
    }

    /// `layoutsolve --help`: the tool's help, then the default command's options, which
    /// ArgumentParser would leave out.
    static func topLevelHelp() -> String? {
        LayoutsolveCommand.helpMessage() + "\n\nWITHOUT A COMMAND, solve runs; its options (layoutsolve solve --help):\n\n"
            + SolveCommand.helpMessage().components(separatedBy: "\n").drop { !$0.hasPrefix("USAGE:") }.joined(separator: "\n")
    }

    /// ArgumentParser's `Error: The value 'jsn' is invalid for '--format <format>'. Please provide
    /// one of 'text', 'json', …` as the tool's other errors read, with the closest value.
    static func rewrite(_ message: String) -> String {
        var lines = message.components(separatedBy: "\n")
        guard var first = lines.first else { return message }
        if first.hasPrefix("Error: ") { first = "error: " + first.dropFirst("Error: ".count) }
        let pattern = #"^error: The value '(.*)' is invalid for '(-[^ ']+)[^']*'\. Please provide one of (.*)\.$"#
        if let regex = try? NSRegularExpression(pattern: pattern),
           let match = regex.firstMatch(in: first, range: NSRange(first.startIndex..., in: first)),
           let value = Range(match.range(at: 1), in: first), let option = Range(match.range(at: 2), in: first),
           let choices = Range(match.range(at: 3), in: first) {
            let allowed = first[choices].replacingOccurrences(of: " or ", with: ", ").components(separatedBy: ", ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "'")) }
            let given = String(first[value])
            let hint = Suggestion.closest(to: given, among: allowed).map { "; did you mean \($0)?" } ?? ""
            first = "error: \(first[option]): unknown value \"\(given)\"; expected \(allowed.joined(separator: ", "))\(hint)"
        }
        lines[0] = first
        return lines.joined(separator: "\n")
    }

    /// A hint that says how to fix what the library refused, where the command line knows more.
    static func hint(for error: Error, hosts: [HostProfile], hostPaths: [String]) -> String? {
        switch error {
        case let input as InputError where input.path == "$.arch":
            let arches = Set(hosts.map(\.arch))
            guard arches.count == 1, let arch = arches.first else {
                return "hint: a VM runs on hosts of one architecture; give each architecture's hosts separately"
            }
            let machines = MachineRegistry.names.filter { (try? MachineRegistry.model(for: MachineKind(rawValue: $0)).architecture) == arch }
            guard let machine = machines.first else { return nil }
            return "hint: these hosts are \(arch.rawValue): give --machine \(machines.joined(separator: " or --machine ")) (or \"machine\": \"\(machine)\" in the VM spec)"
        case is NoLayoutExists:
            let hostList = hostPaths.isEmpty ? "FLEET/" : hostPaths.joined(separator: " ")
            return "hint: layoutsolve check --hosts \(hostList) --vms VM.json --pools splits these hosts into the fewest groups that each share one layout"
        default:
            return nil
        }
    }
}

extension CommandFailure {
    func adding(_ hint: String?) -> CommandFailure {
        guard let hint else { return self }
        return CommandFailure(code: code, message: message + "\n" + hint)
    }
}
