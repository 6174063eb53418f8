import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LayoutCore
import LayoutMachines
import LayoutPlacement

/// The VM's own libvirt domain (`virsh dumpxml`) with the verified layout merged in.
///
/// Kept from the domain: its type, name, uuid, vCPUs, CPU topology, features, every device that is
/// not a memory device (disks, NICs, hostdevs, …) and its own `<qemu:commandline>` arguments.
/// Replaced by the layout: maxMemory/memory/currentMemory, memoryBacking hugepages, the CPU's
/// mode/model/maxphysaddr/NUMA cell, the root controller's pcihole64 and the DIMMs. The machine type
/// is the domain's: the solve is made for that version (``facts(ofDomain:source:)``).
public enum LibvirtDomainMerge {
    /// What the solve must take from the domain.
    package struct DomainFacts: Sendable, Equatable {
        package var name: String
        package var vcpus: Int
        /// The VM's machine (q35 or pc) and QEMU version, from a versioned machine type.
        package var machine: MachineKind
        package var qemu: QEMUVersion
        package var machineType: String
        /// The CPU the domain shows its guest: a QEMU model name, or host / host-model / max for
        /// libvirt's modes; nil when the domain has no <cpu> (QEMU's default model).
        package var cpuModel: String?
    }

    package static func parse(_ xml: String, source: String) throws -> XMLDocument {
        do {
            return try XMLDocument(xmlString: xml, options: [])
        } catch {
            throw InputError(source: source, message: "not a libvirt domain XML document: \(error)")
        }
    }

