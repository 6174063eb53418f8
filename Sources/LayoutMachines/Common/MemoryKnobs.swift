import LayoutCore

/// The `-m` knobs and DIMMs every machine with device memory has, as a layout document and a
/// command line carry them.
package struct MemoryKnobs {
    package var ramSize: UInt64
    package var maxmem: UInt64?
    package var slots: Int
    package var dimms: [DIMM]
    package var hotplugPlan: [DIMM]
    /// What QEMU demands of DIMM addresses: the hugepage size, or 2 MiB for RAM backends.
    package var alignment: UInt64

    /// Reads the shared members of a layout document's `knobs`.
    package static func read(_ knobs: inout ObjectReader, vm: VMSpec) throws -> MemoryKnobs {
        let ramSize = try knobs.required("ram_size").quantity("boot RAM size")
        let maxmem = try knobs.optional("maxmem")?.quantity("maxmem")
        let slots = try knobs.required("slots").integer(in: 0...256, what: "slots")
        let dimms = try DIMM.read(try knobs.required("dimms"))
        let plan = try knobs.optional("hotplug").map(DIMM.read) ?? []
        return MemoryKnobs(ramSize: ramSize, maxmem: maxmem, slots: slots, dimms: dimms, hotplugPlan: plan, alignment: max(vm.ramAlign ?? 0, 2 << 20))
    }
}

extension DIMM {
    /// `[{"id", "addr", "size"}]`, as layout documents print DIMMs.
    package static func json(_ dimms: [DIMM]) -> JSONOutput {
        .array(dimms.map { .object([("id", .string($0.id)), ("addr", .hex($0.address)), ("size", .hex($0.size))]) })
    }

    package static func read(_ reader: JSONReader) throws -> [DIMM] {
        try reader.array().map { element in
            var dimm = try element.object()
            return DIMM(id: try dimm.required("id").string(), address: try dimm.required("addr").quantity("a DIMM address"), size: try dimm.required("size").quantity("a DIMM size"))
        }
    }
}

extension QEMUMemoryArguments {
    /// The command line's DIMMs: those with `addr=`, those QEMU places itself (id and size), and
    /// the alignment QEMU demands of their addresses.
    package func memoryDevices() throws -> (placed: [DIMM], automatic: [(String, UInt64)], alignment: UInt64) {
        var placed: [DIMM] = []
        var automatic: [(String, UInt64)] = []
        for (index, device) in dimms.enumerated() {
            guard let backend = backends.first(where: { $0.id == device.memdev }) else {
                throw QEMURejection("pc-dimm memdev=\(device.memdev) names no memory backend")
            }
            let id = device.id ?? "dimm\(index)"
            if let address = device.address { placed.append(DIMM(id: id, address: address, size: backend.size)) } else { automatic.append((id, backend.size)) }
        }
        return (placed, automatic, backends.compactMap(\.align).max() ?? 2 << 20)
    }
}

extension MemoryDevices {
    /// hw/mem/memory-device.c memory_device_get_free_addr: the first aligned gap in device memory.
    package static func firstFit(_ sizes: [(String, UInt64)], after placed: [DIMM], in deviceMemory: AddressRange?, alignment: UInt64) throws -> [DIMM] {
        guard !sizes.isEmpty else { return [] }
        guard let deviceMemory else { throw QEMURejection("memory devices (e.g. for memory hotplug) are not enabled, please specify the maxmem option") }
        var taken: [AddressRange] = []
        for dimm in placed {
            guard let range = AddressRange(start: dimm.address, size: dimm.size) else { throw QEMURejection("DIMM \(dimm.id) runs past 2^64") }
            taken.append(range)
        }
        var result: [DIMM] = []
        for (id, size) in sizes {
            var address = try deviceMemory.start.alignedUp(alignment)
            for range in taken.sorted(by: <) {
                let end = try address.checkedAdd(size)
                if end <= range.start { break }
                if range.last >= address { address = try range.last.checkedAdd(1).alignedUp(alignment) }
            }
            guard let candidate = AddressRange(start: address, size: size), deviceMemory.contains(candidate) else {
                throw QEMURejection("could not find position in guest address space for memory device - memory fragmented due to alignments")
            }
            taken.append(candidate)
            result.append(DIMM(id: id, address: address, size: size))
        }
        return result
    }
}
