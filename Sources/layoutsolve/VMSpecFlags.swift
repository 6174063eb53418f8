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
            guard let parsed = CPUVendor(rawValue: vendor) else { throw flagError("--cpu-vendor", "expected intel or amd, found \"\(clipped(vendor))\"") }
            spec.cpuVendor = parsed
        }
        if command.p2p { spec.p2p = true }
        if let qemu = command.qemu {
            guard let version = QEMUVersion(qemu) else { throw flagError("--qemu", "expected a QEMU version such as 7.2, found \"\(clipped(qemu))\"") }
            spec.qemu = version
        }
        if let problem = VMSpecParser.validate(spec).first {
            // Blame the flag when the value came from one (a flag overrides the file's member).
            let flagGiven: [String: Bool] = [
                "ram": command.ram != nil, "maxmem": command.maxmem != nil, "slots": command.slots != nil,
                "pci_hole64": command.pciHole64 != nil, "pci_hole32": command.pciHole32 != nil, "ram_align": command.ramAlign != nil,
                "machine": command.machine != nil, "cpu_model": command.cpuModel != nil, "cpu_vendor": command.cpuVendor != nil,
                "qemu": command.qemu != nil, "p2p": command.p2p,
            ]
            if let vm = command.vm, flagGiven[problem.member] != true {
                throw InputError(source: vm, path: "$.\(problem.member)", message: problem.message)
            }
            throw flagError("--" + String(problem.member.map { $0 == "_" ? "-" : $0 }), problem.message)
        }
        try checkGranule(spec)
        return spec
    }

    func size(_ text: String, flag: String) throws -> UInt64 {
        switch SizeSyntax.parse(text) {
        case .success(let value): return value
        case .failure(.tooLarge): throw flagError(flag, "\(clipped(text)) does not fit in 64 bits")
        case .failure(.negative): throw flagError(flag, "must not be negative")
        case .failure: throw flagError(flag, "expected a size such as 64G, 0x100000000 or 4096, found \"\(clipped(text))\"")
        }
    }

    /// The solver's placement granule (PCPlanner/VirtPlanner `unit`), checked here so the message
    /// names the file or the flag the RAM size came from rather than an anonymous "vm".
    func checkGranule(_ spec: VMSpec) throws {
        let unit = max(spec.ramAlign ?? 0, PCConstants.QEMU_VMALLOC_ALIGN)
        guard spec.ram != 0, spec.ram % unit != 0 else { return }
        let message = "ram \(ByteCount.format(spec.ram)) is not a multiple of the placement granule \(ByteCount.format(unit)) (2 MiB, or ram_align)"
        if let vm = command.vm, command.ram == nil { throw InputError(source: vm, path: "$.ram", message: message) }
        throw flagError("--ram", message)
    }

    /// At most 80 characters of a value, so a pasted megabyte is not echoed back.
    func clipped(_ text: String) -> String { text.count <= 80 ? text : "\(text.prefix(77))… (\(text.count) characters)" }

    func flagError(_ flag: String, _ message: String) -> InputError { InputError(source: flag, message: message) }
}
