import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LayoutCore
import LayoutMachines

/// Reads a libvirt domain (`virsh dumpxml`) into the QEMU memory arguments libvirt would start it
/// with, so `verify --libvirt-domain` checks the same knobs as `verify --qemu-args`.
///
/// The domain is translated into the argument forms libvirt 9.0 emits (qemu_command.c:
/// qemuBuildMemCommandLine, qemuBuildCpuCommandLine, qemuBuildMemoryDeviceProps,
/// qemuBuildGlobalControllerCommandLine) and read by ``QEMUArgumentParser``; the domain's own
/// `<qemu:commandline>` arguments follow, as libvirt appends them last.
public enum LibvirtDomainReader {
    /// The QEMU argument vector libvirt would build for the domain's memory map.
    package static func arguments(ofDomain xml: String, source: String) throws -> [String] {
        let document = try LibvirtDomainMerge.parse(xml, source: source)
        guard let root = document.rootElement(), root.name == "domain" else {
            throw InputError(source: source, message: "the root element must be <domain> (the output of virsh dumpxml)")
        }
        var argv: [String] = []
        guard let osType = root.elements(forName: "os").first?.elements(forName: "type").first,
              let machineType = osType.attribute(forName: "machine")?.stringValue else {
            throw InputError(source: source, path: "/domain/os/type/@machine", message: "the domain names no machine type; virsh dumpxml always does")
        }
        // aarch64 virt: <features><gic> is -machine gic-version=; without <acpi/> libvirt writes
        // -no-acpi and QEMU then has no ACPI GED for DIMMs (LibvirtVirtDomain).
        let virt = osType.attribute(forName: "arch")?.stringValue == "aarch64" ? try LibvirtVirtDomain.machineProperties(root, source: source) : nil
        argv += ["-machine", machineType + (virt?.properties ?? "")]
        let os = root.elements(forName: "os").first
        // UEFI: libvirt maps the loader as pflash (or -bios for type='rom'); on virt the ACPI GED depends on it.
        if os?.attribute(forName: "firmware")?.stringValue == "efi" || !(os?.elements(forName: "loader").isEmpty ?? true), virt?.gedPossible ?? true {
            argv += ["-bios", "libvirt-loader"]
        }

        // Sizes: libvirt's <memory> counts the DIMMs too; QEMU's -m size is boot RAM only
        // (virDomainDefGetMemoryInitial: the NUMA cells' sum, else <memory> minus memory devices).
        let devices = root.elements(forName: "devices").first
        let dimmElements = (devices?.elements(forName: "memory") ?? []).filter { ["dimm", "nvdimm"].contains($0.attribute(forName: "model")?.stringValue ?? "") }
        let hugepage = try root.elements(forName: "memoryBacking").first?.elements(forName: "hugepages").first?
            .elements(forName: "page").first.map { try size($0, attribute: "size", source: source, path: "/domain/memoryBacking/hugepages/page") }
        var dimms: [(size: UInt64, base: UInt64?, align: UInt64?)] = []
        for (index, element) in dimmElements.enumerated() {
            let path = "/domain/devices/memory[\(index + 1)]"
            guard let sizeElement = element.elements(forName: "target").first?.elements(forName: "size").first else {
                throw InputError(source: source, path: path, message: "a memory device without <target><size>")
            }
            let bytes = try size(sizeElement, source: source, path: path + "/target/size")
            let pageSize = try element.elements(forName: "source").first?.elements(forName: "pagesize").first.map { try size($0, source: source, path: path + "/source/pagesize") }
            var base: UInt64?
            if let address = element.elements(forName: "address").first, let text = address.attribute(forName: "base")?.stringValue {
                guard case .success(let value) = SizeSyntax.parse(text) else {
                    throw InputError(source: source, path: path + "/address/@base", message: "base='\(text)' is not an address")
                }
                base = value
            }
            dimms.append((bytes, base, pageSize ?? hugepage))
        }
        let cells = root.elements(forName: "cpu").first?.elements(forName: "numa").first?.elements(forName: "cell") ?? []
        var boot: UInt64 = 0
        if cells.isEmpty {
            guard let memory = root.elements(forName: "memory").first else {
                throw InputError(source: source, path: "/domain/memory", message: "the domain has no <memory>")
            }
            boot = try size(memory, source: source, path: "/domain/memory")
            for dimm in dimms {
                guard boot >= dimm.size else { throw InputError(source: source, path: "/domain/memory", message: "<memory> is smaller than its memory devices") }
                boot -= dimm.size
            }
        } else {
            for (index, cell) in cells.enumerated() {
                boot = try boot.checkedAdd(try size(cell, attribute: "memory", source: source, path: "/domain/cpu/numa/cell[\(index + 1)]"), "(NUMA cells)")
            }
        }
        var memory = "size=\(ByteCount.qemuSize(boot))"
        if let maxMemory = root.elements(forName: "maxMemory").first {
            let slots = maxMemory.attribute(forName: "slots")?.stringValue ?? "0"
            memory += ",slots=\(slots),maxmem=\(ByteCount.qemuSize(try size(maxMemory, source: source, path: "/domain/maxMemory")))"
        }
        argv += ["-m", memory]

        if let cpu = root.elements(forName: "cpu").first {
            argv += ["-cpu", try cpuArgument(cpu, source: source)]
        }

        // <controller type='pci' model='pcie-root|pci-root'><pcihole64> is a -global on the host bridge.
        for controller in devices?.elements(forName: "controller") ?? [] where controller.attribute(forName: "type")?.stringValue == "pci" {
            guard let hole = controller.elements(forName: "pcihole64").first else { continue }
            let bridge = controller.attribute(forName: "model")?.stringValue == "pcie-root" ? "q35-pcihost" : "i440FX-pcihost"
            argv += ["-global", "\(bridge).pci-hole64-size=\(try size(hole, source: source, path: "/domain/devices/controller/pcihole64"))"]
        }

        for (index, dimm) in dimms.enumerated() {
            var backend = "memory-backend-ram,id=memdimm\(index),size=\(dimm.size)"
            if let align = dimm.align { backend += ",align=\(align)" }
            argv += ["-object", backend]
            var device = "pc-dimm,memdev=memdimm\(index),id=dimm\(index)"
            if let base = dimm.base { device += ",addr=\(base)" }
            argv += ["-device", device]
        }

        // The domain's own extra arguments, as libvirt appends them (qemuBuildCommandLine's last step).
        for commandline in root.children?.compactMap({ $0 as? XMLElement }).filter({ $0.localName == "commandline" }) ?? [] {
            for arg in commandline.children?.compactMap({ $0 as? XMLElement }).filter({ $0.localName == "arg" }) ?? [] {
                // swift-corelibs-foundation's attribute(forName:) finds nothing on an element in a
                // default namespace, which is how a merged domain serializes <qemu:arg> (found by RenderingCheck).
                if let value = arg.attribute(forName: "value")?.stringValue ?? arg.attributes?.first(where: { $0.localName == "value" })?.stringValue { argv.append(value) }
            }
        }
        return argv
    }

