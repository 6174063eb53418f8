import LayoutCore
import LayoutMachines
/// Whether one host can run a VM (and hot-add its planned DIMMs), and if not, every reason.
public struct HostFit: Equatable, Sendable {
    public var host: String
    /// Empty when the VM fits.
    public var problems: [Problem]
    public var fits: Bool { problems.isEmpty }
}

/// Will this existing VM fit these hosts? For layouts this tool printed and for any QEMU command
/// line: the map is derived per host (a `host` CPU takes each host's vendor and, with
/// host-phys-bits, its width), then checked exactly against that host.
public enum FitCheck {
    /// A layout this tool solved, on (new) hosts.
    public static func check(layout: VerifiedLayout, hosts: [HostProfile], strictRelaxable: Bool = false) -> [HostFit] {
        check(layout: layout.guest, hosts: hosts, strictRelaxable: strictRelaxable)
    }

    /// Any QEMU command line (its memory options), on hosts, as each host's QEMU under KVM lays it out.
    /// - Throws: ``InputError`` when the command line does not parse.
    public static func check(qemuCommandLine: String, hosts: [HostProfile], vm: VMSpec, strictRelaxable: Bool = false) throws -> [HostFit] {
        check(arguments: try QEMUArgumentParser.parse(qemuCommandLine), hosts: hosts, vm: vm, strictRelaxable: strictRelaxable)
    }

    package static func check(layout: GuestLayout, hosts: [HostProfile], strictRelaxable: Bool = false) -> [HostFit] {
        let model = layout.knobs.model
        return hosts.sorted { $0.name < $1.name }.map { host in
            if let problem = architectureProblem(layout.machine, host) { return HostFit(host: host.name, problems: [problem]) }
            let perHost: GuestLayout
            do {
                perHost = try model.layout(layout, on: host)
            } catch let rejection as QEMURejection {
                return HostFit(host: host.name, problems: [.qemuRefuses(host: host.name, message: rejection.message)])
            } catch {
                return HostFit(host: host.name, problems: [.qemuRefuses(host: host.name, message: "\(error)")])
            }
            return HostFit(host: host.name, problems: LayoutVerifier.violations(of: perHost, on: [host], strictRelaxable: strictRelaxable).map(HostFit.Problem.violation))
        }
    }

    /// A VM's QEMU memory arguments, on hosts: as each host's QEMU under KVM would lay it out.
    package static func check(arguments: QEMUMemoryArguments, hosts: [HostProfile], vm: VMSpec, strictRelaxable: Bool = false) -> [HostFit] {
        hosts.sorted { $0.name < $1.name }.map { host in
            do {
                let layout = try self.layout(of: arguments, on: host, vm: vm)
                if let problem = architectureProblem(layout.machine, host) { return HostFit(host: host.name, problems: [problem]) }
                return HostFit(host: host.name, problems: LayoutVerifier.violations(of: layout, on: [host], strictRelaxable: strictRelaxable).map(HostFit.Problem.violation))
            } catch let rejection as QEMURejection {
                return HostFit(host: host.name, problems: [.qemuRefuses(host: host.name, message: rejection.message)])
            } catch {
                return HostFit(host: host.name, problems: [.unreadable(host: host.name, message: "\(error)")])
            }
        }
    }

    /// The layout QEMU builds from `arguments` on `host` under KVM.
    package static func layout(of arguments: QEMUMemoryArguments, on host: HostProfile, vm: VMSpec) throws -> GuestLayout {
        let type = arguments.machineType
        guard let model = MachineRegistry.model(forMachineType: type) else {
            throw QEMURejection("machine type \(type) is not modelled (" + MachineRegistry.models.map(\.kind.rawValue).joined(separator: ", ") + " are)")
        }
        var spec = vm
        spec.machine = model.kind
        spec.ram = arguments.ramSize
        spec.maxmem = arguments.maxmem
        spec.slots = arguments.slots
        spec.cpuModel = arguments.cpuModel ?? model.defaultCPUModel
        let versioned = type.contains("-") ? type : model.machineType(for: vm.qemu)
        let knobs = try model.knobs(from: arguments, versionedType: versioned, on: host, vm: spec)
        return try model.layout(knobs: knobs, vm: spec, cpuVendorPinned: arguments.cpuProperties["vendor"] != nil)
    }

    package static func architectureProblem(_ machine: MachineKind, _ host: HostProfile) -> HostFit.Problem? {
        guard let needed = layoutModelArchitecture(machine) else { return .qemuRefuses(host: host.name, message: "machine \(machine.rawValue) is not modelled") }
        return host.arch == needed ? nil : .wrongArchitecture(host: host.name, machine: machine, needs: needed, has: host.arch)
    }
}

extension HostProfile {
    /// The host's CPU vendor as a guest vendor, when it is one QEMU's layout cares about.
    package var vendor: CPUVendor? { cpuVendor.guestVendor }
}

/// The architecture of a layout's machine; a layout always comes from a model, so a name without
/// one can only be a hand-made layout, which no host runs.
private func layoutModelArchitecture(_ machine: MachineKind) -> HostProfile.Architecture? {
    try? MachineRegistry.model(for: machine).architecture
}
