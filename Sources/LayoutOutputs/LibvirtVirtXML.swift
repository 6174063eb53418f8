import LayoutCore
import LayoutMachines
import LayoutPlacement

/// The libvirt domain of an Arm `virt` (aarch64) layout.
///
/// What libvirt 9.0 expresses natively for aarch64 (checked against libvirt 9.0.0 and
/// qemu-system-aarch64 7.2.22 with `virsh define`, `domxml-to-native` and a paused start):
/// - `<os><type arch='aarch64' machine='virt-X.Y'>`: the versioned machine type the layout is for;
/// - `<features><gic version='2|3'/>`: `-machine gic-version=N`, which decides where the guest's MSI
///   doorbell is (ITS or GICv2m);
/// - `<maxMemory>`, `<memory>`, the NUMA cell and `<memory model='dimm'>` with `<address base=…>`:
///   `-m size=,slots=,maxmem=` and `pc-dimm addr=`, as on x86;
/// - `<os firmware='efi'>` and `<features><acpi/>`: QEMU 7.2's virt creates the ACPI GED, without
///   which no pc-dimm can be plugged ("memory hotplug is not enabled: missing acpi-ged device"),
///   only when firmware is loaded AND ACPI is on (hw/arm/virt.c machvirt_init); libvirt writes
///   `-no-acpi` for aarch64 unless `<acpi/>` is given.
///
/// Not expressed: `<maxphysaddr>` (libvirt 9.0 refuses it for aarch64: "CPU maximum physical address
/// bits specification is not supported for 'aarch64' architecture"; the IPA width on Arm is the
/// host's limit under KVM, chosen by QEMU from the map's top, hw/arm/virt.c virt_kvm_type) and
/// `pcihole64` (x86 host bridges only). The 8.0+ `highmem-redists/ecam/mmio=off` and the 10.0+
/// `highmem-mmio-size` have no libvirt 9.0 element: they go to `<qemu:commandline>` as a second
/// `-machine`, which QEMU merges into libvirt's.
extension LibvirtXML {
    /// QEMU 7.2's 64-bit Arm CPU models (`qemu-system-aarch64 -cpu help`, the ones virt can run)
    /// plus libvirt's modes; libvirt 9.0 passes a custom aarch64 model to `-cpu` unchecked.
    package static let aarch64CPUModels: Set<String> = [
        "a64fx", "cortex-a35", "cortex-a53", "cortex-a57", "cortex-a72", "cortex-a76", "neoverse-n1",
    ]

    /// The GIC versions libvirt 9.0 can name (`<gic version>`: 2, 3 or host; host is each host's own).
    package static let libvirtGICVersions: Set<Int> = [2, 3]

