import LayoutCore
/// What QEMU 7.2 makes of a set of q35 knobs: the same derivation as `pc_q35_init`,
/// `pc_memory_init`, `pc_pci_hole64_start` and `memory_device_pre_plug`, in checked UInt64.
package struct PCDerivation: Equatable, Sendable {
    package var below4GSize: UInt64
    package var above4GStart: UInt64
    package var above4GSize: UInt64
    package var deviceMemory: AddressRange?
    package var dimms: [(id: String, range: AddressRange)]
    /// Where the planned hot-add DIMMs go once added (checked as if plugged after the cold ones).
    package var plannedDIMMs: [(id: String, range: AddressRange)] = []
    package var pciHole32: AddressRange
    package var pciHole64: AddressRange
    /// `pc_max_used_gpa`: the highest address the phys-bits check must reach.
    package var maxUsedGPA: UInt64
    /// Above-4G RAM, device memory and the 64-bit hole moved above 1 TiB (AMD vCPU).
    package var relocatedAbove1TiB: Bool
    /// QEMU adds the HyperTransport range to e820 as reserved (AMD vCPU with phys-bits >= 40).
    package var reservesAMDHyperTransport: Bool
    /// QEMU's warning about a low-RAM boundary that is not a multiple of 1 GiB, if it prints one.
    package var warnings: [String]

    /// Hand-written only because tuples are not `Equatable`; every stored field is compared
    /// (QEMU's warnings too: two derivations that print different warnings are different answers).
    package static func == (lhs: PCDerivation, rhs: PCDerivation) -> Bool {
        lhs.below4GSize == rhs.below4GSize && lhs.above4GStart == rhs.above4GStart && lhs.above4GSize == rhs.above4GSize
            && lhs.deviceMemory == rhs.deviceMemory && lhs.dimms.map(\.id) == rhs.dimms.map(\.id)
            && lhs.dimms.map(\.range) == rhs.dimms.map(\.range) && lhs.pciHole32 == rhs.pciHole32
            && lhs.plannedDIMMs.map(\.id) == rhs.plannedDIMMs.map(\.id) && lhs.plannedDIMMs.map(\.range) == rhs.plannedDIMMs.map(\.range)
            && lhs.pciHole64 == rhs.pciHole64 && lhs.maxUsedGPA == rhs.maxUsedGPA
            && lhs.relocatedAbove1TiB == rhs.relocatedAbove1TiB && lhs.reservesAMDHyperTransport == rhs.reservesAMDHyperTransport
            && lhs.warnings == rhs.warnings
    }

    /// Boot RAM below 4 GiB.
    package var below4G: AddressRange? { AddressRange(start: 0, size: below4GSize) }
    /// Boot RAM above 4 GiB (or above 1 TiB when relocated).
    package var above4G: AddressRange? { AddressRange(start: above4GStart, size: above4GSize) }
}

