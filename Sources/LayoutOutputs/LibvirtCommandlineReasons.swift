/// Why each `<qemu:commandline>` argument is there: libvirt 9.0 has no element for it.
package enum LibvirtCommandlineReasons {
    /// Pairs every argument with the reason to print before it (only before an option, not its value).
    package static func annotate(_ arguments: [String]) -> [(String, String?)] {
        var result: [(String, String?)] = []
        var index = 0
        while index < arguments.count {
            let option = arguments[index]
            let value = index + 1 < arguments.count ? arguments[index + 1] : ""
            result.append((option, reason(option: option, value: value)))
            if index + 1 < arguments.count { result.append((value, nil)) }
            index += 2
        }
        return result
    }

    static func reason(option: String, value: String) -> String? {
        switch option {
        case "-machine" where value.hasPrefix("max-ram-below-4g="):
            return "libvirt has no element for max-ram-below-4g (QEMU merges this -machine into libvirt's own)"
        case "-machine" where value.hasPrefix("highmem-mmio-size="):
            return "libvirt 9.0 has no element for virt's highmem-mmio-size (QEMU 10.0+; QEMU merges this -machine into libvirt's own)"
        case "-machine" where value.hasPrefix("highmem-"):
            return "libvirt 9.0 has no element for virt's highmem-redists/ecam/mmio switches (QEMU 8.0+; QEMU merges this -machine into libvirt's own)"
        case "-global" where value.hasPrefix("x86_64-cpu.host-phys-bits="):
            return "libvirt's maxphysaddr mode='emulate' adds phys-bits= but host-passthrough also turns on host-phys-bits, which would replace it with each host's width"
        case "-global" where value.hasPrefix("x86_64-cpu.vendor="):
            return "libvirt pins a CPU vendor only for custom models (<vendor> there checks the host instead)"
        case "-fw_cfg" where value.hasPrefix("name=opt/ovmf/"):
            return "OVMF ignores pci-hole64 and places its own 64-bit PCI aperture; this size puts it inside pci-hole64 (SeaBIOS ignores it). libvirt reserves opt/ovmf/ names in <sysinfo type='fwcfg'>"
        case "-device":
            return "libvirt's <iommu model='virtio'> has no reserved-regions property"
        default:
            return nil
        }
    }
}
