import ArgumentParser
import Foundation
import LayoutSolver

enum RehearseFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

struct RehearseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rehearse",
        abstract: "Prove a layout against a real Linux VFIO: one TCG virtual host per distinct host profile.",
        discussion: """
            Each distinct profile becomes a virtual host (a QEMU VM running Debian's kernel with an emulated \
            IOMMU reporting the profile's holes and width); the VM's QEMU runs inside it, paused, and a \
            vfio-pci device is hot-added, so the kernel maps every DMA target (boot RAM, cold DIMMs, planned \
            DIMMs hot-added over QMP first). Needs qemu-system-x86; profiles with firmware holes need the \
            patched QEMU (bash .ci/build-rehearsal-qemu). Guest RAM is pinned: about the VM's RAM + 2 GiB free.

            Examples:
              layoutsolve rehearse --prepare
              layoutsolve rehearse --hosts Examples/fleets/xeon-rmrr-strict/ --vm Examples/vm/rehearse-2g.json
              layoutsolve rehearse --hosts Examples/fleets/xeon-rmrr-strict/ --qemu-args '-M q35 -m 2G'
              layoutsolve rehearse --hosts Profiles/intel-client-39.json Profiles/intel-server-rmrr.json --qemu-args '-M pc -m 3G' --migrate

            Exit codes: 0 every host ok; 1 a host refused (QEMU's error line and the hole); 2 bad input; \
            4 this machine cannot rehearse (what is missing and the command that provides it).
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Host profiles: files, or folders whose *.json are all read.", valueName: "path"))
    var hosts: [String] = []
    @Option(name: .long, help: ArgumentHelp("VM spec (layoutsolve/vm/v1): solve for the hosts, then rehearse the layout.", valueName: "file"))
    var vm: String?
    @Option(name: .customLong("qemu-args"), parsing: .unconditional, help: ArgumentHelp("Rehearse an existing QEMU command line (its memory options) instead.", valueName: "args"))
    var qemuArgs: String?
    @Flag(help: "Migrate between every ordered pair of distinct profiles, then hot-add vfio-pci at the destination.")
    var migrate = false
    @Flag(help: "Build or find the virtual-host image and the patched QEMU, then exit.")
    var prepare = false
    @Option(help: "Output: text or json.") var format: RehearseFormat = .text
    @Flag(help: "Progress lines on standard error even when it is not a terminal.") var progress = false
    @Flag(name: .customLong("strict-relaxable"), help: "Treat direct-relaxable regions as holes too.") var strictRelaxable = false

    func validate() throws {
        if prepare { return }
        if hosts.isEmpty { throw ValidationError("give the host profiles with --hosts FILE|FOLDER ...") }
        if (vm == nil) == (qemuArgs == nil) { throw ValidationError("give exactly one of --vm FILE or --qemu-args 'ARGS'") }
    }

    func run() throws {
        let showProgress = progress || isatty(STDERR_FILENO) == 1
        var sink: (@Sendable (String) -> Void)? = nil
        if showProgress {
            sink = { @Sendable (line: String) in FileHandle.standardError.write(Data(("rehearse: " + line + "\n").utf8)) }
        }
        do {
            if prepare {
                let lines = try FleetRehearsal.prepare(progress: sink)
                print(lines.joined(separator: "\n"))
                return
            }
            let profiles = try InputLoader.loadHosts(paths: hosts)
            let options = FleetRehearsal.Options(strictRelaxable: strictRelaxable, progress: sink)
            let rehearsalVM: RehearsalVM
            if let vm {
                let spec = try InputLoader.loadVM(path: vm)
                sink?("solve: \(profiles.count) host(s)")
                let solution = try Solver.solve(hosts: profiles, vm: spec, options: SolveOptions(strictRelaxable: strictRelaxable))
                rehearsalVM = RehearsalVM.layout(solution.layout)
            } else {
                rehearsalVM = try RehearsalVM.commandLine(qemuArgs ?? "")
            }
            let text: String
            let code: Int32
            if migrate {
                let matrix = try FleetRehearsal.migrate(hosts: profiles, vm: rehearsalVM, options: options)
                text = format == .json ? RehearsalRendering.json(matrix) : RehearsalRendering.text(matrix)
                code = matrix.exitCode
            } else {
                let report = try FleetRehearsal.rehearse(hosts: profiles, vm: rehearsalVM, options: options)
                text = format == .json ? RehearsalRendering.json(report) : RehearsalRendering.text(report)
                code = report.exitCode
            }
            FileHandle.standardOutput.write(Data(text.utf8))
            if code != 0 {
                throw CommandFailure(code: code, message: code == 1 ? "layoutsolve: VFIO refused the layout on a virtual host" : "layoutsolve: some hosts could not be rehearsed here")
            }
        } catch let error as RehearsalError {
            throw CommandFailure(code: error.isMachineLimitation ? 4 : (error.isInputError ? 2 : 70), message: "layoutsolve: \(error)")
        } catch {
            throw CommandFailure.from(error)
        }
    }
}
