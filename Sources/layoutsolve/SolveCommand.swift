import ArgumentParser
import Foundation
import LayoutSolver

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, qemu, libvirt
}

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never

    var terminalChoice: TerminalColor.Choice {
        switch self {
        case .auto: return .auto
        case .always: return .always
        case .never: return .never
        }
    }
}

struct SolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Compute and verify one layout for a VM on every given host (the default command).",
        discussion: """
            Examples:
              layoutsolve --hosts host-a.json host-b.json --vm db-64g.json
              layoutsolve --hosts fleet/ --ram 64G --maxmem 128G --slots 4 -f json
              layoutsolve --hosts fleet/ --vm vm.json -f qemu -o vm.args
              layoutsolve --hosts fleet/ --vm vm.json -f libvirt --svg map.svg
              layoutsolve probe | layoutsolve --hosts - --ram 16G
              layoutsolve solve --request - < request.json

            SIZES: K, M, G, T and P are binary units (KiB ... PiB), as in QEMU; 0x... is bytes. A bare \
            number on a size flag is refused, because QEMU's -m 16384 means MiB while a bare number in a \
            VM file is bytes: write 16384M or 16G. 16GB is refused too (GB may mean 10^9): write 16G.

            Standard input: '-' for --hosts, --vm, --libvirt-domain or --request, once per command.

            Flags given with --vm override the file's fields. With --request the hosts, the VM and the \
            options come from one JSON document (layoutsolve/request/v1); the layout JSON goes to standard \
            output and errors go to standard error as layoutsolve/error/v1, with the same exit codes.
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Host profiles: files, or folders whose *.json are all read; '-' reads one from standard input.", valueName: "path"))
    var hosts: [String] = []

    @Option(name: .long, help: ArgumentHelp("VM spec (layoutsolve/vm/v1); '-' reads standard input.", valueName: "file"))
    var vm: String?

    @Option(help: "Machine: q35 or pc.") var machine: String?
    @Option(help: "Guest RAM with a unit, e.g. 64G or 16384M (a bare number is refused: see SIZES).") var ram: String?
    @Option(help: "Maximum memory for your own hotplug, e.g. 128G.") var maxmem: String?
    @Option(help: "Memory slots kept free for your own hotplug.") var slots: Int?
    @Option(name: .customLong("pci-hole64"), help: "Minimum size of the 64-bit PCI hole (QEMU's default is 32G on q35).") var pciHole64: String?
    @Option(name: .customLong("pci-hole32"), help: "Minimum size of the 32-bit PCI hole below 0xfec00000 (caps low RAM).") var pciHole32: String?
    @Option(name: .customLong("ram-align"), help: "Hugepage backing size: 2M or 1G.") var ramAlign: String?
    @Option(name: .customLong("cpu-model"), help: "QEMU CPU model (default host).") var cpuModel: String?
    @Option(name: .customLong("cpu-vendor"), help: "Pin the guest CPU vendor: intel or amd.") var cpuVendor: String?
    @Flag(help: "PCI BAR windows are DMA targets too (peer-to-peer between assigned devices).") var p2p = false
    @Option(help: "Target QEMU version (default 7.2).") var qemu: String?

    @Option(name: [.short, .long], help: "Output: text (a table, a map and the QEMU line), json (layoutsolve/layout/v1), qemu (one argument per line), libvirt (domain XML).")
    var format: OutputFormat?
    @Option(name: .long, help: ArgumentHelp("Also draw the map as SVG into this file; when no layout fits, the hosts' holes with the conflicting ones in red.", valueName: "file"))
    var svg: String?
    @Option(name: .long, help: ArgumentHelp("Read hosts, VM and options from one JSON request (layoutsolve/request/v1); '-' reads standard input. Errors are JSON.", valueName: "file"))
    var request: String?
    @Option(help: "Colour the text map: auto (a terminal without NO_COLOR), always or never. The map fits $COLUMNS, else the terminal's width; a file or pipe gets one table.")
    var color: ColorChoice = .auto
    @Option(help: ArgumentHelp("vCPUs of the domain, for the NUMA cell libvirt needs with memory hotplug (--format libvirt).", valueName: "n"))
    var vcpus: Int = 1
    @Option(name: .customLong("libvirt-domain"), help: ArgumentHelp("The VM's domain (virsh dumpxml; '-' reads standard input): print it whole with the layout merged in, solved for its machine type and vCPUs (implies --format libvirt).", valueName: "file"))
    var libvirtDomain: String?
    @Option(name: .customLong("libvirt-hotplug-dir"), help: ArgumentHelp("Write one virsh attach-device file per planned hot-add DIMM into this folder (--format libvirt).", valueName: "dir"))
    var libvirtHotplugDir: String?
    @Option(name: [.short, .long], help: ArgumentHelp("Write the answer to this file (a regular file is replaced atomically; a FIFO, device or /dev/fd/N is written to; - is standard output).", valueName: "file"))
    var output: String?
    @Flag(name: .customLong("strict-relaxable"), help: "Treat direct-relaxable regions as holes too (VFIO ignores them).")
    var strictRelaxable = false
    @Option(name: .customLong("time-limit"), help: "Seconds the whole solve may take (default 30); a layout found by then is printed, verified, with a note that it may not be optimal.")
    var timeLimit: Double?
    @Option(name: .customLong("hugepage-path"), help: "hugetlbfs mount for hugepage-backed RAM (with ram_align): default /dev/hugepages for 2M pages, /dev/hugepages1G for 1G pages (a mount with pagesize=1G).")
    var hugepagePath: String?
    @Flag(help: "Print model size and timings to standard error.") var verbose = false

    func validate() throws {
        if !(1...4096).contains(vcpus) { throw ValidationError("--vcpus must be between 1 and 4096") }
        // In request mode the document is checked instead, and its errors are JSON.
        if request != nil { return }
        if hosts.isEmpty { throw ValidationError("give the host profiles with --hosts FILE|FOLDER ...") }
        if vm == nil && ram == nil { throw ValidationError("give a VM spec with --vm FILE, or at least --ram SIZE") }
        if libvirtDomain != nil, let format, format != .libvirt { throw ValidationError("--libvirt-domain prints a libvirt domain: use it with --format libvirt") }
        if libvirtHotplugDir != nil, (format ?? (libvirtDomain != nil ? .libvirt : .text)) != .libvirt { throw ValidationError("--libvirt-hotplug-dir writes libvirt attach-device files: use it with --format libvirt") }
        if let timeLimit, !(timeLimit > 0 && timeLimit <= 86_400) { throw ValidationError("--time-limit must be between 0 and 86400 seconds") }
    }

    func run() throws {
        if let request { return try runRequest(request) }
        var profiles: [HostProfile] = []
        do {
            var spec = try VMSpecFlags(command: self).spec()
            let domain = try libvirtDomain.map(LibvirtDomainOutput.init(path:))
            try domain?.apply(to: &spec, machineFlag: machine, qemuFlag: qemu, vcpusFlag: vcpus == 1 ? nil : vcpus, cpuModelFlag: cpuModel)
            profiles = try InputLoader.loadHosts(paths: hosts)
            let solution = try Solver.solve(hosts: profiles, vm: spec, options: SolveOptions(strictRelaxable: strictRelaxable, timeLimitSeconds: timeLimit ?? 30))
            let qemuOptions = QEMUArguments.Options(hugepagePath: hugepagePath ?? HugepageMount.defaultPath(ramAlign: spec.ramAlign))
            let text: String
            switch format ?? (domain != nil ? .libvirt : .text) {
            case .text:
                let colored = output == nil && TerminalColor.enabled(
                    color.terminalChoice, environment: ProcessInfo.processInfo.environment, isTerminal: isatty(STDOUT_FILENO) == 1)
                let width = TerminalWidth.columns(environment: ProcessInfo.processInfo.environment, isTerminal: output == nil && isatty(STDOUT_FILENO) == 1)
                text = TextReport.render(solution, qemuOptions: qemuOptions, map: ASCIIMap.Options(color: colored, strictRelaxable: strictRelaxable, width: width))
            case .json: text = LayoutJSON.document(for: solution, qemuOptions: qemuOptions).rendered()
            case .qemu: text = QEMUArguments.argv(for: solution.layout, options: qemuOptions).joined(separator: "\n") + "\n"
            case .libvirt:
                // A merged domain is read back inside render (an input error when the user's
                // domain changes the map); layoutsolve's own domain is read back here.
                if let domain {
                    text = try domain.render(solution.layout)
                } else {
                    text = try LibvirtXML.document(for: solution.layout, vcpus: vcpus)
                    try RenderingCheck.checkLibvirt(text, of: solution.layout)
                }
            }
            // What is printed must read back into the verified knobs (an internal error, exit 70, if
            // not), before any file is written.
            if (format ?? (domain != nil ? .libvirt : .text)) != .libvirt { try RenderingCheck.checkQEMU(solution.layout, qemuOptions: qemuOptions) }
            if let libvirtHotplugDir { _ = try LibvirtDomainOutput.writeHotplugFiles(solution.layout, to: libvirtHotplugDir) }
            if verbose { FileHandle.standardError.write(Data(statisticsLine(solution.statistics).utf8)) }
            if let svg { try OutputFile.write(SVGMap.render(solution, options: SVGMap.Options(strictRelaxable: strictRelaxable)), to: svg, option: "--svg") }
            try OutputFile.write(text, to: output)
        } catch {
            // --svg also draws a failed solve: the hosts' holes, the conflicting ones in red.
            if let svg, let failure = error as? NoLayoutExists {
                try OutputFile.write(SVGFailureMap.render(hosts: profiles, failure: failure, strictRelaxable: strictRelaxable), to: svg)
            }
            throw CommandFailure.from(VMSpecFlags(command: self).attribute(error)).adding(CommandLineConventions.hint(for: error, hosts: profiles, hostPaths: hosts))
        }
    }

    /// Request mode: everything comes from the document, so flags that would be ignored are errors;
    /// every failure is a layoutsolve/error/v1 document on standard error.
    func runRequest(_ path: String) throws {
        let ignored: [(String, Bool)] = [
            ("--hosts", !hosts.isEmpty), ("--vm", vm != nil), ("--machine", machine != nil), ("--ram", ram != nil), ("--maxmem", maxmem != nil),
            ("--slots", slots != nil), ("--pci-hole64", pciHole64 != nil), ("--pci-hole32", pciHole32 != nil), ("--ram-align", ramAlign != nil),
            ("--cpu-model", cpuModel != nil), ("--cpu-vendor", cpuVendor != nil), ("--p2p", p2p), ("--qemu", qemu != nil),
            ("--strict-relaxable", strictRelaxable), ("--time-limit", timeLimit != nil), ("--hugepage-path", hugepagePath != nil),
            ("--format", format != nil && format != .json),
        ]
        let response: SolveRequest.Response
        if let flag = ignored.first(where: \.1)?.0 {
            let error = InputError(source: flag, message: "\(flag) cannot be combined with --request: the request document says it (hosts, vm, options)")
            response = .init(output: "", error: ErrorJSON.document(for: error).rendered(), exitCode: ErrorJSON.kind(of: error).exitCode)
        } else {
            response = SolveRequest.respond(toRequestAt: path) { request, solution, layout in
                if verbose { FileHandle.standardError.write(Data(statisticsLine(solution.statistics).utf8)) }
                if let svg { try OutputFile.write(SVGMap.render(solution, options: SVGMap.Options(strictRelaxable: request.options.strictRelaxable)), to: svg, option: "--svg") }
                try OutputFile.write(layout, to: output)
            }
        }
        if response.exitCode != 0 {
            // CommandFailure prints its message with a newline of its own.
            throw CommandFailure(code: response.exitCode, message: String(response.error.dropLast()))
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
