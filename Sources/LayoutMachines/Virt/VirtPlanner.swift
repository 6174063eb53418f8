import LayoutCore

/// Chooses Arm virt knobs for a fleet. RAM is one piece from 1 GiB; a host hole inside it (the
/// HiSilicon D05's ITS doorbell at 0xc6010000, an IORT RMR) shortens boot RAM, and the rest goes
/// into cold-plugged DIMMs past the hole.
package struct VirtPlanner: MachinePlanner {
    package typealias C = VirtConstants

    package let fleet: Fleet
    package let spec: VMSpec

    /// Nothing beyond the placement: virt has one RAM base and no vendor rule.
    package struct Variant {}

    package var unit: UInt64 { max(spec.ramAlign ?? 0, C.QEMU_VMALLOC_ALIGN) }

    /// Arm profiles give `cpu.phys_bits` as the KVM IPA limit; the guest gets the smallest.
    package var ipaBits: Int { fleet.minCPUPhysBits }

    /// With p2p the fixed 32-bit PCIe window is a DMA target, and virt cannot move it.
    package func precheck() throws {
        guard spec.p2p else { return }
        let clashes = fleet.holes(overlapping: C.VIRT_PCIE_MMIO)
        if !clashes.isEmpty {
            throw NoLayoutExists(vmName: spec.name, conflicts: [.init(
                message: "with p2p the fixed 32-bit PCIe window \(C.VIRT_PCIE_MMIO) is a DMA target, and virt cannot move it",
                hosts: Array(Set(clashes.map(\.host))).sorted(), holes: clashes, family: .pciHole)])
        }
    }

    /// One scenario: RAM from 1 GiB up to the narrowest IPA limit.
    package func searchTiers() -> [[(scenario: PlacementScenario, variant: Variant)]] {
        let ceiling = Sizes.limit(bits: ipaBits) ?? .max
        return [ArmMemoryBlocks.rules(spec: spec, unit: unit).map { block in
            (PlacementScenario(aboveStart: C.VIRT_MEM_BASE, regime: "boot RAM from 1 GiB", ceiling: ceiling, block: block), Variant())
        }]
    }

    package func roomAboveRAM(_ variant: Variant) throws -> UInt64 {
        // As on x86: only what surely follows the RAM; overshoot tightens the search. Planned DIMMs
        // are placed by the MIP itself.
        0
    }

    package func planInput(scenario: PlacementScenario, variant: Variant, ramCeiling: UInt64) -> PlacementInput? {
        let forbidden = fleet.forbidden
        guard !forbidden.contains(C.VIRT_MEM_BASE) else { return nil }
        let ramEnd = min(forbidden.firstAddress(atOrAfter: C.VIRT_MEM_BASE) ?? .max, ramCeiling)
        let capacity = ramEnd > C.VIRT_MEM_BASE ? (ramEnd - C.VIRT_MEM_BASE).alignedDown(unit) : 0
        let deviceMemoryBound = (try? ramEnd.alignedUp(Sizes.gib)) ?? .max
        let block = scenario.block.granule
        let gaps = memoryDeviceGaps(aboveStart: C.VIRT_MEM_BASE, deviceMemoryBound: deviceMemoryBound, ceiling: ramCeiling, block: block)
        var input = PlacementInput(
            scenario: scenario, unit: unit, dimmUnit: block, totalRAM: spec.ram, lowMin: 0, lowMax: 0, hasLowRAM: false,
            aboveCapacity: capacity, gaps: gaps)
        input.planned = spec.plannedDIMMSizes
        input.coldDIMMSlots = C.ACPI_MAX_RAM_SLOTS - spec.slots - input.planned.count
        return input
    }

    package func realize(_ answer: PlacementAnswer, input: PlacementInput, variant: Variant) -> Result<GuestLayout, RealizeFailure> {
        return RealizeFailure.catching {
            let boot = answer.above
            let deviceMemoryStart = try C.VIRT_MEM_BASE.checkedAdd(boot).alignedUp(Sizes.gib)
            let (dimms, plan) = try placeMemoryDevices(answer, input: input, from: deviceMemoryStart)
            let slots = spec.slots + dimms.count + plan.count
            let maxmem = try maxmemCovering(dimms + plan, boot: boot, deviceMemoryStart: deviceMemoryStart, slots: slots)
            var knobs = VirtKnobs(
                machineType: "virt-\(spec.qemu)", ramSize: boot, maxmem: maxmem > boot ? maxmem : nil, slots: slots,
                ipaBits: ipaBits, compactHighmem: VirtCompatibility.compactHighmem(qemu: spec.qemu), firmwareLoaded: !(dimms + plan).isEmpty,
                dimmAlignment: unit, dimms: dimms, hotplugPlan: plan)
            try chooseHighRegions(&knobs)
            return makeLayout(knobs: knobs, derivation: try VirtModel.derive(knobs))
        }
    }

    /// The high regions' knobs: regions the narrowest IPA limit drops are switched off (8.0+) so
    /// every host has the same map; `pci_hole64` sizes the 64-bit window (10.0+); with p2p the window
    /// is a DMA target, so it moves past host holes (10.0+: a larger window is aligned to its size)
    /// or, when the spec asks for no minimum size, is switched off (8.0+).
    package func chooseHighRegions(_ knobs: inout VirtKnobs) throws {
        var derivation = try VirtModel.derive(knobs)
        if VirtCompatibility.hasHighRegionSwitches(qemu: spec.qemu) {
            knobs.disabledHighRegions = Set(derivation.droppedHighRegions.compactMap(VirtHighRegion.init(rawValue:)))
        }
        if let wanted = spec.pciHole64, wanted > C.VIRT_HIGH_PCIE_MMIO_SIZE {
            guard VirtCompatibility.hasHighMMIOSize(qemu: spec.qemu) else {
                throw RealizeFailure("pci_hole64 \(ByteCount.format(wanted)) is larger than virt's 512 GiB 64-bit PCIe window, which only QEMU 10.0 (highmem-mmio-size) can enlarge; set \"qemu\": \"10.0\"")
            }
            knobs.highMMIOSize = UInt64(1) << UInt64(64 - (wanted - 1).leadingZeroBitCount)
        }
        derivation = try VirtModel.derive(knobs)
        if spec.pciHole64 != nil, derivation.highMMIO == nil {
            throw RealizeFailure("pci_hole64 asks for a 64-bit PCIe window, but it does not fit below the \(ipaBits)-bit IPA limit")
        }
        guard spec.p2p, let mmio = derivation.highMMIO, fleet.forbidden.intersects(mmio) else { return }
        let clash = "with p2p the high PCIe window \(mmio) is a DMA target, but it overlaps host holes: " + fleet.holes(overlapping: mmio).map(\.label).joined(separator: "; ")
        if VirtCompatibility.hasHighMMIOSize(qemu: spec.qemu) {
            var size = (knobs.highMMIOSize ?? C.VIRT_HIGH_PCIE_MMIO_SIZE)
            while size < UInt64(1) << 62 {
                size <<= 1
                var larger = knobs
                larger.highMMIOSize = size
                guard let moved = try VirtModel.derive(larger).highMMIO else { break }
                if !fleet.forbidden.intersects(moved) {
                    knobs = larger
                    return
                }
            }
        }
        guard VirtCompatibility.hasHighRegionSwitches(qemu: spec.qemu), spec.pciHole64 == nil else {
            throw RealizeFailure(clash + (VirtCompatibility.hasHighRegionSwitches(qemu: spec.qemu) ? "" : "; QEMU 8.0+ can switch it off (highmem-mmio=off) and 10.0 can move it (highmem-mmio-size): set \"qemu\""))
        }
        knobs.disabledHighRegions.insert(.mmio)
        knobs.highMMIOSize = nil
    }

    package func makeLayout(knobs: VirtKnobs, derivation: VirtDerivation) -> GuestLayout {
        var notes: [String] = []
        if !knobs.dimms.isEmpty {
            notes.append("\(knobs.dimms.count) DIMM(s) step over host holes. On QEMU 7.2 a pc-dimm on virt needs ACPI memory hotplug, which QEMU creates only when UEFI firmware is loaded: the arguments load Debian's AAVMF (qemu-efi-aarch64) with -bios; with pflash firmware drop -bios.")
        }
        let unpinned = derivation.droppedHighRegions.filter { name in !knobs.disabledHighRegions.contains { $0.rawValue == name } }
        if !unpinned.isEmpty {
            notes.append("The \(ipaBits)-bit IPA limit drops \(unpinned.joined(separator: ", ")); hosts with a wider IPA limit keep them, so the guest map differs there. QEMU 8.0+ pins this with highmem-redists/highmem-ecam/highmem-mmio=off (set \"qemu\" to 8.0 or newer).")
        }
        if !knobs.disabledHighRegions.isEmpty {
            let names = knobs.disabledHighRegions.sorted().map(\.rawValue).joined(separator: ", ")
            if knobs.disabledHighRegions.contains(.mmio) && spec.p2p && derivation.droppedHighRegions.firstIndex(of: VirtHighRegion.mmio.rawValue) == nil {
                notes.append("The 64-bit PCIe window is switched off (highmem-mmio=off): with p2p it would overlap host holes. 64-bit BARs get the 32-bit window only; QEMU 10.0 can move the window instead (set \"qemu\": \"10.0\").")
            }
            notes.append("Switched off on every host (\(names)), so the guest map is the same whatever a host's IPA limit.")
        }
        if let size = knobs.highMMIOSize {
            notes.append("The 64-bit PCIe window is \(ByteCount.format(size)) (highmem-mmio-size), which QEMU aligns to its size: at \(derivation.highMMIO.map(\.description) ?? "none").")
        }
        if VirtCompatibility.compactHighmem(qemu: spec.qemu) {
            notes.append("QEMU \(spec.qemu) lays out the high regions compactly (compact-highmem) for virt-7.2 and newer machine types; the layout above assumes that.")
        }
        let dma = fleet.minIOMMUBits
        return GuestLayout(
            machine: .virt, machineType: knobs.machineType, qemu: spec.qemu, vm: spec,
            physBits: max(derivation.highestGPA.bitsToAddress, 32), cpuVendor: nil, knobs: .virt(knobs),
            regions: VirtModel.regions(of: derivation, gicVersion: knobs.gicVersion, p2p: spec.p2p),
            topAddress: derivation.highestGPA,
            notes: notes + (derivation.highestGPA.bitsToAddress > dma ? ["The guest map reaches past the narrowest IOMMU's \(dma) bits only with regions that are not DMA targets."] : []))
    }

    package func awayFromDefaults(_ layout: GuestLayout) -> UInt64 { 0 }

    /// No virt layout: say which hosts and holes stand in the way of RAM from 1 GiB.
    package func explain(_ failures: [NoLayoutExists.Conflict]) -> NoLayoutExists {
        let atBase = fleet.holes(overlapping: AddressRange(spanning: C.VIRT_MEM_BASE, C.VIRT_MEM_BASE))
        if !atBase.isEmpty {
            return NoLayoutExists(vmName: spec.name, conflicts: [.init(
                message: "virt RAM always starts at 0x40000000, but these hosts cannot DMA-map it",
                hosts: Array(Set(atBase.map(\.host))).sorted(), holes: atBase, family: .hostHole)])
        }
        let dmaBits = min(ipaBits, fleet.minIOMMUBits)
        let limit = Sizes.limit(bits: dmaBits) ?? .max
        let room = limit > C.VIRT_MEM_BASE ? fleet.forbidden.freeBytes(within: AddressRange(spanning: C.VIRT_MEM_BASE, limit - 1), alignment: unit) : 0
        if spec.ram > room {
            let inside = fleet.holes.filter { $0.range.start < limit && $0.range.last >= C.VIRT_MEM_BASE }
            return NoLayoutExists(vmName: spec.name, conflicts: [.init(
                message: "the VM needs \(ByteCount.format(spec.ram)) of DMA-addressable RAM from 0x40000000 below 2^\(dmaBits) = \(Hex.format(limit)); only \(ByteCount.format(room)) is free on every host there",
                hosts: Array(Set(inside.map(\.host))).sorted(), holes: Array(inside.prefix(8)),
                family: dmaBits == fleet.minIOMMUBits ? .iommuWidth : .cpuWidth, shortBy: spec.ram - room)])
        }
        return NoLayoutExists(vmName: spec.name, conflicts: failures)
    }
}