    /// Reads name, vCPUs and machine type; refuses a machine type whose layout rules layoutsolve
    /// does not know (an unversioned alias, a distribution's type), because solving for another
    /// version would silently change the guest ABI.
    package static func facts(ofDomain xml: String, source: String) throws -> DomainFacts {
        let document = try parse(xml, source: source)
        guard let root = document.rootElement(), root.name == "domain" else {
            throw InputError(source: source, message: "the root element must be <domain> (the output of virsh dumpxml)")
        }
        guard let name = root.elements(forName: "name").first?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty else {
            throw InputError(source: source, path: "/domain/name", message: "the domain has no <name>")
        }
        guard let vcpuText = root.elements(forName: "vcpu").first?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines),
              let vcpus = Int(vcpuText), (1...4096).contains(vcpus) else {
            throw InputError(source: source, path: "/domain/vcpu", message: "the domain needs <vcpu> with 1 to 4096 vCPUs")
        }
        guard let type = root.elements(forName: "os").first?.elements(forName: "type").first else {
            throw InputError(source: source, path: "/domain/os/type", message: "the domain has no <os><type>")
        }
        let arch = type.attribute(forName: "arch")?.stringValue ?? "x86_64"
        guard arch == "x86_64" || arch == "aarch64" else {
            throw InputError(source: source, path: "/domain/os/type/@arch", message: "arch \(arch): merging is written for x86_64 q35/pc and aarch64 virt domains")
        }
        guard let machineType = type.attribute(forName: "machine")?.stringValue else {
            throw InputError(source: source, path: "/domain/os/type/@machine", message: "the domain names no machine type; virsh dumpxml always does")
        }
        let (machine, qemu) = try machineVersion(machineType, source: source)
        guard (arch == "aarch64") == (machine == .virt) else {
            throw InputError(source: source, path: "/domain/os/type/@arch", message: "arch \(arch) with machine type \(machineType): virt is the aarch64 machine, q35 and pc the x86_64 ones")
        }
        if machine == .virt { try LibvirtVirtDomain.checkMergeable(root, source: source) }
        var cpuModel: String?
        if let cpu = root.elements(forName: "cpu").first {
            switch cpu.attribute(forName: "mode")?.stringValue ?? "custom" {
            case "host-passthrough": cpuModel = "host"
            case "host-model": cpuModel = "host-model"
            case "maximum": cpuModel = "max"
            default: cpuModel = cpu.elements(forName: "model").first?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return DomainFacts(name: name, vcpus: vcpus, machine: machine, qemu: qemu, machineType: machineType, cpuModel: cpuModel)
    }

    /// `pc-q35-7.2` -> (q35, 7.2); `pc-i440fx-6.2` -> (pc, 6.2).
    package static func machineVersion(_ machineType: String, source: String) throws -> (MachineKind, QEMUVersion) {
        let path = "/domain/os/type/@machine"
        for (prefix, kind) in [("pc-q35-", "q35"), ("pc-i440fx-", "pc"), ("virt-", "virt")] where machineType.hasPrefix(prefix) {
            guard let version = QEMUVersion(String(machineType.dropFirst(prefix.count))) else {
                throw InputError(source: source, path: path, message: "machine type \(machineType) is not an upstream versioned type (a distribution's type has compatibility properties layoutsolve does not know); the layout cannot be guaranteed for it")
            }
            return (MachineKind(rawValue: kind), version)
        }
        if machineType == "q35" || machineType == "pc" || machineType == "virt" {
            throw InputError(source: source, path: path, message: "machine type \(machineType) is an alias whose version changes with QEMU; define the domain first (libvirt expands it) and merge into virsh dumpxml's output")
        }
        throw InputError(source: source, path: path, message: "machine type \(machineType): merging is written for pc-q35-X.Y, pc-i440fx-X.Y and virt-X.Y")
    }

    /// The whole domain with the layout merged in, ending in a newline.
    /// - Parameter fragment: ``LibvirtXML/document(for:options:)`` of the same layout, written for
    ///   the domain's vCPUs.
    package static func merge(fragment: String, into domainXML: String, source: String) throws -> String {
        let domain = try parse(domainXML, source: source)
        let layout = try parse(fragment, source: "--format libvirt")
        guard let root = domain.rootElement(), let ours = layout.rootElement() else {
            throw InputError(source: source, message: "the domain has no root element")
        }
        let owned = ["maxMemory", "memory", "currentMemory", "memoryBacking"]
        for name in owned { for element in root.elements(forName: name) { element.detach() } }

        // Top-level elements in libvirt's order: name, uuid, …, maxMemory, memory, currentMemory,
        // memoryBacking, vcpu. The schema wants them before <vcpu> (domaincommon.rng is an
        // interleave, but virsh dumpxml prints this order and readers expect it).
        var insertAt = root.children?.firstIndex { ($0 as? XMLElement)?.name == "vcpu" } ?? (root.childCount)
        for name in owned {
            for element in ours.elements(forName: name) {
                root.insertChild(copy(element), at: insertAt)
                insertAt += 1
            }
        }

        // The CPU: keep the domain's topology, features and cache; take mode, model, maxphysaddr
        // and numa from the layout.
        let ourCPU = ours.elements(forName: "cpu").first
        if let ourCPU {
            let kept = root.elements(forName: "cpu").first.map { cpu in
                (cpu.children ?? []).compactMap { $0 as? XMLElement }.filter { ["topology", "feature", "cache"].contains($0.name ?? "") }
            } ?? []
            let merged = copy(ourCPU)
            // libvirt's order: mode-dependent model, vendor, topology, cache, maxphysaddr, feature, numa.
            let numaIndex = merged.children?.firstIndex { ($0 as? XMLElement)?.name == "numa" } ?? merged.childCount
            for (offset, element) in kept.enumerated() { merged.insertChild(copy(element), at: numaIndex + offset) }
            if let old = root.elements(forName: "cpu").first {
                let index = old.index
                old.detach()
                root.insertChild(merged, at: index)
            } else {
                let index = root.children?.firstIndex { ["clock", "on_poweroff", "devices"].contains(($0 as? XMLElement)?.name ?? "") } ?? root.childCount
                root.insertChild(merged, at: index)
            }
        }

        // virt: the layout's GIC version and, when it has DIMMs, ACPI (LibvirtVirtDomain).
        try LibvirtVirtDomain.mergeFeatures(from: ours, into: root, source: source)

        // Devices: drop the domain's memory devices (the layout places all of them), add ours; set
        // the root controller's pcihole64.
        let devices: XMLElement
        if let existing = root.elements(forName: "devices").first {
            devices = existing
        } else {
            devices = XMLElement(name: "devices")
            root.addChild(devices)
        }
        for memory in devices.elements(forName: "memory") { memory.detach() }
        if let ourDevices = ours.elements(forName: "devices").first {
            for element in (ourDevices.children ?? []).compactMap({ $0 as? XMLElement }) {
                if element.name == "controller" {
                    let rootController = devices.elements(forName: "controller").first {
                        $0.attribute(forName: "type")?.stringValue == "pci" && $0.attribute(forName: "index")?.stringValue == "0"
                    }
                    if let rootController {
                        for hole in rootController.elements(forName: "pcihole64") { hole.detach() }
                        for hole in element.elements(forName: "pcihole64") { rootController.addChild(copy(hole)) }
                        continue
                    }
                }
                devices.addChild(copy(element))
            }
        }

        // qemu:commandline: the domain's own arguments stay; ours follow, with their reasons.
        let namespace = LibvirtXML.qemuNamespace
        if let ourLine = ours.children?.compactMap({ $0 as? XMLElement }).first(where: { $0.localName == "commandline" }) {
            if root.namespace(forPrefix: "qemu") == nil, let declaration = XMLNode.namespace(withName: "qemu", stringValue: namespace) as? XMLNode {
                root.addNamespace(declaration)
            }
            let existing = root.children?.compactMap({ $0 as? XMLElement }).first { $0.localName == "commandline" && $0.uri == namespace }
            let target: XMLElement
            if let existing {
                target = existing
            } else {
                target = XMLElement(name: "qemu:commandline", uri: namespace)
                root.addChild(target)
            }
            for child in ourLine.children ?? [] { target.addChild(copy(child)) }
        }

        // The layout's explanations (what it guarantees, what taints the domain) before <domain>;
        // written as text, FoundationXML refuses comment children on a document.
        var text = ""
        for comment in (layout.children ?? []) where comment.kind == .comment {
            text += "<!-- \(XMLEscaping.comment(comment.stringValue ?? "").trimmingCharacters(in: .whitespaces)) -->\n"
        }
        text += root.xmlString(options: [.nodePrettyPrint])
        return text.hasSuffix("\n") ? text : text + "\n"
    }

    private static func copy<Node: XMLNode>(_ node: Node) -> Node {
        // swift-corelibs-foundation's copy() keeps the type; a detached deep copy can be re-parented.
        (node.copy() as? Node) ?? node
    }

    /// One `virsh attach-device` file per planned hot-add DIMM, named after the DIMM.
    package static func hotplugFiles(for layout: GuestLayout) throws -> [(name: String, xml: String)] {
        let placed: Int, plan: [DIMM]
        if let knobs = layout.knobs.pc {
            (placed, plan) = (knobs.dimms.count, knobs.hotplugPlan)
        } else if let knobs = layout.knobs.virt {
            (placed, plan) = (knobs.dimms.count, knobs.hotplugPlan)
        } else {
            return []
        }
        var files: [(String, String)] = []
        for (index, dimm) in plan.enumerated() {
            var xml = XMLLines()
            xml.comment("layoutsolve: planned hot-add \(dimm.id), \(ByteCount.format(dimm.size)) at \(Hex.format(dimm.address)). virsh attach-device DOMAIN THIS-FILE --live (add --config to keep it)")
            xml.open("memory", [("model", "dimm")])
            if let align = layout.vm.ramAlign {
                xml.open("source")
                xml.element("pagesize", [("unit", "KiB")], text: try LibvirtXML.kib(align, "ram_align"))
                xml.close("source")
            }
            xml.open("target")
            xml.element("size", [("unit", "KiB")], text: try LibvirtXML.kib(dimm.size, "DIMM size"))
            xml.element("node", text: "0")
            xml.close("target")
            xml.element("address", [("type", "dimm"), ("slot", String(placed + index)), ("base", Hex.format(dimm.address))])
            xml.close("memory")
            let safe = String(dimm.id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
            files.append(("\(String(format: "%02d", index))-\(safe).xml", xml.text))
        }
        return files
    }
}
