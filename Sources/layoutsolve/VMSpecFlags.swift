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
            // The flag that set the member is the source, not the VM file it overrides.
            if let flag = flagSetting(problem.member) { throw InputError(source: flag, message: problem.message) }
            if let vm = command.vm { throw InputError(source: InputLoader.sourceName(vm), path: "$.\(problem.member)", message: problem.message) }
            throw InputError(source: "flags", message: problem.message)
        }
        try checkGranule(spec)
        return spec
    }

    /// The library names a VM spec it was handed as `vm`; the command line knows whether the
    /// member came from a flag or from the --vm file, and names that.
    func attribute(_ error: Error) -> Error {
        guard let input = error as? InputError, input.source == "vm", input.path.hasPrefix("$.") else { return error }
        let member = String(input.path.dropFirst(2).prefix { $0 != "." && $0 != "[" })
        if let flag = flagSetting(member) { return InputError(source: flag, line: nil, message: input.message) }
        if let vm = command.vm { return InputError(source: InputLoader.sourceName(vm), path: input.path, line: input.line, message: input.message) }
        return error
    }

    /// The flag given for a VM spec member, if one was.
    func flagSetting(_ member: String) -> String? {
        let flags: [String: (String, Bool)] = [
            "ram": ("--ram", command.ram != nil), "maxmem": ("--maxmem", command.maxmem != nil), "slots": ("--slots", command.slots != nil),
            "pci_hole64": ("--pci-hole64", command.pciHole64 != nil), "pci_hole32": ("--pci-hole32", command.pciHole32 != nil),
            "ram_align": ("--ram-align", command.ramAlign != nil), "cpu_model": ("--cpu-model", command.cpuModel != nil),
            "qemu": ("--qemu", command.qemu != nil), "machine": ("--machine", command.machine != nil),
        ]
        guard let (flag, given) = flags[member], given else { return nil }
        return flag
    }

    /// The one rule for sizes on the command line (documented in `solve --help` and the
    /// CHANGELOG): units are binary, as in QEMU; a bare decimal number other than 0 is refused,
    /// since QEMU reads `-m 16384` as MiB and a VM file reads 16384 as bytes; `GB`/`MB` are refused
    /// because they may mean powers of ten.
    func size(_ text: String, flag: String) throws -> UInt64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }), trimmed.contains(where: { $0 != "0" }) {
            let mib = UInt64(trimmed).map { $0 % 1024 == 0 ? "\(trimmed)M (\($0 / 1024)G)" : "\(trimmed)M" } ?? "\(trimmed)M"
            throw flagError(flag, "\(trimmed) has no unit; write \(mib) for MiB as QEMU's -m means, or a hexadecimal 0x... for bytes")
        }
        let upper = trimmed.uppercased()
        for (decimal, binary) in [("KB", "K"), ("MB", "M"), ("GB", "G"), ("TB", "T"), ("PB", "P")] where upper.hasSuffix(decimal) {
            let digits = trimmed.dropLast(2)
            if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
                throw flagError(flag, "\(trimmed): write \(digits)\(binary); units are binary (\(binary) = \(binary)iB), as in QEMU, and \(decimal) could mean a power of ten")
            }
        }
        switch SizeSyntax.parse(text) {
        case .success(let value): return value
        case .failure(.tooLarge): throw flagError(flag, "\(clipped(text)) does not fit in 64 bits")
        case .failure(.negative): throw flagError(flag, "must not be negative")
        case .failure: throw flagError(flag, "expected a size such as 64G, 16384M or 0x100000000, found \"\(clipped(text))\"")
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
