import ArgumentParser
import Foundation
import LayoutSolver

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Will an existing VM fit these hosts? Checks a printed layout or any QEMU command line.",
        discussion: """
            Derives the VM's memory map the way each host's QEMU would under KVM (a `host` CPU takes each \
            host's vendor and, with host-phys-bits, its width) and checks every DMA target, including \
            planned hot-add DIMMs, against that host's holes and widths.

            Examples:
              layoutsolve verify --layout db.layout.json --hosts new-host.json
              layoutsolve verify --hosts fleet/ \\
                --qemu-args '-M q35 -m 64G,slots=4,maxmem=128G -cpu host'
              virsh dumpxml db | \\
                layoutsolve verify --libvirt-domain - --hosts fleet/

            Exit codes: 0 every host fits; 1 some host does not (each conflict is printed); 2 bad input.
            """
    )

    @Option(name: .long, help: ArgumentHelp("A layout printed with --format json ('-' reads standard input).", valueName: "file"))
    var layout: String?

    @Option(name: .customLong("qemu-args"), parsing: .unconditional, help: ArgumentHelp("The VM's QEMU command line (memory arguments are read, the rest skipped).", valueName: "args"))
    var qemuArgs: String?

    @Option(name: .customLong("libvirt-domain"), help: ArgumentHelp("The VM's libvirt domain XML, as virsh dumpxml prints it ('-' reads standard input).", valueName: "file"))
    var libvirtDomain: String?

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Host profiles: files or folders.", valueName: "path"))
    var hosts: [String] = []

    @Flag(help: "With --qemu-args: PCI BAR windows are DMA targets too (peer-to-peer).") var p2p = false
    @Option(help: "With --qemu-args: the QEMU release on the hosts (default 7.2).") var qemu: String?
    @Flag(name: .customLong("strict-relaxable"), help: "Treat direct-relaxable regions as holes too.") var strictRelaxable = false
    @Option(name: [.short, .long], help: "Output: text or json.") var format: VerifyFormat = .text
    @Option(name: .long, help: ArgumentHelp("With --layout: draw the map beside each host's holes, conflicts in red.", valueName: "file"))
    var svg: String?

    enum VerifyFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    func validate() throws {
        if [layout, qemuArgs, libvirtDomain].compactMap({ $0 }).count != 1 { throw ValidationError("give exactly one of --layout FILE, --qemu-args 'ARGS' or --libvirt-domain FILE") }
        if hosts.isEmpty { throw ValidationError("give the hosts to check with --hosts FILE|FOLDER ...") }
        if svg != nil && layout == nil { throw ValidationError("--svg draws a printed layout: use it with --layout") }
    }

    func run() throws {
        do {
            let profiles = try InputLoader.loadHosts(paths: hosts)
            let fits: [HostFit]
            if let layout {
                let parsed = try LayoutReader.read(try InputLoader.readBytes(layout), source: layout)
                fits = FitCheck.check(layout: parsed, hosts: profiles, strictRelaxable: strictRelaxable)
                if let svg {
                    let conflicts = LayoutVerifier.violations(of: parsed, on: profiles.filter { $0.arch == parsed.knobs.model.architecture }, strictRelaxable: strictRelaxable)
                    try OutputFile.write(SVGMap.render(layout: parsed, hosts: profiles, options: SVGMap.Options(strictRelaxable: strictRelaxable, conflicts: conflicts)), to: svg, option: "--svg")
                }
            } else {
                var vm = VMSpec(ram: 0, p2p: p2p)
                if let qemu {
                    guard let version = QEMUVersion(qemu) else { throw InputError(source: "--qemu", message: "expected a QEMU version such as 7.2, found \"\(qemu)\"") }
                    vm.qemu = version
                }
                let arguments: QEMUMemoryArguments
                if let libvirtDomain {
                    let text = String(decoding: try InputLoader.readBytes(libvirtDomain), as: UTF8.self)
                    let (read, version) = try LibvirtDomainReader.read(text, source: libvirtDomain)
                    arguments = read
                    if qemu == nil, let version { vm.qemu = version }
                } else {
                    arguments = try QEMUArgumentParser.parse(qemuArgs ?? "")
                }
                fits = FitCheck.check(arguments: arguments, hosts: profiles, vm: vm, strictRelaxable: strictRelaxable)
            }
            FileHandle.standardOutput.write(Data(render(fits).utf8))
            if fits.contains(where: { !$0.fits }) { throw CommandFailure(code: 1, message: "layoutsolve: the VM does not fit \(fits.filter { !$0.fits }.count) of \(fits.count) host(s)") }
        } catch {
            throw CommandFailure.from(error)
        }
    }

    func render(_ fits: [HostFit]) -> String {
        switch format {
        case .json:
            return JSONOutput.object([
                ("schema", .string("layoutsolve/verify/v1")),
                ("fits", .bool(fits.allSatisfy(\.fits))),
                ("hosts", .array(fits.map { .object([("name", .string($0.host)), ("fits", .bool($0.fits)), ("problems", .array($0.problems.map { JSONOutput.string($0.description) }))]) })),
            ]).rendered()
        case .text:
            var lines: [String] = []
            for fit in fits {
                lines.append(fit.fits ? "  ok    \(fit.host)" : "  FAIL  \(fit.host)")
                lines.append(contentsOf: fit.problems.map { "          \($0.description)" })
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
