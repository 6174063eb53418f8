import LayoutCore

extension MachineKnobs {
    /// Knobs of a pc or q35 layout.
    package static func pc(_ knobs: PCMachineKnobs) -> MachineKnobs { MachineKnobs(knobs) }
    /// The pc/q35 knobs, when the layout is for one of them.
    package var pc: PCMachineKnobs? { value as? PCMachineKnobs }
}

extension PCMachineKnobs: MachineKnobSet {
    package var model: any MachineModel { PCMachine(chipset: chipset) }
}

extension MachineKind {
    /// `q35`: ICH9/MCH with PCIe.
    public static let q35 = MachineKind(rawValue: "q35")
    /// `pc`: i440FX/PIIX.
    public static let pc = MachineKind(rawValue: "pc")
}

/// The x86 `pc` (i440FX) and `q35` machines: one derivation (`pc_memory_init`), two chipsets.
package struct PCMachine: MachineModel {
    package typealias C = PCConstants
    package let chipset: PCChipset

    package init(chipset: PCChipset) {
        self.chipset = chipset
    }

    package var kind: MachineKind { chipset == .q35 ? .q35 : .pc }
    package var architecture: HostProfile.Architecture { .x86_64 }
    package var addressWidthName: String { "phys-bits" }
    /// An AMD vCPU turns on the 1 TiB relocation (pc_memory_init).
    package var takesHostVendor: Bool { true }
    /// target/i386/cpu.c: `qemu64` is the x86_64 default CPU model.
    package var defaultCPUModel: String { "qemu64" }

    package func recognizes(machineType: String) -> Bool {
        chipset == .q35 ? machineType == "q35" || machineType.hasPrefix("pc-q35") : machineType == "pc" || machineType.hasPrefix("pc-i440fx")
    }

    package func machineType(for qemu: QEMUVersion) -> String { "\(chipset.machineTypePrefix)-\(qemu)" }

    package func layout(knobs: MachineKnobs, vm: VMSpec, cpuVendorPinned: Bool) throws -> GuestLayout {
        guard let knobs = knobs.pc else { throw QEMURejection("knobs are not pc/q35 knobs") }
        let derivation = try PCMachineModel.derive(knobs)
        return GuestLayout(
            machine: kind, machineType: knobs.machineType, qemu: vm.qemu, vm: vm, physBits: knobs.physBits,
            cpuVendor: cpuVendorPinned ? knobs.vendor : nil, knobs: .pc(knobs), regions: PCMachineModel.regions(of: derivation, chipset: knobs.chipset, p2p: vm.p2p),
            topAddress: derivation.maxUsedGPA, notes: [])
    }

    package func layout(_ layout: GuestLayout, on host: HostProfile) throws -> GuestLayout {
        guard var knobs = layout.knobs.pc, layout.cpuVendor == nil else { return layout }
        // Unpinned: the vCPU takes this host's vendor, which can change QEMU's derivation.
        knobs.vendor = host.cpuVendor.guestVendor ?? .intel
        return try self.layout(knobs: .pc(knobs), vm: layout.vm, cpuVendorPinned: false)
    }

    package func knobs(from arguments: QEMUMemoryArguments, versionedType: String, on host: HostProfile, vm: VMSpec) throws -> MachineKnobs {
        let (dimms, automatic, alignment) = try arguments.memoryDevices()
        var knobs = PCMachineKnobs(
            chipset: chipset, machineType: versionedType, ramSize: arguments.ramSize,
            maxRamBelow4G: try arguments.machineProperties["max-ram-below-4g"].map { try QEMUArgumentParser.qemuSize($0, option: "max-ram-below-4g", source: "--qemu-args") },
            maxmem: arguments.maxmem, slots: arguments.slots,
            pciHole64Size: try arguments.globals["\(chipset.hostBridge).pci-hole64-size"].map { try QEMUArgumentParser.qemuSize($0, option: "pci-hole64-size", source: "--qemu-args") },
            physBits: Self.physBits(arguments, host: host), vendor: Self.vendor(arguments, host: host),
            enforceAMD1TiBHole: PCCompatibility.hasAMD1TiBRule(machineType: versionedType), dimmAlignment: alignment, dimms: dimms)
        knobs.dimms += try MemoryDevices.firstFit(automatic, after: dimms, in: try PCMachineModel.derive(knobs).deviceMemory, alignment: alignment)
        return .pc(knobs)
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
        default: return host.cpuVendor.guestVendor ?? .intel
        }
    }

    package func qemuArguments(for layout: GuestLayout, options: QEMUArguments.Options) -> [String] {
        guard let knobs = layout.knobs.pc else { return [] }
        let backing = options.effectiveBacking(for: layout.vm)
        let fileBacked = backing != .anonymous
        var machine = knobs.machineType
        if let below = knobs.maxRamBelow4G { machine += ",max-ram-below-4g=\(ByteCount.qemuSize(below))" }
        var arguments: [String] = []
        if fileBacked { machine += ",memory-backend=ls-ram" }
        arguments += ["-machine", machine]
        var memory = "size=\(ByteCount.qemuSize(knobs.ramSize))"
        if let maxmem = knobs.maxmem { memory += ",slots=\(knobs.slots),maxmem=\(ByteCount.qemuSize(maxmem))" }
        arguments += ["-m", memory]
        // phys-bits pinned and host-phys-bits off: with `host`/`max` QEMU would otherwise copy each
        // host's width, and the map would differ from host to host. The vendor is pinned because an
        // AMD vCPU changes QEMU's derivation (1 TiB relocation).
        var cpu = "\(layout.vm.cpuModel),host-phys-bits=off,phys-bits=\(knobs.physBits)"
        if let vendor = layout.cpuVendor { cpu += ",vendor=\(vendor.cpuidString)" }
        arguments += ["-cpu", cpu]
        if let hole = knobs.pciHole64Size {
            arguments += ["-global", "\(knobs.chipset.hostBridge).pci-hole64-size=\(ByteCount.qemuSize(hole))"]
        }
        // OVMF ignores pci-hole64 and places its own 64-bit aperture (OVMFAperture); SeaBIOS reads
        // no opt/ovmf/ file, so the argument is harmless there.
        if let mib = OVMFAperture.steeringSizeMiB(for: layout) {
            arguments += ["-fw_cfg", "name=\(OVMFAperture.fwCfgName),string=\(mib)"]
        }
        if case .file(let folder, let shared) = backing {
            arguments += ["-object", QEMUArguments.fileBackend(id: "ls-ram", size: knobs.ramSize, folder: folder, shared: shared)]
        }
        arguments += QEMUArguments.dimmArguments(knobs.dimms, backing: backing)
        return arguments
    }

    package func knobsJSON(_ knobs: MachineKnobs) -> JSONOutput {
        guard let q35 = knobs.pc else { return .null }
        return .object([
            ("ram_size", .hex(q35.ramSize)),
            ("max_ram_below_4g", .optionalHex(q35.maxRamBelow4G)),
            ("maxmem", .optionalHex(q35.maxmem)),
            ("slots", .integer(q35.slots)),
            ("pci_hole64_size", .optionalHex(q35.pciHole64Size)),
            ("phys_bits", .integer(q35.physBits)),
            ("dimms", DIMM.json(q35.dimms)),
            ("hotplug", DIMM.json(q35.hotplugPlan)),
        ])
    }

    package func readKnobs(_ knobs: inout ObjectReader, machineType: String, vm: VMSpec, physBits: Int, vendor: CPUVendor?) throws -> MachineKnobs {
        let common = try MemoryKnobs.read(&knobs, vm: vm)
        let result = PCMachineKnobs(
            chipset: chipset, machineType: machineType, ramSize: common.ramSize,
            maxRamBelow4G: try knobs.optional("max_ram_below_4g")?.quantity("max-ram-below-4g"), maxmem: common.maxmem, slots: common.slots,
            pciHole64Size: try knobs.optional("pci_hole64_size")?.quantity("pci-hole64-size"), physBits: physBits,
            vendor: vendor ?? .intel, enforceAMD1TiBHole: PCCompatibility.hasAMD1TiBRule(machineType: machineType), dimmAlignment: common.alignment,
            dimms: common.dimms, hotplugPlan: common.hotplugPlan)
        _ = try knobs.optional("phys_bits")
        return .pc(result)
    }

    /// hw/i386/pc.c pc_machine_device_pre_plug_cb: the x86 MSI window.
    package func virtioIOMMUWindow(_ knobs: MachineKnobs) -> AddressRange? {
        AddressRange(start: C.APIC_DEFAULT_ADDRESS, last: 0xfeef_ffff)
    }

    package func planner(fleet: Fleet, spec: VMSpec) -> any MachinePlanner { PCPlanner(fleet: fleet, spec: spec) }
}
