import LayoutCore
import LayoutMachines
import LayoutPlacement

/// A rendering of a verified layout (the QEMU arguments or the libvirt XML) that does not read back
/// into the knobs the exact verifier checked: a bug in this tool, never printed as an answer. Like
/// ``VerifierRejectedLayout`` it is an internal error (exit code 70, error kind `internal`).
public struct RenderingDisagrees: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which rendering failed to read back.
    public enum Rendering: String, Sendable, Equatable {
        case qemuArguments = "QEMU arguments"
        case libvirtXML = "libvirt XML"
    }

    public var rendering: Rendering
    /// The knob that differs (`maxmem`, `DIMM 1 address`, `phys-bits`, …).
    public var field: String
    /// What the rendering reads back as (at most ~80 characters).
    public var rendered: String
    /// What the verified layout says.
    public var verified: String
    /// The (synthetic) host the rendering was read on, when the reading depends on the host.
    public var host: String?

    public var description: String {
        "internal error: rendering disagrees with the verified layout: \(field) rendered \(rendered), verified \(verified)"
            + " (in the \(rendering.rawValue)" + (host.map { ", read as QEMU on \($0) reads it" } ?? "") + "); please report this with the inputs"
    }
}

/// Reads every rendering of a verified layout back the way `layoutsolve verify` reads a user's
/// command line or domain (``QEMUArgumentParser``, ``LibvirtDomainReader``, then the machine's own
/// knob reading, `MachineModel.knobs(from:…)`) and compares, field by field, with the knobs the
/// exact verifier checked. The verifier checked the map; this checks that what is printed is that map.
///
/// Compared: what the renderers write. pc/q35: machine type, `-m` size, slots, maxmem,
/// max-ram-below-4g, pci-hole64-size, phys-bits (and that it is pinned), the vCPU vendor (pinned or
/// the host's), the cold DIMMs by order, address and size (not by id: libvirt names them `dimmN`),
/// the OVMF aperture fw_cfg entry. virt: machine type, sizes, slots, maxmem, gic-version, the
/// `highmem-*=off` switches, highmem-mmio-size, firmware (the ACPI GED DIMMs need), cold DIMMs.
/// Both: the CPU model, the memory backing (hugepage files at the mount, or anonymous; libvirt: the
/// hugepage size), the virtio-iommu device with its `aw-bits` and the MSI window the machine tells
/// it, and the planned hot-add DIMMs of the HMP commands (QEMU arguments only: libvirt's are
/// comments and separate attach-device files).
///
/// Not compared, because no rendering carries them: the hot-add plan in the command line itself
/// (slots and maxmem are), `dimmAlignment` (QEMU takes the backend's page size; only libvirt's
/// hugepage size says it), `enforceAMD1TiBHole` and `compactHighmem` (functions of the machine type
/// and QEMU version, which are compared), virt's `ipaBits` (under KVM the host's IPA limit,
/// hw/arm/virt.c virt_kvm_type), and the virtio-iommu reserved regions other than the machine's own
/// window (QEMU cannot be told them; VIOMMUPlan).
public enum RenderingCheck {
    /// Checks the QEMU arguments (and hot-add commands) and, for machines libvirt output is
    /// written for, the libvirt XML of a verified layout.
    /// - Throws: ``RenderingDisagrees`` when a rendering does not read back into the layout.
    public static func check(_ layout: VerifiedLayout, qemuOptions: QEMUArguments.Options = .init(), vcpus: Int = 1) throws {
        try check(layout.guest, qemuOptions: qemuOptions, vcpus: vcpus)
    }

    /// Checks the QEMU arguments and HMP hot-add commands a layout prints with `qemuOptions` (what
    /// `--format qemu`, `json` and `text` and request mode print).
    public static func checkQEMU(_ layout: VerifiedLayout, qemuOptions: QEMUArguments.Options = .init()) throws {
        try qemu(layout.guest, options: qemuOptions)
    }

    /// Checks libvirt XML printed for a layout (a fragment, or the VM's domain with it merged in).
    public static func checkLibvirt(_ xml: String, of layout: VerifiedLayout) throws {
        try libvirt(xml, layout: layout.guest)
    }

    package static func check(_ layout: GuestLayout, qemuOptions: QEMUArguments.Options = .init(), vcpus: Int = 1) throws {
        try qemu(layout, options: qemuOptions)
        // LibvirtXML refuses machines and settings it cannot express (an InputError); the command
        // reports that itself when libvirt output is asked for, and there is nothing to check.
        let xml: String
        do { xml = try LibvirtXML.document(for: layout, options: .init(vcpus: max(vcpus, 1))) } catch is InputError { return }
        try libvirt(xml, layout: layout)
    }

