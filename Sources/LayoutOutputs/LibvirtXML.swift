import LayoutCore
import LayoutMachines
import LayoutPlacement
import Foundation

/// The libvirt domain XML that makes libvirt start QEMU with the verified layout.
///
/// The answer is a `<domain>` holding only the elements the layout decides, to be merged into the
/// VM's own domain (which adds the name, vCPUs, disks, the assigned devices, …). What libvirt has
/// no element for is passed in `<qemu:commandline>`, which is why the root declares the `qemu`
/// namespace.
public enum LibvirtXML {
    /// The namespace of libvirt's `<qemu:commandline>`, declared on the answer's `<domain>`.
    package static let qemuNamespace = "http://libvirt.org/schemas/domain/qemu/1.0"

    /// What the layout does not decide but the XML must say.
    package struct Options: Sendable, Equatable {
        /// vCPUs of the domain: libvirt needs a NUMA cell for memory hotplug, and the cell must
        /// list every vCPU.
        package var vcpus: Int
        /// The domain's `<name>`; nil names it after the VM (or `layoutsolve-vm`).
        package var name: String?
        /// `kvm`, or `qemu` (TCG) for hosts without /dev/kvm.
        package var domainType: String

        /// One vCPU unless told otherwise.
        package init(vcpus: Int = 1, name: String? = nil, domainType: String = "kvm") {
            self.vcpus = vcpus
            self.name = name
            self.domainType = domainType
        }
    }

    /// The `<domain>` of a pc, q35 or virt (aarch64, ``virt(_:layout:options:)``) layout, ending in a newline.
    ///
    /// Throws ``InputError`` for a machine libvirt output is not written for, a virt setting libvirt
    /// 9.0 cannot name, or a size libvirt cannot hold exactly (not a whole number of KiB).
    /// The libvirt `<domain>` XML of a verified layout.
    /// - Parameter vcpus: vCPUs of the domain: libvirt needs a NUMA cell for memory hotplug, and the
    ///   cell must list every vCPU.
    public static func document(for layout: VerifiedLayout, vcpus: Int = 1) throws -> String {
        try document(for: layout.guest, options: Options(vcpus: vcpus))
    }

    package static func document(for layout: GuestLayout, options: Options = .init()) throws -> String {
        if let virtKnobs = layout.knobs.virt { return try virt(virtKnobs, layout: layout, options: options) }
        guard let knobs = layout.knobs.pc else {
            throw InputError(source: "--format libvirt", message: "libvirt XML is written for the q35, pc and virt machines; for \(layout.machine.rawValue) use --format qemu or --format json")
        }
        return try pc(knobs, layout: layout, options: options)
    }

