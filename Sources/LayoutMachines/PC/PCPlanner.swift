import LayoutCore

/// The placement problem pc/q35 poses for a fleet: QEMU's branches as scenarios, the MIP's inputs
/// for each, and knobs for its answers (the search itself is LayoutPlacement's).
package struct PCPlanner: MachinePlanner {
    package typealias C = PCConstants

    package let fleet: Fleet
    package let spec: VMSpec

    package var unit: UInt64 { max(spec.ramAlign ?? 0, C.QEMU_VMALLOC_ALIGN) }

    package var chipset: PCChipset { spec.machine == .pc ? .i440fx : .q35 }

    /// The highest end of low RAM that leaves the 32-bit PCI hole its minimum size. pc's default
    /// minimum is what QEMU's own default leaves (0xe0000000-0xfec00000); q35's own rule always
    /// leaves at least 1.25 GiB.
    package var lowRAMCeiling: UInt64 {
        let minimum = spec.pciHole32 ?? (chipset == .i440fx ? C.IO_APIC_DEFAULT_ADDRESS - C.i440fxMaxRamBelow4GDefault : 0)
        return minimum >= C.IO_APIC_DEFAULT_ADDRESS ? 0 : C.IO_APIC_DEFAULT_ADDRESS - minimum
    }

    /// QEMU's low-RAM branches (pc_q35_init, pc_init1), fixed per scenario so the MIP stays linear.
    package enum Regime: Equatable {
        /// q35, boot RAM below 2.75 GiB: QEMU's low RAM default is 2.75 GiB.
        case q35Small
        /// q35, boot RAM of 2.75 GiB or more: QEMU's low RAM default is 2 GiB.
        case q35Large
        /// pc, RAM split around 4 GiB: at most 3 GiB below (gigabyte_align).
        case i440fxSplit
        /// pc, all boot RAM below 4 GiB (max-ram-below-4g above the RAM size, possibly raised).
        case i440fxAllLow

        package var summary: String {
            switch self {
            case .q35Small: return "boot RAM < 2.75 GiB"
            case .q35Large: return "boot RAM >= 2.75 GiB"
            case .i440fxSplit: return "at most 3 GiB below 4 GiB"
            case .i440fxAllLow: return "all boot RAM below 4 GiB"
            }
        }
    }

    package var regimes: [Regime] { chipset == .q35 ? [.q35Large, .q35Small] : [.i440fxSplit, .i440fxAllLow] }

    /// The guest CPU vendor the layout is derived for, or nil when it must not matter.
    package var vendor: CPUVendor? {
        if let pinned = spec.cpuVendor { return pinned }
        let vendors = fleet.vendors
        if vendors == [.intel] { return .intel }
        if vendors == [.amd] { return .amd }
        return nil
    }

    package var hole64Sizes: [UInt64] {
        let qemuDefault = PCMachineModel.defaultHole64Size(chipset)
        let preferred = max(spec.pciHole64 ?? qemuDefault, qemuDefault)
        if let minimum = spec.pciHole64, minimum < preferred { return [preferred, minimum] }
        return [preferred]
    }

    package var cpuCeiling: UInt64 { UInt64(1) << UInt64(min(fleet.minCPUPhysBits, C.TARGET_PHYS_ADDR_SPACE_BITS)) }

    /// Every branch for each vendor outcome and memory-block rule; with no vendor pinned and both
    /// in the fleet the map stays below the HyperTransport range so QEMU derives the same map for both.
    ///
    /// These stay outside the MIP on purpose: each fixes a different derivation (QEMU's low-RAM
    /// default, where above-4G RAM starts, the block DIMMs are aligned to, hence the gaps' aligned
    /// starts and capacities), which are step functions of the placement, not linear in it.
    package func scenarios() -> [(PlacementScenario, vendors: [CPUVendor], regime: Regime)] {
        let belowHT = min(cpuCeiling, C.AMD_HT_START)
        var list: [(PlacementScenario, vendors: [CPUVendor], regime: Regime)] = []
        for regime in regimes {
            var starts: [(aboveStart: UInt64, ceiling: UInt64, vendors: [CPUVendor])] = []
            switch vendor {
            case .intel?:
                starts.append((C.above4GStartDefault, cpuCeiling, [.intel]))
            case .amd?:
                starts.append((C.above4GStartDefault, belowHT, [.amd]))
                if cpuCeiling > C.AMD_ABOVE_1TB_START { starts.append((C.AMD_ABOVE_1TB_START, cpuCeiling, [.amd])) }
            case nil:
                starts.append((C.above4GStartDefault, belowHT, [.intel, .amd]))
            }
            for start in starts {
                for block in X86MemoryBlocks.rules(spec: spec, unit: unit) {
                    // Boot RAM cannot end at 64 GiB when all of it, above 4 GiB, stays below.
                    if let atLeast = block.bootEndAtLeast, start.aboveStart < atLeast, atLeast - start.aboveStart > spec.ram { continue }
                    list.append((PlacementScenario(aboveStart: start.aboveStart, regime: regime.summary, ceiling: start.ceiling, block: block), start.vendors, regime))
                }
            }
        }
        return list
    }

    package func precheck() throws {}

    /// The largest 64-bit hole first (QEMU's default or the spec's minimum if larger); the spec's
    /// smaller minimum only when nothing fits with it.
    package func searchTiers() -> [[(scenario: PlacementScenario, variant: Variant)]] {
        hole64Sizes.map { hole64 in
            scenarios().map { (scenario: $0.0, variant: Variant(vendors: $0.vendors, hole64Size: hole64, regime: $0.regime)) }
        }
    }

    package func explain(_ failures: [NoLayoutExists.Conflict]) -> NoLayoutExists {
        PCExplainer(fleet: fleet, spec: spec, unit: unit, hole64Size: hole64Sizes.last ?? PCMachineModel.defaultHole64Size(chipset)).explain(failures)
    }

    /// The MIP's inputs for a scenario, or nil when guest address 0 is itself a hole.
    package func planInput(scenario: PlacementScenario, variant: Variant, ramCeiling: UInt64) -> PlacementInput? {
        let forbidden = fleet.forbidden
        let firstHole = forbidden.firstAddress(atOrAfter: 0)
        if firstHole == 0 { return nil }
        let regimeLimit: UInt64
        switch variant.regime {
        case .q35Small: regimeLimit = C.lowmemSmallGuest
        case .q35Large: regimeLimit = C.lowmemLargeGuest
        case .i440fxSplit: regimeLimit = C.i440fxGigabyteAlignedLowmem
        case .i440fxAllLow: regimeLimit = C.IO_APIC_DEFAULT_ADDRESS
        }
        let lowMax = min(regimeLimit, lowRAMCeiling, firstHole ?? .max).alignedDown(unit)
        var lowMin: UInt64 = 0
        if spec.p2p {
            // The 32-bit hole [low end, 0xfec00000) is a DMA target: low RAM must end above every hole in it.
            for range in forbidden.ranges where range.start < C.IO_APIC_DEFAULT_ADDRESS {
                lowMin = max(lowMin, (try? min(range.last, C.IO_APIC_DEFAULT_ADDRESS - 1).checkedAdd(1).alignedUp(unit)) ?? .max)
            }
        }
        let aboveStart = scenario.aboveStart
        let aboveGapEnd: UInt64
        if forbidden.contains(aboveStart) {
            aboveGapEnd = aboveStart
        } else {
            aboveGapEnd = min(forbidden.firstAddress(atOrAfter: aboveStart) ?? .max, ramCeiling)
        }
        let aboveCapacity = aboveGapEnd > aboveStart && variant.regime != .i440fxAllLow ? (aboveGapEnd - aboveStart).alignedDown(unit) : 0
        // Device memory starts at the 1 GiB boundary after above-4G RAM: in the room that RAM
        // leaves, or at the latest after its gap.
        let block = scenario.block.granule
        let deviceMemoryBound = (try? max(aboveGapEnd, aboveStart).alignedUp(Sizes.gib)) ?? .max
        let gaps = memoryDeviceGaps(aboveStart: aboveStart, deviceMemoryBound: deviceMemoryBound, ceiling: ramCeiling, block: block)
        var input = PlacementInput(scenario: scenario, unit: unit, dimmUnit: block, totalRAM: spec.ram, lowMin: lowMin, lowMax: lowMax, aboveCapacity: aboveCapacity, gaps: gaps)
        input.planned = spec.plannedDIMMSizes
        input.coldDIMMSlots = C.ACPI_MAX_RAM_SLOTS - spec.slots - input.planned.count
        guard input.applyBootEnd(of: scenario.block) else { return nil }
        // QEMU picks q35's low-RAM default by comparing boot RAM with 0xb0000000 (pc_q35_init);
        // pc's branches are bounds on low and above RAM alone.
        switch variant.regime {
        case .q35Small: input.bootMost = C.lowmemSmallGuest - 1
        case .q35Large: input.bootLeast = C.lowmemSmallGuest
        case .i440fxSplit, .i440fxAllLow: break
        }
        return input
    }

    /// Turns the MIP's sizes into knobs, lets QEMU's derivation place everything, and returns the layout.
    /// What a pc/q35 scenario fixes besides the placement: the vCPU vendors the map must hold for,
    /// and the 64-bit hole's size.
    package struct Variant {
        package var vendors: [CPUVendor]
        package var hole64Size: UInt64
        package var regime: Regime
    }

    package func roomAboveRAM(_ variant: Variant) throws -> UInt64 {
        // Only what surely comes after the RAM: the user's hotplug room and slot alignment may fill
        // the span of holes device memory crosses anyway, and the search tightens by exactly what a
        // derived map overshoots, so reserving more would only cost DIMMs near the top. Planned
        // DIMMs are placed by the MIP itself.
        variant.hole64Size
    }

    package func realize(_ answer: PlacementAnswer, input: PlacementInput, variant: Variant) -> Result<GuestLayout, RealizeFailure> {
        let vendors = variant.vendors, hole64Size = variant.hole64Size
        return RealizeFailure.catching {
            let boot = answer.below + answer.above
            let maxRamBelow4G = try maxRamBelow4GKnob(below: answer.below, boot: boot)
            let deviceMemoryStart = try input.scenario.aboveStart.checkedAdd(answer.above).alignedUp(Sizes.gib)
            let (dimms, plan) = try placeMemoryDevices(answer, input: input, from: deviceMemoryStart)
            let slots = spec.slots + dimms.count + plan.count
            var maxmem = try maxmemCovering(dimms + plan, boot: boot, deviceMemoryStart: deviceMemoryStart, slots: slots)
            if input.scenario.aboveStart == C.AMD_ABOVE_1TB_START {
                maxmem = try maxmemForcingRelocation(maxmem, boot: boot, above: answer.above, slots: slots, hole64Size: hole64Size)
            }
            var knobs = PCMachineKnobs(
                chipset: chipset, machineType: "\(chipset.machineTypePrefix)-\(spec.qemu)", ramSize: boot, maxRamBelow4G: maxRamBelow4G,
                maxmem: maxmem > boot ? maxmem : nil, slots: slots,
                pciHole64Size: hole64Size == PCMachineModel.defaultHole64Size(chipset) ? nil : hole64Size,
                // The widest phys-bits first, so QEMU's own check never hides where the map ends.
                physBits: C.TARGET_PHYS_ADDR_SPACE_BITS, vendor: vendors[0],
                dimmAlignment: unit, dimms: dimms, hotplugPlan: plan)
            var derivation = try PCMachineModel.derive(knobs)
            // The AMD rule is QEMU's decision, not a knob: a scenario that assumed the other outcome is not this layout.
            guard derivation.above4GStart == input.scenario.aboveStart else {
                throw RealizeFailure("QEMU puts above-4G RAM at \(Hex.format(derivation.above4GStart)) for these knobs, not \(Hex.format(input.scenario.aboveStart))")
            }
            guard derivation.below4GSize == answer.below else {
                throw RealizeFailure("QEMU would put \(Hex.format(derivation.below4GSize)) below 4 GiB, not \(Hex.format(answer.below))")
            }
            if spec.p2p, fleet.forbidden.intersects(derivation.pciHole64) {
                let moved = try movedHole64Start(derivation.pciHole64, size: hole64Size)
                let shift = moved - derivation.pciHole64.start
                knobs.maxmem = try (knobs.maxmem ?? boot).checkedAdd(shift)
                derivation = try PCMachineModel.derive(knobs)
            }
            let needed = max(derivation.maxUsedGPA.bitsToAddress, 32)
            knobs.physBits = Self.guestPhysBits(needed: needed, widest: min(fleet.minCPUPhysBits, fleet.minIOMMUBits, C.TARGET_PHYS_ADDR_SPACE_BITS), vendors: vendors)
            derivation = try PCMachineModel.derive(knobs)
            var layout = makeLayout(knobs: knobs, derivation: derivation, vendor: vendors.count == 1 ? vendors[0] : nil)
            for other in vendors.dropFirst() {
                var otherKnobs = knobs
                otherKnobs.vendor = other
                let otherLayout = makeLayout(knobs: otherKnobs, derivation: try PCMachineModel.derive(otherKnobs), vendor: nil)
                guard otherLayout.regions.filter({ $0.name != "amd-ht-reserved" }) == layout.regions.filter({ $0.name != "amd-ht-reserved" }) else {
                    throw RealizeFailure("the map differs between Intel and AMD vCPUs; pin cpu_vendor")
                }
                layout.regions = otherLayout.regions.count > layout.regions.count ? otherLayout.regions : layout.regions
            }
            return layout
        }
    }

    /// The guest's phys-bits: wide enough for the map, never past the narrowest IOMMU or CPU, so
    /// firmware does not place BARs where some host cannot map them; and, where such a width
    /// exists, one no firmware trusts, so OVMF and SeaBIOS keep 64-bit BARs in pci-hole64 instead
    /// of the top of the address space (OVMFAperture.trustsPhysBits; GuestBoot.md measures both).
    /// With no such width it is the widest, as before, and the layout's notes say where BARs go.
    package static func guestPhysBits(needed: Int, widest: Int, vendors: [CPUVendor]) -> Int {
        guard needed <= widest else { return needed }
        let untrusted = (needed...widest).reversed().first { bits in !vendors.contains { OVMFAperture.trustsPhysBits(bits, vendor: $0) } }
        return untrusted ?? widest
    }

    /// QEMU relocates above-4G RAM to 1 TiB only when the map, laid out from 4 GiB, would reach the
    /// HyperTransport range; a layout planned above 1 TiB that falls short grows its hotplug room
    /// (maxmem) until it does, which is what a bigger VM gets from QEMU anyway.
    package func maxmemForcingRelocation(_ maxmem: UInt64, boot: UInt64, above: UInt64, slots: Int, hole64Size: UInt64) throws -> UInt64 {
        let used = try PCMachineModel.maxUsedGPA(aboveStart: C.above4GStartDefault, aboveSize: above, ram: boot, maxram: maxmem, slots: slots, hole64Size: hole64Size, physBits: C.TARGET_PHYS_ADDR_SPACE_BITS)
        guard used < C.AMD_HT_START else { return maxmem }
        let grown = try maxmem.checkedAdd((C.AMD_HT_START - used).alignedUp(Sizes.gib))
        // Without device memory before, QEMU's 4 GiB layout gains the 1 GiB rounding of its base too.
        return grown
    }

    /// The `max-ram-below-4g` value that makes QEMU put exactly `below` under 4 GiB, or nil when
    /// QEMU's default already does.
    package func maxRamBelow4GKnob(below: UInt64, boot: UInt64) throws -> UInt64? {
        switch chipset {
        case .q35:
            let lowDefault = boot >= C.lowmemSmallGuest ? C.lowmemLargeGuest : C.lowmemSmallGuest
            return below < min(lowDefault, boot) ? below : nil
        case .i440fx:
            if below == boot {
                // All low: the limit must exceed the RAM size, which the 3.5 GiB default does for small guests.
                return boot < C.i440fxMaxRamBelow4GDefault ? nil : min(4 * Sizes.gib, try (boot + 1).alignedUp(Sizes.gib))
            }
            return below == C.i440fxGigabyteAlignedLowmem && boot >= C.i440fxMaxRamBelow4GDefault ? nil : below
        }
    }

    /// The first 1 GiB-aligned place at or after `hole` where a hole of `size` avoids every host hole.
    package func movedHole64Start(_ hole: AddressRange, size: UInt64) throws -> UInt64 {
        var start = hole.start
        while true {
            guard let range = AddressRange(start: start, size: size) else { throw QEMURejection("the 64-bit PCI hole runs past 2^64") }
            guard let clash = fleet.forbidden.overlapping(range).last else { return start }
            guard let next = clash.end else { throw QEMURejection("no room for the 64-bit PCI hole past \(clash)") }
            start = try next.alignedUp(Sizes.gib)
        }
    }

    package func makeLayout(knobs: PCMachineKnobs, derivation: PCDerivation, vendor: CPUVendor?) -> GuestLayout {
        var notes = derivation.warnings.map { "QEMU will warn: \($0)" }
        if !knobs.dimms.isEmpty {
            notes.append("\(knobs.dimms.count) DIMM(s) step over host holes; the guest sees their RAM through ACPI memory hotplug (Linux: CONFIG_ACPI_HOTPLUG_MEMORY, memhp_default_state=online or a udev rule).")
        }
        if derivation.relocatedAbove1TiB {
            notes.append("QEMU moves RAM above 4 GiB to 1 TiB for this AMD vCPU (the map would reach the HyperTransport range at 0xfd00000000).")
        }
        return GuestLayout(
            machine: spec.machine, machineType: knobs.machineType, qemu: spec.qemu, vm: spec, physBits: knobs.physBits,
            cpuVendor: vendor, knobs: .pc(knobs), regions: PCMachineModel.regions(of: derivation, chipset: knobs.chipset, p2p: spec.p2p),
            topAddress: derivation.maxUsedGPA, notes: notes)
    }

    package func awayFromDefaults(_ layout: GuestLayout) -> UInt64 {
        guard let knobs = layout.knobs.pc else { return 0 }
        return UInt64((knobs.maxRamBelow4G != nil ? 1 : 0) + (knobs.pciHole64Size != nil ? 1 : 0))
    }
}
