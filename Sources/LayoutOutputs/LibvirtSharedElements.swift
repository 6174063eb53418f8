import LayoutCore
import LayoutMachines

extension LibvirtXML {
    /// `<maxMemory>`, `<memory>`, `<currentMemory>` and `<memoryBacking>`: the same on every machine.
    ///
    /// libvirt's `<memory>` is all memory including DIMMs, while QEMU's `-m size=` is boot RAM only:
    /// libvirt derives `-m size` as `<memory>` minus the memory devices (or as the sum of the NUMA
    /// cells), so `<memory>` must be boot RAM plus every DIMM for QEMU to get the verified size.
    /// Hugepages back the memory when the layout put every RAM piece on their boundary (`ram_align`).
    package static func memoryElements(
        _ xml: inout XMLLines, ramSize: UInt64, dimms: [DIMM], maxmem: UInt64?, slots: Int, pageSize: UInt64?
    ) throws {
        let dimmBytes = try dimms.reduce(UInt64(0)) { try $0.checkedAdd($1.size, "(DIMM sizes)") }
        let total = try ramSize.checkedAdd(dimmBytes, "(boot RAM + DIMMs)")
        if let maxmem {
            xml.element("maxMemory", [("slots", String(slots)), ("unit", "KiB")], text: try kib(maxmem, "maxmem"))
        }
        if dimmBytes > 0 {
            xml.comment("memory = \(ByteCount.format(ramSize)) boot RAM (QEMU -m size) + \(ByteCount.format(dimmBytes)) in DIMMs: libvirt counts both")
        }
        xml.element("memory", [("unit", "KiB")], text: try kib(total, "memory"))
        xml.element("currentMemory", [("unit", "KiB")], text: try kib(total, "memory"))
        if let pageSize {
            xml.open("memoryBacking")
            xml.open("hugepages")
            xml.element("page", [("size", try kib(pageSize, "ram_align")), ("unit", "KiB")])
            xml.close("hugepages")
            xml.close("memoryBacking")
        }
    }

    /// `<qemu:commandline>` with what libvirt has no element for, each argument after the comment
    /// that says why it is there; nothing when there is nothing to pass.
    package static func commandlineElement(_ xml: inout XMLLines, _ arguments: [String]) {
        guard !arguments.isEmpty else { return }
        xml.open("qemu:commandline")
        for (argument, reason) in LibvirtCommandlineReasons.annotate(arguments) {
            if let reason { xml.comment(reason) }
            xml.element("qemu:arg", [("value", argument)])
        }
        xml.close("qemu:commandline")
    }
}
