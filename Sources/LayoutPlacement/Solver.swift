import LayoutCore
import LayoutMachines
import Foundation

/// The library's entry point: one verified guest memory map for a VM that must run on every host.
///
/// ```swift
/// let hosts = try InputLoader.loadHosts(paths: ["Profiles/intel-xeon-vtd48.json", "Profiles/amd-epyc-7003.json"])
/// let vm = try InputLoader.loadVM(path: "Examples/vm/db-64g.json")
/// let solution = try Solver.solve(hosts: hosts, vm: vm)
/// print(QEMUArguments.argv(for: solution.layout).joined(separator: " "))
/// ```
///
/// Throws ``InputError`` for bad input, ``NoLayoutExists`` when no layout fits every host,
/// ``SolveTimedOut`` when GLPK runs out of time, and ``VerifierRejectedLayout`` for an internal bug.
public enum Solver {
    /// Chooses, derives and verifies one layout for `vm` that fits every host in `hosts`.
    ///
    /// The answer is deterministic: the same hosts (in any order), VM and options give the same layout.
    /// - Parameters:
    ///   - hosts: Every host the VM may run on; names must be unique.
    ///   - vm: What the VM needs; the solver chooses where it goes.
    ///   - options: Relaxable regions and the time limit.
    /// - Returns: A layout that passed the exact check against every host's own profile.
    /// - Throws: ``InputError`` for a spec or profile the solver cannot use, ``NoLayoutExists`` when no
    ///   layout fits every host, ``SolveTimedOut``, and ``VerifierRejectedLayout`` for a bug.
    public static func solve(hosts: [HostProfile], vm: VMSpec, options: SolveOptions = SolveOptions()) throws -> Solution {
        if let problem = VMSpecParser.validate(vm).first {
            throw InputError(source: "vm", path: "$.\(problem.member)", message: problem.message)
        }
        let fleet = try Fleet(hosts: hosts, strictRelaxable: options.strictRelaxable)
        try checkArchitecture(fleet: fleet, vm: vm)
        let deadline = SolveDeadline(seconds: options.timeLimitSeconds)
        do {
            return try solveOnce(fleet: fleet, vm: vm, options: options, deadline: deadline)
        } catch let none as NoLayoutExists where options.diagnosesFailures {
            throw ConflictDiagnosis.refine(none, fleet: fleet, vm: vm, options: options, deadline: deadline) { hosts, vm, options in
                _ = try solveOnce(fleet: try Fleet(hosts: hosts, strictRelaxable: options.strictRelaxable), vm: vm, options: options, deadline: SolveDeadline(seconds: options.timeLimitSeconds))
            }
        }
    }

    /// One search, without the diagnosis of a failure.
    static func solveOnce(fleet: Fleet, vm: VMSpec, options: SolveOptions, deadline: SolveDeadline) throws -> Solution {
        var fleet = fleet
        var statistics = SolveStatistics()
        statistics.hosts = fleet.hosts.count
        // Each retry reserves one more programmable window, so this ends.
        for _ in 0...fleet.hosts.reduce(0, { $0 + $1.programmable.count }) {
            statistics.distinctHoles = fleet.forbidden.ranges.count
            let layout = try MachineRegistry.model(for: vm.machine).planner(fleet: fleet, spec: vm).search(options: options, deadline: deadline, statistics: &statistics)
            switch ProgrammablePlacer.place(for: layout, fleet: fleet) {
            case .placed(let placements):
                var layout = layout
                if statistics.hitTimeLimit {
                    let gap = statistics.optimalityGap.map { $0.isFinite ? String(format: "%.2f%%", $0 * 100) : "unknown" } ?? "unknown"
                    layout.notes.append("GLPK stopped at the time limit: this layout is verified but not proven optimal (optimality gap \(gap)); a longer --time-limit may find a better one.")
                }
                layout.notes += OVMFAperture.notes(for: layout, forbidden: fleet.forbidden) + SeaBIOSWindow.notes(for: layout, forbidden: fleet.forbidden)
                if vm.viommu == .virtioIOMMU {
                    layout.viommu = VIOMMUPlan.make(fleet: fleet, programmable: placements, qemu: vm.qemu, machineWindow: VIOMMUPlan.machineWindow(of: layout.knobs))
                    layout.notes += layout.viommu?.limitations ?? []
                }
                // Everything the answer carries is checked again as it will be printed: the final map
                // against every host, each programmable window against the map and its host, and the
                // virtio-iommu plan against every host's own holes, the windows and the map.
                let violations = LayoutVerifier.violations(of: layout, on: fleet.hosts, strictRelaxable: fleet.strictRelaxable)
                    + LayoutVerifier.violations(of: placements, layout: layout, on: fleet.hosts, strictRelaxable: fleet.strictRelaxable)
                    + LayoutVerifier.violations(of: layout.viommu, layout: layout, placements: placements, on: fleet.hosts, strictRelaxable: fleet.strictRelaxable)
                guard violations.isEmpty else { throw VerifierRejectedLayout(violations: violations) }
                return Solution(layout: VerifiedLayout(checked: layout), hosts: fleet.hosts, programmable: placements, statistics: statistics)
            case .needsReservation(let hole):
                fleet = fleet.adding([hole])
            }
        }
        throw NoLayoutExists(vmName: vm.name, conflicts: [.init(message: "the hosts' programmable windows cannot all be placed clear of the guest's DMA targets", hosts: fleet.hosts.filter { !$0.programmable.isEmpty }.map(\.name), holes: [], family: .programmableWindow)])
    }

    /// The host architecture a machine runs on (KVM runs a guest of the host's architecture).
    /// - Throws: ``InputError`` for a machine no model serves.
    package static func architecture(of machine: MachineKind) throws -> HostProfile.Architecture {
        try MachineRegistry.model(for: machine).architecture
    }

    package static func checkArchitecture(fleet: Fleet, vm: VMSpec) throws {
        let architecture = try architecture(of: vm.machine)
        // By index first: filtering copied every profile although almost never one is foreign.
        guard fleet.hosts.indices.contains(where: { fleet.hosts[$0].arch != architecture }) else { return }
        let foreign = fleet.hosts.filter { $0.arch != architecture }
        if !foreign.isEmpty {
            throw InputError(
                source: foreign[0].file, path: "$.arch",
                message: "a \(vm.machine.rawValue) VM runs on \(architecture.rawValue) hosts, but " + foreign.map { "\($0.name) is \($0.arch.rawValue)" }.joined(separator: ", "))
        }
    }
}