package enum PCMachineModel {
    /// Derives the map exactly as QEMU does, or throws the error QEMU would print.
    package static func derive(_ knobs: PCMachineKnobs) throws -> PCDerivation {
        typealias C = PCConstants
        guard (32...C.TARGET_PHYS_ADDR_SPACE_BITS).contains(knobs.physBits) else {
            throw QEMURejection("phys-bits should be between 32 and \(C.TARGET_PHYS_ADDR_SPACE_BITS)  (but is \(knobs.physBits))")
        }
        let (ram, maxram) = try MemoryDevices.memoryOptions(size: knobs.ramSize, maxmem: knobs.maxmem, slots: knobs.slots, granule: C.ramSizeGranule)
        if let value = knobs.maxRamBelow4G, value > 4 * Sizes.gib {
            // hw/i386/pc.c pc_machine_set_max_ram_below_4g
            throw QEMURejection("Machine option 'max-ram-below-4g=\(value)' expects size less than or equal to 4G")
        }
        var warnings: [String] = []
        let lowmem = lowRAMLimit(knobs.chipset, ram: ram, maxRamBelow4G: knobs.maxRamBelow4G ?? 0, warnings: &warnings)
        let below = ram >= lowmem ? lowmem : ram
        let aboveSize = ram - below
        let hole64Size = knobs.pciHole64Size ?? defaultHole64Size(knobs.chipset)

        // hw/i386/pc.c pc_memory_init: the AMD rule reads pc_max_used_gpa with the start still at 4 GiB.
        var aboveStart = C.above4GStartDefault
        var relocated = false
        var reservesHT = false
        if knobs.vendor == .amd && knobs.enforceAMD1TiBHole {
            let used = try maxUsedGPA(aboveStart: aboveStart, aboveSize: aboveSize, ram: ram, maxram: maxram, slots: knobs.slots, hole64Size: hole64Size, physBits: knobs.physBits)
            if used >= C.AMD_HT_START {
                aboveStart = C.AMD_ABOVE_1TB_START
                relocated = true
            }
            reservesHT = knobs.physBits >= 40
        }
        let maxUsed = try maxUsedGPA(aboveStart: aboveStart, aboveSize: aboveSize, ram: ram, maxram: maxram, slots: knobs.slots, hole64Size: hole64Size, physBits: knobs.physBits)
        let maxPhysAddress = knobs.physBits >= 64 ? UInt64.max : (UInt64(1) << UInt64(knobs.physBits)) - 1
        guard maxPhysAddress >= maxUsed else {
            throw QEMURejection("Address space limit \(Hex.format(maxPhysAddress)) < \(Hex.format(maxUsed)) phys-bits too low (\(knobs.physBits))")
        }

        var deviceMemory: AddressRange?
        if ram < maxram {
            guard knobs.slots <= C.ACPI_MAX_RAM_SLOTS else { throw QEMURejection("unsupported amount of memory slots: \(knobs.slots)") }
            guard maxram % 4096 == 0 else { throw QEMURejection("maximum memory size must by aligned to multiple of 4096 bytes") }
            let (base, size) = try deviceMemoryRange(aboveStart: aboveStart, aboveSize: aboveSize, ram: ram, maxram: maxram, slots: knobs.slots)
            guard let range = AddressRange(start: base, size: size) else { throw QEMURejection("unsupported amount of maximum memory: \(Hex.format(maxram))") }
            deviceMemory = range
        }

        let plugged = try MemoryDevices.plug(knobs.dimms + knobs.hotplugPlan, alignment: knobs.dimmAlignment, slots: knobs.slots, deviceMemory: deviceMemory, plugLimit: maxram - ram)
        let dimms = Array(plugged.prefix(knobs.dimms.count))
        let hole64Start = try pciHole64Start(aboveStart: aboveStart, aboveSize: aboveSize, ram: ram, maxram: maxram, slots: knobs.slots)
        let hole64End = try hole64Start.checkedAdd(hole64Size, "(pci-hole64 end)").alignedUp(Sizes.gib)
        guard let hole64 = AddressRange(start: hole64Start, last: hole64End - 1) else {
            throw QEMURejection("pci-hole64-size must be larger than 0")
        }
        // hw/pci-host/i440fx.c i440fx_init / q35.c: range_set_bounds(&pci_hole, below_4g_mem_size,
        // IO_APIC_DEFAULT_ADDRESS - 1) asserts lob <= upb + 1, so QEMU aborts when low RAM runs into the
        // I/O APIC; at exactly 0xfec00000 the hole is empty, which this model (a non-empty pci-hole32) declines.
        guard below < C.IO_APIC_DEFAULT_ADDRESS, let hole32 = AddressRange(start: below, last: C.IO_APIC_DEFAULT_ADDRESS - 1) else {
            throw QEMURejection("RAM below 4 GiB (\(Hex.format(below))) reaches the I/O APIC at \(Hex.format(C.IO_APIC_DEFAULT_ADDRESS)): no 32-bit PCI hole is left (QEMU's i440fx_init/q35 range_set_bounds assertion); lower max-ram-below-4g or -m")
        }
        return PCDerivation(
            below4GSize: below, above4GStart: aboveStart, above4GSize: aboveSize, deviceMemory: deviceMemory, dimms: dimms,
            plannedDIMMs: Array(plugged.dropFirst(knobs.dimms.count)),
            pciHole32: hole32, pciHole64: hole64, maxUsedGPA: maxUsed,
            relocatedAbove1TiB: relocated, reservesAMDHyperTransport: reservesHT, warnings: warnings)
    }

    /// QEMU's `lowmem`: how much RAM goes below 4 GiB (`pc_q35_init` and `pc_init1` differ).
    package static func lowRAMLimit(_ chipset: PCChipset, ram: UInt64, maxRamBelow4G: UInt64, warnings: inout [String]) -> UInt64 {
        typealias C = PCConstants
        switch chipset {
        case .q35:
            // hw/i386/pc_q35.c: the user value can only lower QEMU's 2.75 GiB / 2 GiB default.
            var lowmem = ram >= C.lowmemSmallGuest ? C.lowmemLargeGuest : C.lowmemSmallGuest
            let limit = maxRamBelow4G == 0 ? 4 * Sizes.gib : maxRamBelow4G
            if lowmem > limit {
                lowmem = limit
                // QEMU subtracts in ram_addr_t (uint64_t): for a guest smaller than the limit the
                // difference wraps and the warning prints too, so this wraps on purpose.
                if ram &- lowmem > lowmem && lowmem % Sizes.gib != 0 {
                    warnings.append("There is possibly poor performance as the ram size (\(Hex.format(ram))) is more then twice the size of max-ram-below-4g (\(lowmem)) and max-ram-below-4g is not a multiple of 1G.")
                }
            }
            return lowmem
        case .i440fx:
            // hw/i386/pc_piix.c: the user value can raise low RAM up to 4 GiB for a guest smaller than
            // it; a guest at least that large is clamped to 3 GiB (gigabyte_align).
            let limit = maxRamBelow4G == 0 ? C.i440fxMaxRamBelow4GDefault : maxRamBelow4G
            var lowmem = limit
            if ram >= limit {
                lowmem = min(lowmem, C.i440fxGigabyteAlignedLowmem)
                if lowmem % Sizes.gib != 0 {
                    warnings.append("Large machine and max_ram_below_4g (\(limit)) not a multiple of 1G; possible bad performance.")
                }
            }
            return lowmem
        }
    }

    package static func defaultHole64Size(_ chipset: PCChipset) -> UInt64 {
        chipset == .q35 ? PCConstants.Q35_PCI_HOST_HOLE64_SIZE_DEFAULT : PCConstants.I440FX_PCI_HOST_HOLE64_SIZE_DEFAULT
    }

    /// hw/i386/pc.c pc_get_device_memory_range.
    package static func deviceMemoryRange(aboveStart: UInt64, aboveSize: UInt64, ram: UInt64, maxram: UInt64, slots: Int) throws -> (UInt64, UInt64) {
        let base = try aboveStart.checkedAdd(aboveSize, "(above-4g end)").alignedUp(Sizes.gib)
        let perSlot = try PCConstants.deviceMemoryPerSlot.checkedMul(UInt64(slots), "(1 GiB per slot)")
        let size = try (maxram - ram).checkedAdd(perSlot, "(device memory size)")
        return (base, size)
    }

    /// hw/i386/pc.c pc_pci_hole64_start.
    package static func pciHole64Start(aboveStart: UInt64, aboveSize: UInt64, ram: UInt64, maxram: UInt64, slots: Int) throws -> UInt64 {
        if ram < maxram {
            let (base, size) = try deviceMemoryRange(aboveStart: aboveStart, aboveSize: aboveSize, ram: ram, maxram: maxram, slots: slots)
            return try base.checkedAdd(size, "(device memory end)").alignedUp(Sizes.gib)
        }
        return try aboveStart.checkedAdd(aboveSize, "(above-4g end)").alignedUp(Sizes.gib)
    }

    /// hw/i386/pc.c pc_max_used_gpa.
    package static func maxUsedGPA(aboveStart: UInt64, aboveSize: UInt64, ram: UInt64, maxram: UInt64, slots: Int, hole64Size: UInt64, physBits: Int) throws -> UInt64 {
        if physBits <= 32 { return (UInt64(1) << UInt64(physBits)) - 1 }
        let start = try pciHole64Start(aboveStart: aboveStart, aboveSize: aboveSize, ram: ram, maxram: maxram, slots: slots)
        return try start.checkedAdd(hole64Size, "(max used GPA)") - 1
    }
}
