import ArgumentParser
import Foundation
import LayoutSolver

enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, github
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Fleet CI check: lint every profile, solve every VM shape, explain what does not fit.",
        discussion: """
            Examples:
              layoutsolve check --hosts fleet/ --vms shapes/
              layoutsolve check --hosts fleet/ --vms shapes/ -f github --strict
              layoutsolve check --hosts fleet/ --vms shapes/ --junit report.xml
              layoutsolve check --hosts fleet/ --vms shapes/ --pools \\
                --baseline git:origin/main:fleet/

            Each shape is solved against the hosts of its machine's architecture (q35 and pc: x86_64, \
            virt: aarch64); hosts of other architectures are counted as not applicable. A profile that \
            does not parse is a lint error of that profile; the others are still checked.

            Exit codes: 0 every shape fits and no lint error (no warning either with --strict); 1 a shape \
            does not fit, a lint error, or a layout changed against --baseline without --allow-layout-change; \
            2 bad usage or unreadable VM shapes; 70 internal error.
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Host profiles: files, or folders whose *.json are all read.", valueName: "path"))
    var hosts: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("VM shapes (layoutsolve/vm/v1): files, or folders whose *.json are all read.", valueName: "path"))
    var vms: [String] = []

    @Option(name: [.short, .long], help: "Output: text, json (layoutsolve/check/v1) or github (workflow annotations with file and line).")
    var format: CheckFormat = .text
    @Option(name: .long, help: ArgumentHelp("Also write a JUnit XML report (one test case per profile and per VM shape).", valueName: "file"))
    var junit: String?
    @Flag(help: "Warnings fail the check too.") var strict = false
    @Flag(help: "Split each shape's fleet into the fewest migration pools, each with one layout.") var pools = false
    @Option(name: .long, help: ArgumentHelp("The fleet before the change: a folder, or git:REVISION:PATH.", valueName: "folder|git:rev:path"))
    var baseline: String?
    @Flag(name: .customLong("allow-layout-change"), help: "A layout that differs from the baseline's is reported, not a failure.")
    var allowLayoutChange = false
    @Flag(name: .customLong("allow-partial"), help: "A profile printed by probe --partial is a warning, not a lint error.")
    var allowPartial = false
    @Flag(name: .customLong("strict-relaxable"), help: "Treat direct-relaxable regions as holes too (VFIO ignores them).")
    var strictRelaxable = false
    @Option(name: .customLong("time-limit"), help: "Seconds each VM shape's solve may take against one set of hosts.")
    var timeLimit: Double = 30

    func validate() throws {
        if hosts.isEmpty { throw ValidationError("give the host profiles with --hosts FILE|FOLDER ...") }
        if !(timeLimit > 0 && timeLimit <= 86_400) { throw ValidationError("--time-limit must be between 0 and 86400 seconds") }
        if allowLayoutChange && baseline == nil { throw ValidationError("--allow-layout-change needs --baseline") }
    }

    func run() throws {
        let report: CheckReport
        do {
            let profiles = try CheckInput.loadProfiles(paths: hosts)
            let shapes = vms.isEmpty ? [] : try CheckInput.loadShapes(paths: vms)
            let old = try baseline.map { try BaselineSource.load($0) }
            var options = FleetCheck.Options()
            options.strict = strict
            options.strictRelaxable = strictRelaxable
            options.timeLimitSeconds = timeLimit
            options.pools = pools
            options.allowLayoutChange = allowLayoutChange
            options.allowPartial = allowPartial
            report = try FleetCheck(options: options).run(profiles: profiles, shapes: shapes, baseline: old)
            if let junit { try OutputFile.write(CheckJUnitReport.render(report), to: junit, option: "--junit") }
        } catch {
            throw CommandFailure.from(error)
        }
        let text: String
        switch format {
        case .text: text = CheckTextReport.render(report)
        case .json: text = CheckJSONReport.document(for: report).rendered()
        case .github: text = CheckGitHubReport.render(report)
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        if report.exitCode != 0 {
            throw CommandFailure(code: report.exitCode, message: "layoutsolve check: \(report.verdict)")
        }
    }
}