    package static func pc(_ knobs: PCMachineKnobs, layout: GuestLayout, options: Options) throws -> String {
        guard options.vcpus >= 1 else { throw InputError(source: "vcpus", message: "a domain needs at least one vCPU") }
        var xml = XMLLines()
        let name = layout.vm.name.map { "VM \($0)" } ?? "the VM"
        xml.comment("layoutsolve \(LayoutSolverVersion.current): the guest memory layout of \(name) (\(layout.machineType), guest phys-bits \(layout.physBits)). Every memory, CPU and DIMM value below is part of the verified layout.")
        for line in LibvirtGuarantees.comments(for: layout, hasCommandline: !qemuArguments(knobs, layout: layout).isEmpty) { xml.comment(line) }
        xml.open("domain", [("type", options.domainType), ("xmlns:qemu", qemuNamespace)])
        // A complete domain: `virsh define` needs a name, and the NUMA cell lists these vCPUs.
        xml.element("name", text: options.name ?? layout.vm.name ?? "layoutsolve-vm")

        try memoryElements(&xml, ramSize: knobs.ramSize, dimms: knobs.dimms, maxmem: knobs.maxmem, slots: knobs.slots, pageSize: layout.vm.ramAlign)
        xml.element("vcpu", [("placement", "static")], text: String(options.vcpus))
        xml.open("os")
        xml.element("type", [("arch", "x86_64"), ("machine", knobs.machineType)], text: "hvm")
        xml.close("os")

        xml.open("cpu", cpuMode(layout.vm.cpuModel))
        if case .custom(let model) = cpuKind(layout.vm.cpuModel) {
            guard CPUModelNames.isKnown(model) else {
                throw InputError(source: "cpu_model", message: "\"\(model.prefix(80))\" is not a QEMU 7.2 x86 CPU model (qemu-system-x86_64 -cpu help) nor host, max, host-passthrough or host-model")
            }
            xml.element("model", [("fallback", "forbid")], text: model)
        }
        xml.element("maxphysaddr", [("mode", "emulate"), ("bits", String(knobs.physBits))])
        if knobs.maxmem != nil {
            // libvirt refuses memory hotplug (maxMemory, DIMMs) without a guest NUMA node; one node
            // holding all boot RAM leaves QEMU's map unchanged.
            xml.comment("libvirt needs a NUMA cell for memory hotplug; cpus must list every vCPU of the domain (give their number to layoutsolve as vcpus)")
            xml.open("numa")
            let cpus = options.vcpus == 1 ? "0" : "0-\(options.vcpus - 1)"
            xml.element("cell", [("id", "0"), ("cpus", cpus), ("memory", try kib(knobs.ramSize, "boot RAM")), ("unit", "KiB")])
            xml.close("numa")
        }
        xml.close("cpu")

        if knobs.pciHole64Size != nil || !knobs.dimms.isEmpty {
            xml.open("devices")
            if let hole = knobs.pciHole64Size {
                xml.open("controller", [("type", "pci"), ("index", "0"), ("model", knobs.chipset == .q35 ? "pcie-root" : "pci-root")])
                xml.element("pcihole64", [("unit", "KiB")], text: try kib(hole, "pci_hole64"))
                xml.close("controller")
            }
            for (slot, dimm) in knobs.dimms.enumerated() {
                xml.comment("\(dimm.id): \(ByteCount.format(dimm.size)) at \(Hex.format(dimm.address)), placed to step over a host hole")
                xml.open("memory", [("model", "dimm")])
                if let align = layout.vm.ramAlign {
                    xml.open("source")
                    xml.element("pagesize", [("unit", "KiB")], text: try kib(align, "ram_align"))
                    xml.close("source")
                }
                xml.open("target")
                xml.element("size", [("unit", "KiB")], text: try kib(dimm.size, "DIMM size"))
                xml.element("node", text: "0")
                xml.close("target")
                xml.element("address", [("type", "dimm"), ("slot", String(slot)), ("base", Hex.format(dimm.address))])
                xml.close("memory")
            }
            xml.close("devices")
        }
        for (index, dimm) in knobs.hotplugPlan.enumerated() {
            // Planned DIMMs are not in the domain: they are hot-added later, at the planned base.
            var element = "<memory model='dimm'>"
            if let align = layout.vm.ramAlign { element += "<source><pagesize unit='KiB'>\(try kib(align, "ram_align"))</pagesize></source>" }
            element += "<target><size unit='KiB'>\(try kib(dimm.size, "DIMM size"))</size><node>0</node></target>"
            element += "<address type='dimm' slot='\(knobs.dimms.count + index)' base='\(Hex.format(dimm.address))'/></memory>"
            xml.comment("planned hot-add \(dimm.id), \(ByteCount.format(dimm.size)) at \(Hex.format(dimm.address)): later, virsh attach-device DOMAIN FILE (live) with FILE holding \(element)")
        }

        let extra = qemuArguments(knobs, layout: layout)
        commandlineElement(&xml, extra)
        xml.close("domain")
        return xml.text
    }

