import LayoutSolver

/// Builds a VM spec from --vm and the individual flags; a flag overrides the file's field.
struct VMSpecFlags {
    let command: SolveCommand

    func spec() throws -> VMSpec {
        var spec = try command.vm.map(InputLoader.loadVM(path:)) ?? VMSpec(ram: 0)
        if let machine = command.machine {
            let kind = MachineKind(rawValue: machine)
            guard (try? MachineRegistry.model(for: kind)) != nil else {
                throw flagError("--machine", "expected one of \(MachineRegistry.names.joined(separator: ", ")), found \"\(machine.prefix(80))\"")
            }
            spec.machine = kind
        }
        if let ram = command.ram { spec.ram = try size(ram, flag: "--ram") }
        if let maxmem = command.maxmem { spec.maxmem = try size(maxmem, flag: "--maxmem") }
        if let slots = command.slots {
            guard (0...256).contains(slots) else { throw flagError("--slots", "expected 0 to 256, found \(slots)") }
            spec.slots = slots
        }
        if let hole = command.pciHole64 { spec.pciHole64 = try size(hole, flag: "--pci-hole64") }
        if let hole = command.pciHole32 { spec.pciHole32 = try size(hole, flag: "--pci-hole32") }
        if let align = command.ramAlign { spec.ramAlign = try size(align, flag: "--ram-align") }
        if let model = command.cpuModel { spec.cpuModel = model }
        if let vendor = command.cpuVendor {
            guard let parsed = CPUVendor(rawValue: vendor) else { throw flagError("--cpu-vendor", "expected intel or amd, found \"\(vendor)\"") }
            spec.cpuVendor = parsed
        }
        if command.p2p { spec.p2p = true }
        if let qemu = command.qemu {
            guard let version = QEMUVersion(qemu) else { throw flagError("--qemu", "expected a QEMU version such as 7.2, found \"\(qemu)\"") }
            spec.qemu = version
        }
        if let problem = VMSpecParser.validate(spec).first {
            throw InputError(source: command.vm ?? "flags", path: command.vm == nil ? "" : "$.\(problem.member)", message: problem.message)
        }
        return spec
    }

    func size(_ text: String, flag: String) throws -> UInt64 {
        switch SizeSyntax.parse(text) {
        case .success(let value): return value
        case .failure(.tooLarge): throw flagError(flag, "\(text) does not fit in 64 bits")
        case .failure(.negative): throw flagError(flag, "must not be negative")
        case .failure: throw flagError(flag, "expected a size such as 64G, 0x100000000 or 4096, found \"\(text)\"")
        }
    }

    func flagError(_ flag: String, _ message: String) -> InputError { InputError(source: flag, message: message) }
}