    /// Test seam (package only): a change applied to the printed QEMU arguments before they are
    /// read back, standing for a renderer bug, so a test can show that the real answer path runs
    /// the check (``SolveRequest``'s respond) without a mock of anything.
    @TaskLocal package static var tamperForTesting: (@Sendable ([String]) -> [String])? = nil

    /// The QEMU arguments and the HMP hot-add commands the layout prints with `options`.
    package static func qemu(_ layout: GuestLayout, options: QEMUArguments.Options) throws {
        var argv = QEMUArguments.argv(for: layout, options: options)
        if let tamper = tamperForTesting { argv = tamper(argv) }
        try qemu(argv, hotAdd: HotplugCommands.hmp(for: layout, options: options), layout: layout, options: options)
    }

    /// `argv` (and the HMP commands `hotAdd`, applied after it) must read back into `layout`.
    package static func qemu(_ argv: [String], hotAdd: [String] = [], layout: GuestLayout, options: QEMUArguments.Options = .init()) throws {
        let rendering = RenderingDisagrees.Rendering.qemuArguments
        let arguments = try read(rendering, layout: layout) { try QEMUArgumentParser.parse(arguments: argv, source: "printed QEMU arguments") }
        try compare(arguments, rendering: rendering, layout: layout, expectedBacking: options.effectiveBacking(for: layout.vm))
        // Planned DIMMs: `object_add X` / `device_add Y` are what `-object X` / `-device Y` are at start.
        let planned = layout.knobs.hotplugPlan
        guard !planned.isEmpty || !hotAdd.isEmpty else { return }
        var afterHotAdd = argv
        for command in hotAdd {
            if command.hasPrefix("object_add ") { afterHotAdd += ["-object", String(command.dropFirst("object_add ".count))] }
            else if command.hasPrefix("device_add ") { afterHotAdd += ["-device", String(command.dropFirst("device_add ".count))] }
            else { throw RenderingDisagrees(rendering: rendering, field: "hot-add command", rendered: clip(command), verified: "object_add or device_add") }
        }
        let all = try read(rendering, layout: layout) { try QEMUArgumentParser.parse(arguments: afterHotAdd, source: "printed hot-add commands") }
        let added = try read(rendering, layout: layout) { try all.memoryDevices().placed }.dropFirst(layout.knobs.dimms.count)
        try compareDIMMs(Array(added), planned, what: "planned DIMM", rendering: rendering, host: nil)
    }

    /// The libvirt domain `xml` must read back into `layout`.
    package static func libvirt(_ xml: String, layout: GuestLayout) throws {
        let rendering = RenderingDisagrees.Rendering.libvirtXML
        let (arguments, version) = try read(rendering, layout: layout) { try LibvirtDomainReader.read(xml, source: "printed libvirt XML") }
        if let version, version != layout.qemu {
            throw RenderingDisagrees(rendering: rendering, field: "QEMU version", rendered: version.description, verified: layout.qemu.description)
        }
        try compare(arguments, rendering: rendering, layout: layout, expectedBacking: nil)
    }