    /// What libvirt has no element for. QEMU merges a second `-machine` into the one libvirt
    /// writes, and x86 CPU properties are QOM globals, so `-global x86_64-cpu.…` reaches whichever
    /// CPU model libvirt starts (checked against QEMU 7.2 with qom-get).
    package static func qemuArguments(_ knobs: PCMachineKnobs, layout: GuestLayout) -> [String] {
        var arguments: [String] = []
        if let below = knobs.maxRamBelow4G {
            arguments += ["-machine", "max-ram-below-4g=\(ByteCount.qemuSize(below))"]
        }
        // libvirt's maxphysaddr mode='emulate' only adds phys-bits=; `host` and `max` turn on
        // host-phys-bits, which would replace it with each host's own width.
        if case .hostLike = cpuKind(layout.vm.cpuModel) {
            arguments += ["-global", "x86_64-cpu.host-phys-bits=off"]
        }
        // libvirt can pin a vendor only for a custom model (<vendor> there only checks the host).
        if let vendor = layout.cpuVendor {
            arguments += ["-global", "x86_64-cpu.vendor=\(vendor.cpuidString)"]
        }
        // OVMF's aperture size (OVMFAperture): libvirt 9.0 refuses opt/ovmf/ names in
        // <sysinfo type='fwcfg'> (src/qemu/qemu_validate.c, qemuValidateDomainDefSysinfo).
        if let mib = OVMFAperture.steeringSizeMiB(for: layout) {
            arguments += ["-fw_cfg", "name=\(OVMFAperture.fwCfgName),string=\(mib)"]
        }
        // The same -device as the QEMU arguments (aw-bits on 9.0+ targets), so both outputs agree.
        if let viommu = layout.viommu {
            arguments += ["-device", viommu.deviceJSON]
        }
        return arguments
    }

    package enum CPUKind: Equatable {
        case hostLike(mode: String)
        case custom(String)
    }

    package static func cpuKind(_ model: String) -> CPUKind {
        switch model {
        case "host", "host-passthrough": return .hostLike(mode: "host-passthrough")
        case "host-model": return .hostLike(mode: "host-model")
        case "max", "maximum": return .hostLike(mode: "maximum")
        default: return .custom(model)
        }
    }

    package static func cpuMode(_ model: String) -> [(String, String)] {
        switch cpuKind(model) {
        case .hostLike(let mode): return [("mode", mode)]
        case .custom: return [("mode", "custom"), ("match", "exact"), ("check", "none")]
        }
    }

    /// libvirt keeps memory sizes in KiB and rounds anything else up, which would change the map.
    package static func kib(_ bytes: UInt64, _ what: String) throws -> String {
        guard bytes % 1024 == 0 else {
            throw InputError(source: "--format libvirt", message: "\(what) \(bytes) bytes is not a whole number of KiB, which libvirt would round")
        }
        return String(bytes / 1024)
    }
}

/// Indented XML written line by line; attribute order is the order given, so output is stable.
package struct XMLLines {
    private(set) var text = ""
    private var depth = 0

    mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        line("<\(name)\(Self.attributes(attributes))>")
        depth += 1
    }

    package mutating func close(_ name: String) {
        depth -= 1
        line("</\(name)>")
    }

    package mutating func element(_ name: String, _ attributes: [(String, String)] = [], text content: String? = nil) {
        if let content {
            line("<\(name)\(Self.attributes(attributes))>\(XMLEscaping.text(content))</\(name)>")
        } else {
            line("<\(name)\(Self.attributes(attributes))/>")
        }
    }

    package mutating func comment(_ content: String) {
        line("<!-- \(XMLEscaping.comment(content)) -->")
    }

    private mutating func line(_ content: String) {
        text += String(repeating: "  ", count: depth) + content + "\n"
    }

    package static func attributes(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)='\(XMLEscaping.attribute($0.1))'" }.joined()
    }
}

package enum XMLEscaping {
    package static func text(_ value: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            default: result.append(character)
            }
        }
        return result
    }

    package static func attribute(_ value: String) -> String {
        text(value).replacingOccurrences(of: "'", with: "&apos;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// `--` may not appear inside a comment, nor may one end with `-`.
    package static func comment(_ value: String) -> String {
        var result = value
        while result.contains("--") { result = result.replacingOccurrences(of: "--", with: "- -") }
        if result.hasSuffix("-") { result += " " }
        return result
    }
}
