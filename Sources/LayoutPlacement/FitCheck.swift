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
    /// A layout this tool printed, on (new) hosts.
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
        hosts.sorted { $0.name < $1.name }.map { host in
            if let problem = architectureProblem(layout.machine, host) { return HostFit(host: host.name, problems: [problem]) }
            var perHost = layout
            if case .pc(var knobs) = layout.knobs, layout.cpuVendor == nil {
                // Unpinned: the vCPU takes this host's vendor, which can change QEMU's derivation.
                knobs.vendor = host.vendor ?? .intel
                do {
                    perHost = try pcLayout(knobs: knobs, vm: layout.vm, vendorPinned: false)
                } catch {
                    return HostFit(host: host.name, problems: [.qemuRefuses(host: host.name, message: "\(error)")])
                }
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
        var spec = vm
        let type = arguments.machineType
        let machine: MachineKind
        if type == "q35" || type.hasPrefix("pc-q35") { machine = .q35 } else if type == "pc" || type.hasPrefix("pc-i440fx") { machine = .pc } else if type == "virt" || type.hasPrefix("virt-") { machine = .virt } else {
            throw QEMURejection("machine type \(type) is not modelled (q35, pc and virt are)")
        }
        spec.machine = machine
        spec.ram = arguments.ramSize
        spec.maxmem = arguments.maxmem
        spec.slots = arguments.slots
        spec.cpuModel = arguments.cpuModel ?? (machine == .virt ? "host" : "qemu64")
        let versioned = type.contains("-") ? type : (machine == .virt ? "virt-\(vm.qemu)" : "\(machine == .q35 ? "pc-q35" : "pc-i440fx")-\(vm.qemu)")
        var dimms: [DIMM] = []
        var automatic: [(String, UInt64)] = []
        for (index, device) in arguments.dimms.enumerated() {
            guard let backend = arguments.backends.first(where: { $0.id == device.memdev }) else {
                throw QEMURejection("pc-dimm memdev=\(device.memdev) names no memory backend")
            }
            let id = device.id ?? "dimm\(index)"
            if let address = device.address { dimms.append(DIMM(id: id, address: address, size: backend.size)) } else { automatic.append((id, backend.size)) }
        }
        let alignment = arguments.backends.compactMap(\.align).max() ?? 2 << 20
        switch machine {
        case .q35, .pc:
            let chipset: PCChipset = machine == .pc ? .i440fx : .q35
            var knobs = PCMachineKnobs(
                chipset: chipset, machineType: versioned, ramSize: arguments.ramSize,
                maxRamBelow4G: try arguments.machineProperties["max-ram-below-4g"].map { try QEMUArgumentParser.qemuSize($0, option: "max-ram-below-4g", source: "--qemu-args") },
                maxmem: arguments.maxmem, slots: arguments.slots,
                pciHole64Size: try arguments.globals["\(chipset.hostBridge).pci-hole64-size"].map { try QEMUArgumentParser.qemuSize($0, option: "pci-hole64-size", source: "--qemu-args") },
                physBits: physBits(arguments, host: host), vendor: vendor(arguments, host: host),
                enforceAMD1TiBHole: PCCompatibility.hasAMD1TiBRule(machineType: versioned), dimmAlignment: alignment, dimms: dimms)
            knobs.dimms += try firstFit(automatic, after: dimms, in: try PCMachineModel.derive(knobs).deviceMemory, alignment: alignment)
            return try pcLayout(knobs: knobs, vm: spec, vendorPinned: arguments.cpuProperties["vendor"] != nil)
        case .virt:
            var knobs = VirtKnobs(
                machineType: versioned, ramSize: arguments.ramSize, maxmem: arguments.maxmem, slots: arguments.slots,
                gicVersion: Int(arguments.machineProperties["gic-version"] ?? "3") ?? 3, ipaBits: host.cpuPhysBits,
                compactHighmem: vm.qemu >= QEMUVersion(major: 8, minor: 0), firmwareLoaded: arguments.firmwareLoaded,
                dimmAlignment: alignment, dimms: dimms)
            knobs.dimms += try firstFit(automatic, after: dimms, in: try VirtModel.derive(knobs).deviceMemory, alignment: alignment)
            return try virtLayout(knobs: knobs, vm: spec)
        }
    }

    /// hw/mem/memory-device.c memory_device_get_free_addr: the first aligned gap in device memory.
    package static func firstFit(_ sizes: [(String, UInt64)], after placed: [DIMM], in deviceMemory: AddressRange?, alignment: UInt64) throws -> [DIMM] {
        guard !sizes.isEmpty else { return [] }
        guard let deviceMemory else { throw QEMURejection("memory devices (e.g. for memory hotplug) are not enabled, please specify the maxmem option") }
        var taken = placed.map { AddressRange(start: $0.address, size: $0.size)! }
        var result: [DIMM] = []
        for (id, size) in sizes {
            var address = try deviceMemory.start.alignedUp(alignment)
            for range in taken.sorted() {
                let end = try address.checkedAdd(size)
                if end <= range.start { break }
                if range.last >= address { address = try range.last.checkedAdd(1).alignedUp(alignment) }
            }
            guard let candidate = AddressRange(start: address, size: size), deviceMemory.contains(candidate) else {
                throw QEMURejection("could not find position in guest address space for memory device - memory fragmented due to alignments")
            }
            taken.append(candidate)
            result.append(DIMM(id: id, address: address, size: size))
        }
        return result
    }

    /// Under KVM, `host` and `max` copy the host's width unless host-phys-bits=off (target/i386/host-cpu.c).
    package static func physBits(_ arguments: QEMUMemoryArguments, host: HostProfile) -> Int {
        let model = arguments.cpuModel ?? "qemu64"
        let hostPhysBits = arguments.cpuProperties["host-phys-bits"].map { ["on", "true", "yes"].contains($0) } ?? (model == "host" || model == "max")
        if hostPhysBits {
            let limit = arguments.cpuProperties["host-phys-bits-limit"].flatMap(Int.init) ?? 0
            return limit > 0 ? min(limit, host.cpuPhysBits) : host.cpuPhysBits
        }
        return arguments.cpuProperties["phys-bits"].flatMap(Int.init) ?? 40
    }

    /// Under KVM the vCPU takes the host's vendor unless `vendor=` pins it.
    package static func vendor(_ arguments: QEMUMemoryArguments, host: HostProfile) -> CPUVendor {
        switch arguments.cpuProperties["vendor"] {
        case "AuthenticAMD": return .amd
        case "GenuineIntel": return .intel
        default: return host.vendor ?? .intel
        }
    }

    package static func architectureProblem(_ machine: MachineKind, _ host: HostProfile) -> HostFit.Problem? {
        let needed = Solver.architecture(of: machine)
        return host.arch == needed ? nil : .wrongArchitecture(host: host.name, machine: machine, needs: needed, has: host.arch)
    }

    package static func pcLayout(knobs: PCMachineKnobs, vm: VMSpec, vendorPinned: Bool) throws -> GuestLayout {
        let derivation = try PCMachineModel.derive(knobs)
        return GuestLayout(
            machine: knobs.chipset == .q35 ? .q35 : .pc, machineType: knobs.machineType, qemu: vm.qemu, vm: vm, physBits: knobs.physBits,
            cpuVendor: vendorPinned ? knobs.vendor : nil, knobs: .pc(knobs), regions: PCMachineModel.regions(of: derivation, chipset: knobs.chipset, p2p: vm.p2p),
            topAddress: derivation.maxUsedGPA, notes: [])
    }

    package static func virtLayout(knobs: VirtKnobs, vm: VMSpec) throws -> GuestLayout {
        let derivation = try VirtModel.derive(knobs)
        return GuestLayout(
            machine: .virt, machineType: knobs.machineType, qemu: vm.qemu, vm: vm, physBits: max(derivation.highestGPA.bitsToAddress, 32),
            cpuVendor: nil, knobs: .virt(knobs), regions: VirtModel.regions(of: derivation, gicVersion: knobs.gicVersion, p2p: vm.p2p),
            topAddress: derivation.highestGPA, notes: [])
    }
}

extension HostProfile {
    /// The host's CPU vendor as a guest vendor, when it is one QEMU's layout cares about.
    package var vendor: CPUVendor? { cpuVendor.guestVendor }
}