    package static func virt(_ knobs: VirtKnobs, layout: GuestLayout, options: Options) throws -> String {
        guard options.vcpus >= 1 else { throw InputError(source: "vcpus", message: "a domain needs at least one vCPU") }
        guard libvirtGICVersions.contains(knobs.gicVersion) else {
            throw InputError(source: "--format libvirt", message: "the layout is for GIC version \(knobs.gicVersion), which libvirt 9.0's <gic version> cannot name (2, 3 or host); use --format qemu")
        }
        try checkAarch64CPU(layout.vm.cpuModel)
        var xml = XMLLines()
        let name = layout.vm.name.map { "VM \($0)" } ?? "the VM"
        // The same virtio-iommu -device as the QEMU arguments (as pc's qemuArguments adds it); it was
        // missing here until RenderingCheck read the XML back.
        let extra = virtQEMUArguments(knobs) + (layout.viommu.map { ["-device", $0.deviceJSON] } ?? [])
        xml.comment("layoutsolve \(LayoutSolverVersion.current): the guest memory layout of \(name) (\(layout.machineType), aarch64, guest IPA bits \(layout.physBits)). Every memory, GIC and DIMM value below is part of the verified layout.")
        for line in LibvirtGuarantees.comments(for: layout, hasCommandline: !extra.isEmpty) { xml.comment(line) }
        xml.open("domain", [("type", options.domainType), ("xmlns:qemu", qemuNamespace)])
        xml.element("name", text: options.name ?? layout.vm.name ?? "layoutsolve-vm")

        try memoryElements(&xml, ramSize: knobs.ramSize, dimms: knobs.dimms, maxmem: knobs.maxmem, slots: knobs.slots, pageSize: layout.vm.ramAlign)
        xml.element("vcpu", [("placement", "static")], text: String(options.vcpus))
        // UEFI (libvirt picks the firmware from its descriptors, e.g. Debian's AAVMF) and ACPI: what
        // aarch64 guests boot with, and on QEMU 7.2 the condition for the ACPI GED that DIMMs need.
        xml.open("os", [("firmware", "efi")])
        xml.element("type", [("arch", "aarch64"), ("machine", knobs.machineType)], text: "hvm")
        xml.close("os")
        xml.open("features")
        xml.element("acpi")
        xml.element("gic", [("version", String(knobs.gicVersion))])
        xml.close("features")

        xml.open("cpu", cpuMode(layout.vm.cpuModel))
        if case .custom(let model) = cpuKind(layout.vm.cpuModel) {
            xml.element("model", [("fallback", "forbid")], text: model)
        }
        if knobs.maxmem != nil {
            xml.comment("libvirt needs a NUMA cell for memory hotplug; cpus must list every vCPU of the domain (give their number to layoutsolve as vcpus)")
            xml.open("numa")
            let cpus = options.vcpus == 1 ? "0" : "0-\(options.vcpus - 1)"
            xml.element("cell", [("id", "0"), ("cpus", cpus), ("memory", try kib(knobs.ramSize, "boot RAM")), ("unit", "KiB")])
            xml.close("numa")
        }
        xml.close("cpu")

        if !knobs.dimms.isEmpty {
            xml.open("devices")
            for (slot, dimm) in knobs.dimms.enumerated() {
                xml.comment("\(dimm.id): \(ByteCount.format(dimm.size)) at \(Hex.format(dimm.address)), placed to step over a host hole")
                try dimmElement(&xml, size: dimm.size, base: dimm.address, slot: slot, pageSize: layout.vm.ramAlign)
            }
            xml.close("devices")
        }
        for dimm in knobs.hotplugPlan {
            xml.comment("planned hot-add \(dimm.id), \(ByteCount.format(dimm.size)) at \(Hex.format(dimm.address)): later, virsh attach-device DOMAIN FILE --live with the file layoutsolve writes for it (--libvirt-hotplug-dir)")
        }
        commandlineElement(&xml, extra)
        xml.close("domain")
        return xml.text
    }

    /// One `<memory model='dimm'>` at a fixed slot and base (qemuBuildMemoryDeviceProps: `pc-dimm addr=`).
    package static func dimmElement(_ xml: inout XMLLines, size: UInt64, base: UInt64, slot: Int, pageSize: UInt64?) throws {
        xml.open("memory", [("model", "dimm")])
        if let pageSize {
            xml.open("source")
            xml.element("pagesize", [("unit", "KiB")], text: try kib(pageSize, "ram_align"))
            xml.close("source")
        }
        xml.open("target")
        xml.element("size", [("unit", "KiB")], text: try kib(size, "DIMM size"))
        xml.element("node", text: "0")
        xml.close("target")
        xml.element("address", [("type", "dimm"), ("slot", String(slot)), ("base", Hex.format(base))])
        xml.close("memory")
    }

    /// The virt knobs libvirt 9.0 has no element for; the same spelling as the QEMU arguments.
    package static func virtQEMUArguments(_ knobs: VirtKnobs) -> [String] {
        var arguments: [String] = []
        for region in knobs.disabledHighRegions.sorted() {
            arguments += ["-machine", "\(region.property)=off"]
        }
        if let size = knobs.highMMIOSize {
            arguments += ["-machine", "highmem-mmio-size=\(ByteCount.qemuSize(size))"]
        }
        return arguments
    }

    /// libvirt on aarch64: host-passthrough (KVM), maximum (`-cpu max`) or a named 64-bit model.
    /// host-model is refused: libvirt 9.0 cannot expand it for aarch64 (no CPU map for Arm hosts).
    static func checkAarch64CPU(_ model: String) throws {
        switch cpuKind(model) {
        case .hostLike(let mode) where mode == "host-model":
            throw InputError(source: "cpu_model", message: "libvirt 9.0 has no host-model for aarch64; use host (host-passthrough), max or a named model")
        case .hostLike:
            return
        case .custom(let name):
            guard aarch64CPUModels.contains(name) else {
                throw InputError(source: "cpu_model", message: "\"\(name.prefix(80))\" is not a QEMU 7.2 64-bit Arm CPU model (qemu-system-aarch64 -cpu help: \(aarch64CPUModels.sorted().joined(separator: ", "))) nor host, max or host-passthrough")
            }
        }
    }
}
