import LayoutCore
/// What QEMU 7.2 makes of a set of virt knobs (`virt_set_memmap`, `virt_set_high_memmap`,
/// `memory_device_pre_plug`), in checked UInt64.
package struct VirtDerivation: Equatable, Sendable {
    package var ram: AddressRange
    package var deviceMemory: AddressRange?
    package var dimms: [DIMMPlacement]
    /// Where the planned hot-add DIMMs go once added.
    package var plannedDIMMs: [DIMMPlacement]
    /// High regions that fit the IPA width; QEMU silently drops the others.
    package var highRedistributor: AddressRange?
    package var highECAM: AddressRange?
    package var highMMIO: AddressRange?
    /// `highest_gpa`: what the guest's IPA width must reach.
    package var highestGPA: UInt64
    /// High regions QEMU dropped because they did not fit `ipaBits`.
    package var droppedHighRegions: [String]
}

/// A DIMM where QEMU put it.
package struct DIMMPlacement: Equatable, Sendable {
    package var id: String
    package var range: AddressRange
}

package enum VirtModel {
    package static func derive(_ knobs: VirtKnobs) throws -> VirtDerivation {
        typealias C = VirtConstants
        let (ram, maxram) = try MemoryDevices.memoryOptions(size: knobs.ramSize, maxmem: knobs.maxmem, slots: knobs.slots, granule: C.ramSizeGranule)
        guard knobs.slots <= C.ACPI_MAX_RAM_SLOTS else { throw QEMURejection("unsupported number of memory slots: \(knobs.slots)") }
        guard (32...64).contains(knobs.ipaBits) else { throw QEMURejection("IPA width \(knobs.ipaBits) is outside 32..64") }
        let limit = Sizes.limit(bits: knobs.ipaBits) ?? .max
        guard let ramRange = AddressRange(start: C.VIRT_MEM_BASE, size: ram) else { throw QEMURejection("RAM runs past 2^64") }
        // hw/arm/virt.c virt_set_memmap
        let deviceMemoryBase = try C.VIRT_MEM_BASE.checkedAdd(ram).alignedUp(Sizes.gib)
        let deviceMemorySize = try (maxram - ram).checkedAdd(try UInt64(knobs.slots).checkedMul(Sizes.gib))
        let memtop = try deviceMemoryBase.checkedAdd(try deviceMemorySize.alignedUp(Sizes.gib), "(maxmem/slots too huge)")
        if memtop > limit {
            throw QEMURejection("Addressing limited to \(knobs.ipaBits) bits, but memory exceeds it by \(memtop - limit) bytes")
        }
        var base = max(memtop, C.VIRT_MEM_BASE + C.LEGACY_RAMLIMIT_BYTES)
        var highest = memtop - 1
        // hw/arm/virt.c virt_set_high_memmap: each region aligned to its own size, dropped if it does not fit.
        var placed: [AddressRange?] = []
        var dropped: [String] = []
        // A region switched off by its property (8.0+) is skipped like one that does not fit
        // (compact layout); `highmem-mmio-size` (10.0+) replaces the window's size.
        if let size = knobs.highMMIOSize {
            guard size >= C.VIRT_HIGH_PCIE_MMIO_SIZE else { throw QEMURejection("highmem-mmio-size cannot be set to a lower value than the default (512 GiB)") }
            guard size.isPowerOfTwo else { throw QEMURejection("highmem-mmio-size is not a power of 2") }
        }
        for region in VirtHighRegion.allCases {
            let size = region == .mmio ? knobs.highMMIOSize ?? region.defaultSize : region.defaultSize
            let regionBase = try base.alignedUp(size)
            let range = AddressRange(start: regionBase, size: size)
            let fits = range.map { $0.last < limit || (limit == .max) } ?? false
            let enabled = fits && !knobs.disabledHighRegions.contains(region)
            if enabled, let range {
                placed.append(range)
                highest = range.last
            } else {
                placed.append(nil)
                if !fits { dropped.append(region.rawValue) }
            }
            if enabled || !knobs.compactHighmem {
                base = try regionBase.checkedAdd(size)
                // Legacy layout (7.2 binaries): a fitting region moves highest_gpa even when off.
                if fits, !enabled, let range { highest = range.last }
            }
        }
        var deviceMemory: AddressRange?
        if deviceMemorySize > 0 { deviceMemory = AddressRange(start: deviceMemoryBase, size: deviceMemorySize) }
        if !(knobs.dimms + knobs.hotplugPlan).isEmpty && !knobs.firmwareLoaded {
            throw QEMURejection("memory hotplug is not enabled: missing acpi-ged device")
        }
        let plugged = try MemoryDevices.plug(knobs.dimms + knobs.hotplugPlan, alignment: knobs.dimmAlignment, slots: knobs.slots, deviceMemory: ram < maxram ? deviceMemory : nil, plugLimit: maxram - ram)
        return VirtDerivation(
            ram: ramRange, deviceMemory: deviceMemory,
            dimms: plugged.prefix(knobs.dimms.count).map { DIMMPlacement(id: $0.id, range: $0.range) },
            plannedDIMMs: plugged.dropFirst(knobs.dimms.count).map { DIMMPlacement(id: $0.id, range: $0.range) },
            highRedistributor: placed[0], highECAM: placed[1], highMMIO: placed[2], highestGPA: highest, droppedHighRegions: dropped)
    }

    /// The map as named regions in address order; RAM and DIMMs are DMA targets, and the PCIe
    /// windows too when peer-to-peer DMA between assigned devices is wanted.
    package static func regions(of derivation: VirtDerivation, gicVersion: Int, p2p: Bool) -> [GuestRegion] {
        typealias C = VirtConstants
        var regions = [
            GuestRegion(name: "flash", kind: .firmware, range: C.VIRT_FLASH, isDMATarget: false),
            GuestRegion(name: "gic", kind: .reserved, range: C.VIRT_GIC, isDMATarget: false),
            GuestRegion(name: gicVersion >= 3 ? "gic-its-doorbell" : "gicv2m-doorbell", kind: .msi,
                        range: gicVersion >= 3 ? C.VIRT_GIC_ITS_DOORBELL : C.VIRT_GIC_V2M_DOORBELL, isDMATarget: false),
            GuestRegion(name: "gic-redist", kind: .reserved, range: C.VIRT_GIC_REDIST, isDMATarget: false),
            GuestRegion(name: "platform-devices", kind: .reserved, range: C.platformDevices, isDMATarget: false),
            GuestRegion(name: "pcie-mmio", kind: .pciHole32, range: C.VIRT_PCIE_MMIO, isDMATarget: p2p),
            GuestRegion(name: "pcie-pio", kind: .reserved, range: C.VIRT_PCIE_PIO, isDMATarget: false),
            GuestRegion(name: "ram", kind: .ram, range: derivation.ram, isDMATarget: true),
        ]
        if let deviceMemory = derivation.deviceMemory {
            regions.append(GuestRegion(name: "device-memory", kind: .deviceMemory, range: deviceMemory, isDMATarget: false))
        }
        regions += derivation.dimms.map { GuestRegion(name: $0.id, kind: .dimm, range: $0.range, isDMATarget: true) }
        regions += derivation.plannedDIMMs.map { GuestRegion(name: $0.id, kind: .hotplug, range: $0.range, isDMATarget: true) }
        if let redist = derivation.highRedistributor {
            regions.append(GuestRegion(name: "gic-redist-high", kind: .reserved, range: redist, isDMATarget: false))
        }
        if let ecam = derivation.highECAM {
            regions.append(GuestRegion(name: "pcie-ecam-high", kind: .reserved, range: ecam, isDMATarget: false))
        }
        if let mmio = derivation.highMMIO {
            regions.append(GuestRegion(name: "pcie-mmio-high", kind: .pciHole64, range: mmio, isDMATarget: p2p))
        }
        return regions.sorted { ($0.range.start, $1.range.last, $0.name) < ($1.range.start, $0.range.last, $1.name) }
    }
}
