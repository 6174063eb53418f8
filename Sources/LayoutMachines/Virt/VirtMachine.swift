import LayoutCore

extension MachineKnobs {
    /// Knobs of an Arm virt layout.
    package static func virt(_ knobs: VirtKnobs) -> MachineKnobs { MachineKnobs(knobs) }
    /// The virt knobs, when the layout is for virt.
    package var virt: VirtKnobs? { value as? VirtKnobs }
}

extension VirtKnobs: MachineKnobSet {
    package var model: any MachineModel { VirtMachine() }
}

extension MachineKind {
    /// Arm `virt`.
    public static let virt = MachineKind(rawValue: "virt")
}

/// Arm `virt` (hw/arm/virt.c): RAM from 1 GiB, device memory and the high regions after it.
package struct VirtMachine: MachineModel {
    package typealias C = VirtConstants

    package init() {}

    package var kind: MachineKind { .virt }
    package var architecture: HostProfile.Architecture { .aarch64 }
    package var addressWidthName: String { "IPA bits" }
    package var takesHostVendor: Bool { false }
    package var defaultCPUModel: String { "host" }

    package func recognizes(machineType: String) -> Bool { machineType == "virt" || machineType.hasPrefix("virt-") }
    package func machineType(for qemu: QEMUVersion) -> String { "virt-\(qemu)" }

    package func layout(knobs: MachineKnobs, vm: VMSpec, cpuVendorPinned: Bool) throws -> GuestLayout {
        guard let knobs = knobs.virt else { throw QEMURejection("knobs are not virt knobs") }
        let derivation = try VirtModel.derive(knobs)
        return GuestLayout(
            machine: .virt, machineType: knobs.machineType, qemu: vm.qemu, vm: vm, physBits: max(derivation.highestGPA.bitsToAddress, 32),
            cpuVendor: nil, knobs: .virt(knobs), regions: VirtModel.regions(of: derivation, gicVersion: knobs.gicVersion, p2p: vm.p2p),
            topAddress: derivation.highestGPA, notes: [])
    }

    /// virt has no vendor rule: the printed layout is the layout on every host.
    package func layout(_ layout: GuestLayout, on host: HostProfile) throws -> GuestLayout { layout }

    package func knobs(from arguments: QEMUMemoryArguments, versionedType: String, on host: HostProfile, vm: VMSpec) throws -> MachineKnobs {
        let (dimms, automatic, alignment) = try arguments.memoryDevices()
        var knobs = VirtKnobs(
            machineType: versionedType, ramSize: arguments.ramSize, maxmem: arguments.maxmem, slots: arguments.slots,
            gicVersion: Int(arguments.machineProperties["gic-version"] ?? "3") ?? 3, ipaBits: host.cpuPhysBits,
            compactHighmem: VirtCompatibility.compactHighmem(qemu: vm.qemu), firmwareLoaded: arguments.firmwareLoaded,
            dimmAlignment: alignment, dimms: dimms)
        for region in VirtHighRegion.allCases {
            if let value = arguments.machineProperties[region.property], ["off", "false", "no"].contains(value) { knobs.disabledHighRegions.insert(region) }
        }
        knobs.highMMIOSize = try arguments.machineProperties["highmem-mmio-size"].map { try QEMUArgumentParser.qemuSize($0, option: "highmem-mmio-size", source: "--qemu-args") }
        knobs.dimms += try MemoryDevices.firstFit(automatic, after: dimms, in: try VirtModel.derive(knobs).deviceMemory, alignment: alignment)
        return .virt(knobs)
    }

    package func qemuArguments(for layout: GuestLayout, options: QEMUArguments.Options) -> [String] {
        guard let knobs = layout.knobs.virt else { return [] }
        let backing = options.effectiveBacking(for: layout.vm)
        // gic-version pinned: it decides where the guest's MSI doorbell is (ITS or GICv2m).
        var machine = "\(knobs.machineType),gic-version=\(knobs.gicVersion)"
        for region in knobs.disabledHighRegions.sorted() { machine += ",\(region.property)=off" }
        if let size = knobs.highMMIOSize { machine += ",highmem-mmio-size=\(ByteCount.qemuSize(size))" }
        if backing != .anonymous { machine += ",memory-backend=ls-ram" }
        var arguments = ["-machine", machine]
        var memory = "size=\(ByteCount.qemuSize(knobs.ramSize))"
        if let maxmem = knobs.maxmem { memory += ",slots=\(knobs.slots),maxmem=\(ByteCount.qemuSize(maxmem))" }
        arguments += ["-m", memory, "-cpu", layout.vm.cpuModel]
        if knobs.firmwareLoaded { arguments += ["-bios", options.armFirmware] }
        if case .file(let folder, let shared) = backing {
            arguments += ["-object", QEMUArguments.fileBackend(id: "ls-ram", size: knobs.ramSize, folder: folder, shared: shared)]
        }
        arguments += QEMUArguments.dimmArguments(knobs.dimms, backing: backing)
        return arguments
    }

    package func knobsJSON(_ knobs: MachineKnobs) -> JSONOutput {
        guard let virt = knobs.virt else { return .null }
        return .object([
            ("ram_size", .hex(virt.ramSize)),
            ("maxmem", .optionalHex(virt.maxmem)),
            ("slots", .integer(virt.slots)),
            ("gic_version", .integer(virt.gicVersion)),
            ("ipa_bits", .integer(virt.ipaBits)),
            ("dimms", DIMM.json(virt.dimms)),
            ("hotplug", DIMM.json(virt.hotplugPlan)),
        ] + (virt.disabledHighRegions.isEmpty ? [] : [("highmem_off", .array(virt.disabledHighRegions.sorted().map { .string($0.property) }))])
          + (virt.highMMIOSize.map { [("highmem_mmio_size", JSONOutput.hex($0))] } ?? []))
    }

    package func readKnobs(_ knobs: inout ObjectReader, machineType: String, vm: VMSpec, physBits: Int, vendor: CPUVendor?) throws -> MachineKnobs {
        let common = try MemoryKnobs.read(&knobs, vm: vm)
        let gic = try knobs.required("gic_version").integer(in: 2...4, what: "GIC version")
        let ipa = try knobs.required("ipa_bits").integer(in: 32...64, what: "IPA bits")
        var result = VirtKnobs(
            machineType: machineType, ramSize: common.ramSize, maxmem: common.maxmem, slots: common.slots, gicVersion: gic, ipaBits: ipa,
            compactHighmem: VirtCompatibility.compactHighmem(qemu: vm.qemu), firmwareLoaded: !(common.dimms + common.hotplugPlan).isEmpty,
            dimmAlignment: common.alignment, dimms: common.dimms, hotplugPlan: common.hotplugPlan)
        if let off = knobs.optional("highmem_off") {
            for element in try off.array() {
                let name = try element.string()
                guard let region = VirtHighRegion.allCases.first(where: { $0.property == name }) else {
                    throw element.expectation(VirtHighRegion.allCases.map(\.property).joined(separator: ", "))
                }
                result.disabledHighRegions.insert(region)
            }
        }
        result.highMMIOSize = try knobs.optional("highmem_mmio_size")?.quantity("highmem-mmio-size")
        return .virt(result)
    }

    /// hw/arm/virt.c virt_machine_device_pre_plug_cb: the ITS GITS_TRANSLATER page with GICv3,
    /// the GICv2m page with GICv2.
    package func virtioIOMMUWindow(_ knobs: MachineKnobs) -> AddressRange? {
        knobs.virt?.gicVersion == 2 ? C.VIRT_GIC_V2M_DOORBELL : C.VIRT_GIC_ITS_DOORBELL
    }

    package func planner(fleet: Fleet, spec: VMSpec) -> any MachinePlanner { VirtPlanner(fleet: fleet, spec: spec) }
}
