import ArgumentParser
import Foundation
import LayoutSolver

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, qemu
}

struct SolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Compute and verify one layout for a VM on every given host (the default command).",
        discussion: """
            Examples:
              layoutsolve --hosts Profiles/intel-xeon-vtd48.json Profiles/amd-epyc-7003.json --vm Examples/vm/db-64g.json
              layoutsolve --hosts Examples/fleets/mixed-x86/ --ram 64G --maxmem 128G --slots 4 --format json
              layoutsolve --hosts fleet/ --vm vm.json --format qemu --output vm.args
            Flags given with --vm override the file's fields.
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Host profiles: files, or folders whose *.json are all read.", valueName: "path"))
    var hosts: [String] = []

    @Option(name: .long, help: ArgumentHelp("VM spec (layoutsolve/vm/v1); '-' reads standard input.", valueName: "file"))
    var vm: String?

    @Option(help: "Machine: q35 or pc.") var machine: String?
    @Option(help: "Guest RAM, e.g. 64G.") var ram: String?
    @Option(help: "Maximum memory for your own hotplug, e.g. 128G.") var maxmem: String?
    @Option(help: "Memory slots kept free for your own hotplug.") var slots: Int?
    @Option(name: .customLong("pci-hole64"), help: "Minimum size of the 64-bit PCI hole (QEMU's default is 32G on q35).") var pciHole64: String?
    @Option(name: .customLong("pci-hole32"), help: "Minimum size of the 32-bit PCI hole below 0xfec00000 (caps low RAM).") var pciHole32: String?
    @Option(name: .customLong("ram-align"), help: "Hugepage backing size: 2M or 1G.") var ramAlign: String?
    @Option(name: .customLong("cpu-model"), help: "QEMU CPU model (default host).") var cpuModel: String?
    @Option(name: .customLong("cpu-vendor"), help: "Pin the guest CPU vendor: intel or amd.") var cpuVendor: String?
    @Flag(help: "PCI BAR windows are DMA targets too (peer-to-peer between assigned devices).") var p2p = false
    @Option(help: "Target QEMU version (default 7.2).") var qemu: String?

    @Option(help: "Output: text (a table and the QEMU line), json (layoutsolve/layout/v1), qemu (one argument per line).")
    var format: OutputFormat = .text
    @Option(name: .long, help: ArgumentHelp("Write the answer to this file (atomically) instead of standard output.", valueName: "file"))
    var output: String?
    @Flag(name: .customLong("strict-relaxable"), help: "Treat direct-relaxable regions as holes too (VFIO ignores them).")
    var strictRelaxable = false
    @Option(name: .customLong("time-limit"), help: "Seconds GLPK may spend on each solve.")
    var timeLimit: Double = 30
    @Option(name: .customLong("hugepage-path"), help: "hugetlbfs mount for hugepage-backed RAM (with ram_align).")
    var hugepagePath: String = "/dev/hugepages"
    @Flag(help: "Print model size and timings to standard error.") var verbose = false

    func validate() throws {
        if hosts.isEmpty { throw ValidationError("give the host profiles with --hosts FILE|FOLDER ...") }
        if vm == nil && ram == nil { throw ValidationError("give a VM spec with --vm FILE, or at least --ram SIZE") }
        if !(timeLimit > 0 && timeLimit <= 86_400) { throw ValidationError("--time-limit must be between 0 and 86400 seconds") }
    }

    func run() throws {
        do {
            let spec = try VMSpecFlags(command: self).spec()
            let profiles = try InputLoader.loadHosts(paths: hosts)
            let solution = try Solver.solve(hosts: profiles, vm: spec, options: SolveOptions(strictRelaxable: strictRelaxable, timeLimitSeconds: timeLimit))
            let qemuOptions = QEMUArguments.Options(hugepagePath: hugepagePath)
            let text: String
            switch format {
            case .text: text = TextReport.render(solution, qemuOptions: qemuOptions)
            case .json: text = LayoutJSON.document(for: solution, qemuOptions: qemuOptions).rendered()
            case .qemu: text = QEMUArguments.argv(for: solution.layout, options: qemuOptions).joined(separator: "\n") + "\n"
            }
            if verbose { FileHandle.standardError.write(Data(statisticsLine(solution.statistics).utf8)) }
            try OutputFile.write(text, to: output)
        } catch {
            throw CommandFailure.from(error)
        }
    }

    func statisticsLine(_ statistics: SolveStatistics) -> String {
        String(
            format: "hosts %d, distinct holes %d, scenarios %d, MIP %d rows x %d columns (%d binaries), %d GLPK solves; model %.3f s, GLPK %.3f s, verify %.3f s%@\n",
            statistics.hosts, statistics.distinctHoles, statistics.scenarios, statistics.rows, statistics.columns, statistics.binaries,
            statistics.glpkSolves, statistics.modelSeconds, statistics.glpkSeconds, statistics.verifySeconds,
            statistics.hitTimeLimit ? ", time limit hit (best incumbent)" as NSString : "" as NSString)
    }
}
