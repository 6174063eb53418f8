import LayoutCore
/// A DIMM cold-plugged with an explicit `addr=`.
package struct DIMM: Equatable, Sendable {
    package var id: String
    package var address: UInt64
    package var size: UInt64
    package init(id: String, address: UInt64, size: UInt64) {
        self.id = id
        self.address = address
        self.size = size
    }
}

/// QEMU's memory-device checks, shared by every machine with device memory (pc, q35, virt).
package enum MemoryDevices {
    /// hw/core/machine.c machine_set_mem: `-m size,slots,maxmem` rules shared by every machine.
    /// Returns (RAM size as QEMU rounds it, maxram).
    package static func memoryOptions(size: UInt64, maxmem: UInt64?, slots: Int, granule: UInt64) throws -> (UInt64, UInt64) {
        let ram = try size.alignedUp(granule)
        guard ram > 0 else { throw QEMURejection("memory size must be larger than 0") }
        guard let maxmem else {
            if slots > 0 { throw QEMURejection("slots specified but no max-size") }
            return (ram, ram)
        }
        guard maxmem >= ram else {
            throw QEMURejection("invalid value of maxmem: maximum memory size (\(Hex.format(maxmem))) must be at least the initial memory size (\(Hex.format(ram)))")
        }
        if slots > 0 && maxmem == ram {
            throw QEMURejection("invalid value of maxmem: memory slots were specified but maximum memory size (\(Hex.format(maxmem))) is equal to the initial memory size (\(Hex.format(ram)))")
        }
        return (ram, maxmem)
    }

    /// hw/mem/memory-device.c memory_device_pre_plug, for DIMMs with an explicit addr=.
    package static func plug(_ dimms: [DIMM], alignment: UInt64, slots: Int, deviceMemory: AddressRange?, plugLimit: UInt64) throws -> [(id: String, range: AddressRange)] {
        guard !dimms.isEmpty else { return [] }
        guard let deviceMemory else {
            throw QEMURejection("memory devices (e.g. for memory hotplug) are not enabled, please specify the maxmem option")
        }
        guard slots > 0 else { throw QEMURejection("no slots where allocated, please specify the 'slots' option") }
        guard dimms.count <= slots else {
            throw QEMURejection("no free slots left: \(dimms.count) DIMMs for \(slots) slots")
        }
        var placed: [(id: String, range: AddressRange)] = []
        var used: UInt64 = 0
        for dimm in dimms {
            guard dimm.size > 0, dimm.size % alignment == 0 else {
                throw QEMURejection("backend memory size must be multiple of \(Hex.format(alignment))")
            }
            let (total, overflow) = used.addingReportingOverflow(dimm.size)
            guard !overflow, total <= plugLimit else {
                throw QEMURejection("not enough space, currently \(Hex.format(used)) in use of total space for memory devices \(Hex.format(plugLimit))")
            }
            guard dimm.address % alignment == 0 else {
                throw QEMURejection("address must be aligned to \(Hex.format(alignment)) bytes")
            }
            guard let range = AddressRange(start: dimm.address, size: dimm.size), deviceMemory.contains(range) else {
                throw QEMURejection("can't add memory device [\(Hex.format(dimm.address)):\(Hex.format(dimm.size))], usable range for memory devices [\(Hex.format(deviceMemory.start)):\(Hex.format(deviceMemory.size ?? 0))]")
            }
            if let clash = placed.first(where: { $0.range.overlaps(range) }) {
                throw QEMURejection("address range conflicts with memory device id='\(clash.id)'")
            }
            placed.append((dimm.id, range))
            used = total
        }
        return placed
    }
}
