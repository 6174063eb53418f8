import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LayoutCore
import LayoutMachines

/// The aarch64 `virt` parts of reading and merging a libvirt domain: the GIC version, ACPI and the
/// firmware, which decide where the MSI doorbell is and whether QEMU can plug DIMMs at all.
///
/// QEMU 7.2's virt creates the ACPI GED (memory hotplug) only when firmware is loaded and ACPI is
/// on (hw/arm/virt.c machvirt_init); libvirt 9.0 writes `-no-acpi` for aarch64 without
/// `<features><acpi/>` (qemu_command.c qemuBuildPMCommandLine / machine acpi). Without the GED,
/// QEMU refuses every pc-dimm: "memory hotplug is not enabled: missing acpi-ged device" (seen with
/// libvirt 9.0.0 and QEMU 7.2.22).
package enum LibvirtVirtDomain {
    /// What a domain must have for a virt layout; refused here with the reason rather than merged
    /// into something QEMU would refuse or that changes the guest's ABI.
    package static func checkMergeable(_ root: XMLElement, source: String) throws {
        if let gic = root.elements(forName: "features").first?.elements(forName: "gic").first,
           let version = gic.attribute(forName: "version")?.stringValue, Int(version) == nil {
            throw InputError(source: source, path: "/domain/features/gic/@version", message: "GIC version '\(version)' is each host's own, but the guest's MSI doorbell (ITS or GICv2m) depends on it; give the domain <gic version='3'/> (or 2)")
        }
    }

    /// Sets the layout's `<gic>` in the domain's `<features>`, and checks that a domain whose layout
    /// has DIMMs or hotplug room (`<maxMemory>`) loads UEFI firmware and has ACPI.
    /// - Parameters:
    ///   - ours: the layout's `<domain>` (``LibvirtXML/virt(_:layout:options:)``).
    ///   - root: the VM's own `<domain>`, changed in place.
    package static func mergeFeatures(from ours: XMLElement, into root: XMLElement, source: String) throws {
        guard let ourGIC = ours.elements(forName: "features").first?.elements(forName: "gic").first,
              let version = ourGIC.attribute(forName: "version")?.stringValue else { return }
        let features: XMLElement
        if let existing = root.elements(forName: "features").first {
            features = existing
        } else {
            // libvirt's order: …, os, features, cpu, …
            features = XMLElement(name: "features")
            let index = root.elements(forName: "os").first.map { $0.index + 1 } ?? root.childCount
            root.insertChild(features, at: index)
        }
        if let gic = features.elements(forName: "gic").first {
            let theirs = gic.attribute(forName: "version")?.stringValue
            if let theirs, theirs != version {
                throw InputError(source: source, path: "/domain/features/gic/@version", message: "the domain's GIC version is \(theirs), the layout's \(version): the guest's MSI doorbell moves with it, so the layout cannot be merged without changing the guest's ABI")
            }
            if theirs == nil, let attribute = XMLNode.attribute(withName: "version", stringValue: version) as? XMLNode { gic.addAttribute(attribute) }
        } else {
            features.addChild(XMLElement(name: "gic").withAttribute("version", version))
        }

        guard !ours.elements(forName: "maxMemory").isEmpty else { return }
        if features.elements(forName: "acpi").isEmpty {
            throw InputError(source: source, path: "/domain/features/acpi", message: "the layout has DIMMs or hotplug room, which QEMU's virt plugs only with ACPI (the ACPI GED), and the domain has no <acpi/>; adding it would make the guest boot with ACPI instead of a device tree, so add <features><acpi/> yourself or solve without maxmem")
        }
        let os = root.elements(forName: "os").first
        let efi = os?.attribute(forName: "firmware")?.stringValue == "efi" || !(os?.elements(forName: "loader").isEmpty ?? true)
        if !efi {
            throw InputError(source: source, path: "/domain/os", message: "the layout has DIMMs or hotplug room, which QEMU 7.2's virt plugs only when firmware is loaded (the ACPI GED), and the domain has neither <os firmware='efi'> nor a <loader> (direct kernel boot); give it UEFI firmware or solve without maxmem")
        }
    }

    /// The `-machine` properties libvirt writes for the domain's features, and whether the ACPI GED
    /// exists (firmware and ACPI): ``LibvirtDomainReader`` adds `-bios` only then.
    package static func machineProperties(_ root: XMLElement, source: String) throws -> (properties: String, gedPossible: Bool) {
        try checkMergeable(root, source: source)
        let features = root.elements(forName: "features").first
        var properties = ""
        if let version = features?.elements(forName: "gic").first?.attribute(forName: "version")?.stringValue {
            properties += ",gic-version=\(version)"
        }
        let acpi = !(features?.elements(forName: "acpi").isEmpty ?? true)
        return (properties, acpi)
    }
}

private extension XMLElement {
    func withAttribute(_ name: String, _ value: String) -> XMLElement {
        if let attribute = XMLNode.attribute(withName: name, stringValue: value) as? XMLNode { addAttribute(attribute) }
        return self
    }
}