    static func read<T>(_ rendering: RenderingDisagrees.Rendering, layout: GuestLayout, _ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            throw RenderingDisagrees(rendering: rendering, field: "the rendering", rendered: "unreadable (\(clip("\(error)")))", verified: "readable")
        }
    }

    /// The hosts a rendering is read on: synthetic, since only the vendor and the CPU width reach the
    /// knobs. x86 reads on both vendors and on a second width, so a vendor or phys-bits the
    /// rendering leaves to the host shows; virt on a host of the layout's own IPA width (under KVM
    /// the map follows the host's limit by design, and ipa_bits is not printed).
    package static func readingHosts(for layout: GuestLayout) -> [HostProfile] {
        let model = layout.knobs.model
        let vendors: [HostCPUVendor] = model.takesHostVendor ? [.intel, .amd] : [model.architecture == .aarch64 ? .arm : .intel]
        let widths: [Int] = layout.knobs.virt.map { [$0.ipaBits] } ?? [layout.physBits, layout.physBits == 52 ? 40 : 52]
        return vendors.flatMap { vendor in
            widths.map { bits in
                HostProfile(name: "a \(vendor.rawValue) host with \(bits)-bit addresses", arch: model.architecture, cpuVendor: vendor, cpuPhysBits: bits,
                            iommuKind: .other, iommuAddressBits: 64)
            }
        }
    }

    static func compare(_ arguments: QEMUMemoryArguments, rendering: RenderingDisagrees.Rendering, layout: GuestLayout, expectedBacking: QEMUArguments.Options.Backing?) throws {
        func differ(_ field: String, _ rendered: String, _ verified: String, host: String? = nil) throws {
            guard rendered != verified else { return }
            throw RenderingDisagrees(rendering: rendering, field: field, rendered: clip(rendered), verified: clip(verified), host: host)
        }
        try differ("machine type", arguments.machineType, layout.machineType)
        try differ("CPU model", cpuModelName(arguments.cpuModel ?? layout.knobs.model.defaultCPUModel), cpuModelName(layout.vm.cpuModel))
        try compareBacking(arguments, rendering: rendering, layout: layout, expected: expectedBacking, differ: { try differ($0, $1, $2) })
        // virtio-iommu: the device, its aw-bits (QEMU 9.0+), and below the window the machine tells it.
        try differ("virtio-iommu device", arguments.virtioIOMMU == nil ? "absent" : "present", layout.viommu == nil ? "absent" : "present")
        if let viommu = layout.viommu {
            try differ("virtio-iommu aw-bits", arguments.virtioIOMMU?["aw-bits"] ?? "unset", viommu.addressBits.map(String.init) ?? "unset")
        }
        if layout.knobs.pc != nil {
            let fwCfg = arguments.firmwareConfig[OVMFAperture.fwCfgName]
            try differ("OVMF aperture (fw_cfg \(OVMFAperture.fwCfgName))", fwCfg ?? "unset", OVMFAperture.steeringSizeMiB(for: layout).map(String.init) ?? "unset")
        }

        // What needs no host, compared before QEMU's rules run on it, so a DIMM QEMU would refuse
        // (moved out of device memory) or a DIMM without the ACPI GED is still named as such.
        let devices = try read(rendering, layout: layout) { try arguments.memoryDevices() }
        try differ("DIMMs QEMU places itself (no addr=)", String(devices.automatic.count), "0")
        try compareDIMMs(devices.placed, layout.knobs.dimms, what: "DIMM", rendering: rendering, host: nil)
        if let virt = layout.knobs.virt, rendering == .qemuArguments || virt.firmwareLoaded {
            try differ("firmware (-bios, for the ACPI GED)", String(arguments.firmwareLoaded), String(virt.firmwareLoaded))
        }

        let model = layout.knobs.model
        var spec = layout.vm
        spec.ram = arguments.ramSize
        spec.maxmem = arguments.maxmem
        spec.slots = arguments.slots
        spec.cpuModel = arguments.cpuModel ?? model.defaultCPUModel
        for host in readingHosts(for: layout) {
            let knobs: MachineKnobs
            do {
                knobs = try model.knobs(from: arguments, versionedType: arguments.machineType, on: host, vm: spec)
            } catch {
                throw RenderingDisagrees(rendering: rendering, field: "the rendering", rendered: "refused by QEMU's rules (\(clip("\(error)")))", verified: "accepted", host: host.name)
            }
            try compareKnobs(knobs, layout: layout, host: host, rendering: rendering) { try differ($0, $1, $2, host: host.name) }
            if let viommu = layout.viommu {
                try differ("virtio-iommu reserved region (the machine's MSI window)", window(model.virtioIOMMUWindow(knobs)), window(viommu.machineWindow), host: host.name)
            }
        }
    }

    static func compareKnobs(_ knobs: MachineKnobs, layout: GuestLayout, host: HostProfile, rendering: RenderingDisagrees.Rendering,
                             differ: (String, String, String) throws -> Void) throws {
        if let verified = layout.knobs.pc {
            guard let read = knobs.pc else { return try differ("machine", "not pc/q35", "pc/q35") }
            try differ("ram (-m size)", size(read.ramSize), size(verified.ramSize))
            try differ("max-ram-below-4g", optional(read.maxRamBelow4G), optional(verified.maxRamBelow4G))
            try differ("maxmem", optional(read.maxmem), optional(verified.maxmem))
            try differ("slots", String(read.slots), String(verified.slots))
            try differ("pci-hole64-size", optional(read.pciHole64Size), optional(verified.pciHole64Size))
            try differ("phys-bits", String(read.physBits), String(verified.physBits))
            // An unpinned vendor is each host's: the layout was verified for either.
            try differ("CPU vendor", read.vendor.rawValue, (layout.cpuVendor ?? host.vendor ?? .intel).rawValue)
            try compareDIMMs(read.dimms, verified.dimms, what: "DIMM", rendering: rendering, host: host.name)
        } else if let verified = layout.knobs.virt {
            guard let read = knobs.virt else { return try differ("machine", "not virt", "virt") }
            try differ("ram (-m size)", size(read.ramSize), size(verified.ramSize))
            try differ("maxmem", optional(read.maxmem), optional(verified.maxmem))
            try differ("slots", String(read.slots), String(verified.slots))
            try differ("gic-version", String(read.gicVersion), String(verified.gicVersion))
            try differ("highmem-*=off", read.disabledHighRegions.map(\.property).sorted().joined(separator: ","), verified.disabledHighRegions.map(\.property).sorted().joined(separator: ","))
            try differ("highmem-mmio-size", optional(read.highMMIOSize), optional(verified.highMMIOSize))
            // libvirt always boots aarch64 domains with UEFI (LibvirtVirtXML): firmware the layout
            // does not need changes no address; firmware it needs (the ACPI GED for DIMMs) must be there.
            if rendering == .qemuArguments || verified.firmwareLoaded {
                try differ("firmware (-bios, for the ACPI GED)", String(read.firmwareLoaded), String(verified.firmwareLoaded))
            }
            try compareDIMMs(read.dimms, verified.dimms, what: "DIMM", rendering: rendering, host: host.name)
        }
    }

    /// By order, address and size: ids differ between renderings (libvirt names DIMMs `dimmN`).
    static func compareDIMMs(_ read: [DIMM], _ verified: [DIMM], what: String, rendering: RenderingDisagrees.Rendering, host: String?) throws {
        func differ(_ field: String, _ rendered: String, _ expected: String) throws {
            guard rendered != expected else { return }
            throw RenderingDisagrees(rendering: rendering, field: field, rendered: rendered, verified: expected, host: host)
        }
        try differ("\(what) count", String(read.count), String(verified.count))
        for (index, (left, right)) in zip(read, verified).enumerated() {
            try differ("\(what) \(index) address", Hex.format(left.address), Hex.format(right.address))
            try differ("\(what) \(index) size", size(left.size), size(right.size))
        }
    }

    /// Boot RAM and every DIMM backed as the options say (QEMU arguments), or with the VM's hugepage
    /// size (libvirt: the DIMMs' page size, which the reader turns into the backends' `align`).
    static func compareBacking(_ arguments: QEMUMemoryArguments, rendering: RenderingDisagrees.Rendering, layout: GuestLayout,
                               expected: QEMUArguments.Options.Backing?, differ: (String, String, String) throws -> Void) throws {
        let dimmBackends = arguments.dimms.compactMap { device in arguments.backends.first { $0.id == device.memdev } }
        guard let expected else {
            if !dimmBackends.isEmpty {
                let aligns = Set(dimmBackends.map { $0.align.map(size) ?? "none" })
                try differ("hugepage size", aligns.sorted().joined(separator: ","), layout.vm.ramAlign.map(size) ?? "none")
            }
            return
        }
        func describe(_ backend: QEMUMemoryArguments.MemoryBackend?) -> String {
            guard let backend, backend.type != "memory-backend-ram" else { return "anonymous" }
            return "\(backend.type) mem-path=\(backend.memPath ?? "unset") share=\(backend.share ?? "unset")"
        }
        let verified: String
        switch expected {
        case .anonymous: verified = "anonymous"
        case .file(let folder, let shared): verified = "memory-backend-file mem-path=\(folder) share=\(shared ? "on" : "off")"
        }
        let boot = arguments.machineProperties["memory-backend"].flatMap { id in arguments.backends.first { $0.id == id } }
        try differ("boot RAM backing", describe(boot), verified)
        if let boot { try differ("boot RAM backend size", size(boot.size), size(arguments.ramSize)) }
        for (index, backend) in dimmBackends.enumerated() {
            try differ("DIMM \(index) backing", describe(backend), verified)
        }
    }

    /// libvirt's names for the models QEMU calls host and max (LibvirtXML.cpuKind).
    static func cpuModelName(_ model: String) -> String {
        switch model {
        case "host-passthrough": return "host"
        case "maximum": return "max"
        default: return model
        }
    }

    static func size(_ value: UInt64) -> String { "\(Hex.format(value)) (\(ByteCount.format(value)))" }
    static func optional(_ value: UInt64?) -> String { value.map(size) ?? "unset" }
    static func window(_ range: AddressRange?) -> String { range.map { "\(Hex.format($0.start))-\(Hex.format($0.last))" } ?? "none" }

    /// At most ~80 characters of a value in a message.
    static func clip(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(80)) + "…" : text
    }
}