    /// The parsed memory arguments and the QEMU release the machine type names (nil: unversioned).
    package static func read(_ xml: String, source: String) throws -> (QEMUMemoryArguments, QEMUVersion?) {
        let arguments = try QEMUArgumentParser.parse(arguments: try self.arguments(ofDomain: xml, source: source), source: source)
        return (arguments, try? LibvirtDomainMerge.machineVersion(arguments.machineType, source: source).1)
    }

    /// `-cpu` as libvirt builds it: host-passthrough is `host`, maximum is `max`, a custom model its
    /// name; `<maxphysaddr mode='emulate' bits='N'>` is `phys-bits=N`, mode='passthrough' is
    /// `host-phys-bits=on` (with `host-phys-bits-limit` when bits= is given).
    static func cpuArgument(_ cpu: XMLElement, source: String) throws -> String {
        var argument: String
        switch cpu.attribute(forName: "mode")?.stringValue ?? "custom" {
        case "host-passthrough": argument = "host"
        case "maximum": argument = "max"
        // libvirt expands host-model to a named model with the host's features when it starts
        // QEMU; the width is then not the host's (no host-phys-bits), as for any named model.
        case "host-model": argument = "host-model"
        default:
            argument = cpu.elements(forName: "model").first?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "qemu64"
        }
        if let vendor = cpu.elements(forName: "vendor").first?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), vendor == "AMD" || vendor == "Intel" {
            argument += ",vendor=\(vendor == "AMD" ? "AuthenticAMD" : "GenuineIntel")"
        }
        if let physical = cpu.elements(forName: "maxphysaddr").first {
            let bits = physical.attribute(forName: "bits")?.stringValue
            if let bits, Int(bits) == nil { throw InputError(source: source, path: "/domain/cpu/maxphysaddr/@bits", message: "bits='\(bits)' is not a number") }
            switch physical.attribute(forName: "mode")?.stringValue {
            case "emulate": argument += bits.map { ",phys-bits=\($0)" } ?? ""
            case "passthrough": argument += ",host-phys-bits=on" + (bits.map { ",host-phys-bits-limit=\($0)" } ?? "")
            case let other: throw InputError(source: source, path: "/domain/cpu/maxphysaddr/@mode", message: "mode='\(other ?? "")': libvirt knows emulate and passthrough")
            }
        }
        return argument
    }

    /// A libvirt scaled integer: the element's text (or an attribute) in its `unit` (KiB by default;
    /// virScaleInteger: k/KiB are 1024, KB is 1000, b/bytes are bytes).
    static func size(_ element: XMLElement, attribute: String? = nil, source: String, path: String) throws -> UInt64 {
        let raw = (attribute.flatMap { element.attribute(forName: $0)?.stringValue } ?? element.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let unit = element.attribute(forName: "unit")?.stringValue ?? "KiB"
        guard let value = UInt64(raw) else { throw InputError(source: source, path: path, message: "'\(raw)' is not a whole number") }
        let scales: [String: UInt64] = [
            "b": 1, "bytes": 1, "KB": 1000, "k": 1 << 10, "K": 1 << 10, "KiB": 1 << 10, "MB": 1_000_000, "m": 1 << 20, "M": 1 << 20, "MiB": 1 << 20,
            "GB": 1_000_000_000, "g": 1 << 30, "G": 1 << 30, "GiB": 1 << 30, "TB": 1_000_000_000_000, "t": 1 << 40, "T": 1 << 40, "TiB": 1 << 40,
        ]
        guard let scale = scales[unit] else { throw InputError(source: source, path: path, message: "unit='\(unit)' is not a libvirt unit") }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: scale)
        if overflow { throw InputError(source: source, path: path, message: "\(raw) \(unit) does not fit in 64 bits") }
        return bytes
    }
}
