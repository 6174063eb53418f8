import LayoutCore
import LayoutMachines
import Foundation

/// Chooses Arm virt knobs for a fleet. RAM is one piece from 1 GiB; a host hole inside it (the
/// HiSilicon D05's ITS doorbell at 0xc6010000, an IORT RMR) shortens boot RAM, and the rest goes
/// into cold-plugged DIMMs past the hole.
package struct VirtSolver: MachinePlanner {
    package typealias C = VirtConstants

    package let fleet: Fleet
    package let spec: VMSpec
    package let options: SolveOptions

    /// Nothing beyond the placement: virt has one RAM base and no vendor rule.
    package struct Variant {}

    package var unit: UInt64 { max(spec.ramAlign ?? 0, C.QEMU_VMALLOC_ALIGN) }

    /// Arm profiles give `cpu.phys_bits` as the KVM IPA limit; the guest gets the smallest.
    package var ipaBits: Int { fleet.minCPUPhysBits }

    package func solve(statistics: inout SolveStatistics) throws -> GuestLayout {
        guard spec.ram % unit == 0 else {
            throw InputError(source: "vm", path: "$.ram", message: "ram \(ByteCount.format(spec.ram)) is not a multiple of the placement granule \(ByteCount.format(unit)) (2 MiB, or ram_align)")
        }
        if spec.p2p {
            let clashes = fleet.holes(overlapping: C.VIRT_PCIE_MMIO)
            if !clashes.isEmpty {
                throw NoLayoutExists(vmName: spec.name, conflicts: [.init(
                    message: "with p2p the fixed 32-bit PCIe window \(C.VIRT_PCIE_MMIO) is a DMA target, and virt cannot move it",
                    hosts: Array(Set(clashes.map(\.host))).sorted(), holes: clashes, family: .pciHole)])
            }
        }
        statistics.scenarios += 1
        let scenario = PlacementScenario(aboveStart: C.VIRT_MEM_BASE, regime: .virt, ceiling: Sizes.limit(bits: ipaBits) ?? .max)
        switch try candidate(scenario: scenario, variant: Variant(), statistics: &statistics) {
        case .success(let found): return found.layout
        case .failure(let conflict): throw explain(conflict)
        }
    }

    package func roomAboveRAM(_ variant: Variant) throws -> UInt64 {
        // As on x86: only what surely follows the RAM; overshoot tightens the search.
        plannedHotplugBytes
    }

    package func planInput(scenario: PlacementScenario, ramCeiling: UInt64) -> PlacementInput? {
        let forbidden = fleet.forbidden
        guard !forbidden.contains(C.VIRT_MEM_BASE) else { return nil }
        let ramEnd = min(forbidden.firstAddress(atOrAfter: C.VIRT_MEM_BASE) ?? .max, ramCeiling)
        let capacity = ramEnd > C.VIRT_MEM_BASE ? (ramEnd - C.VIRT_MEM_BASE).alignedDown(unit) : 0
        let deviceMemoryBound = (try? ramEnd.alignedUp(Sizes.gib)) ?? .max
        return PlacementInput(
            scenario: scenario, unit: unit, dimmUnit: dimmUnit, totalRAM: spec.ram, lowMin: 0, lowMax: 0, hasLowRAM: false,
            aboveCapacity: capacity, gaps: dimmGaps(from: deviceMemoryBound, below: ramCeiling))
    }

    package func realize(_ answer: PlacementAnswer, input: PlacementInput, variant: Variant) -> Result<GuestLayout, RealizeFailure> {
        do {
            let boot = answer.above
            let deviceMemoryStart = try C.VIRT_MEM_BASE.checkedAdd(boot).alignedUp(Sizes.gib)
            let dimms = try placeDIMMs(answer, input: input, from: deviceMemoryStart)
            let plan = try planHotplug(after: dimms, deviceMemoryStart: deviceMemoryStart, ceiling: input.scenario.ceiling)
            let slots = spec.slots + dimms.count + plan.count
            let maxmem = try maxmemCovering(dimms + plan, boot: boot, deviceMemoryStart: deviceMemoryStart, slots: slots)
            let knobs = VirtKnobs(
                machineType: "virt-\(spec.qemu)", ramSize: boot, maxmem: maxmem > boot ? maxmem : nil, slots: slots,
                ipaBits: ipaBits, compactHighmem: spec.qemu >= QEMUVersion(major: 8, minor: 0), firmwareLoaded: !(dimms + plan).isEmpty,
                dimmAlignment: unit, dimms: dimms, hotplugPlan: plan)
            let derivation = try VirtModel.derive(knobs)
            if spec.p2p, let mmio = derivation.highMMIO, fleet.forbidden.intersects(mmio) {
                return .failure(RealizeFailure("with p2p the high PCIe window \(mmio) is a DMA target, but it overlaps host holes: " + fleet.holes(overlapping: mmio).map(\.label).joined(separator: "; ")))
            }
            return .success(makeLayout(knobs: knobs, derivation: derivation))
        } catch let failure as RealizeFailure {
            return .failure(failure)
        } catch let rejection as QEMURejection {
            return .failure(RealizeFailure(rejection.message))
        } catch {
            return .failure(RealizeFailure(String(describing: error)))
        }
    }

    package func makeLayout(knobs: VirtKnobs, derivation: VirtDerivation) -> GuestLayout {
        var notes: [String] = []
        if !knobs.dimms.isEmpty {
            notes.append("\(knobs.dimms.count) DIMM(s) step over host holes. On QEMU 7.2 a pc-dimm on virt needs ACPI memory hotplug, which QEMU creates only when UEFI firmware is loaded: the arguments load Debian's AAVMF (qemu-efi-aarch64) with -bios; with pflash firmware drop -bios.")
        }
        if !derivation.droppedHighRegions.isEmpty {
            notes.append("The \(ipaBits)-bit IPA limit drops \(derivation.droppedHighRegions.joined(separator: ", ")); hosts with a wider IPA limit keep them, so the guest map differs there. QEMU 8.0+ pins this with highmem-redists/highmem-ecam/highmem-mmio=off; 10.0+ can also size the window with highmem-mmio-size.")
        }
        if spec.qemu >= QEMUVersion(major: 8, minor: 0) {
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
    package func explain(_ conflict: NoLayoutExists.Conflict) -> NoLayoutExists {
        let atBase = fleet.holes(overlapping: AddressRange(start: C.VIRT_MEM_BASE, last: C.VIRT_MEM_BASE)!)
        if !atBase.isEmpty {
            return NoLayoutExists(vmName: spec.name, conflicts: [.init(
                message: "virt RAM always starts at 0x40000000, but these hosts cannot DMA-map it",
                hosts: Array(Set(atBase.map(\.host))).sorted(), holes: atBase, family: .hostHole)])
        }
        let dmaBits = min(ipaBits, fleet.minIOMMUBits)
        let limit = Sizes.limit(bits: dmaBits) ?? .max
        let room = fleet.forbidden.freeBytes(within: AddressRange(start: C.VIRT_MEM_BASE, last: limit - 1)!, alignment: unit)
        if spec.ram > room {
            let inside = fleet.holes.filter { $0.range.start < limit && $0.range.last >= C.VIRT_MEM_BASE }
            return NoLayoutExists(vmName: spec.name, conflicts: [.init(
                message: "the VM needs \(ByteCount.format(spec.ram)) of DMA-addressable RAM from 0x40000000 below 2^\(dmaBits) = \(Hex.format(limit)); only \(ByteCount.format(room)) is free on every host there",
                hosts: Array(Set(inside.map(\.host))).sorted(), holes: Array(inside.prefix(8)),
                family: dmaBits == fleet.minIOMMUBits ? .iommuWidth : .cpuWidth, shortBy: spec.ram - room)])
        }
        return NoLayoutExists(vmName: spec.name, conflicts: [conflict])
    }
}

extension MachinePlanner {
    /// DIMM addresses for the MIP's sizes: each in its gap, after device memory starts and after the one before.
    package func placeDIMMs(_ answer: PlacementAnswer, input: PlacementInput, from deviceMemoryStart: UInt64) throws -> [DIMM] {
        var cursor = deviceMemoryStart
        var dimms: [DIMM] = []
        for (index, piece) in answer.dimms.enumerated() {
            let gap = input.gaps[piece.gap]
            let address = try max(gap.start, cursor).alignedUp(dimmUnit)
            guard let range = AddressRange(start: address, size: piece.size), gap.gap.contains(range) else {
                throw RealizeFailure("DIMM of \(ByteCount.format(piece.size)) does not fit in gap \(gap.gap) after device memory starts")
            }
            dimms.append(DIMM(id: "ls-dimm\(index)", address: address, size: piece.size))
            cursor = try address.checkedAdd(piece.size)
        }
        return dimms
    }

    /// Room the hot-add plan needs above the RAM: its DIMMs.
    package var plannedHotplugBytes: UInt64 {
        spec.plannedDIMMSizes.reduce(UInt64(0)) { $0 &+ $1 }
    }

    /// Addresses for the planned hot-add DIMMs: first fit after the cold DIMMs, on the DIMM
    /// granule, clear of every host hole, below `ceiling`.
    package func planHotplug(after dimms: [DIMM], deviceMemoryStart: UInt64, ceiling: UInt64) throws -> [DIMM] {
        var cursor = try dimms.last.map { try $0.address.checkedAdd($0.size) } ?? deviceMemoryStart
        var plan: [DIMM] = []
        for (index, size) in spec.plannedDIMMSizes.enumerated() {
            var address = try cursor.alignedUp(dimmUnit)
            while true {
                guard let range = AddressRange(start: address, size: size), range.last < ceiling else {
                    throw RealizeFailure("no room for planned hot-add DIMM \(index) (\(ByteCount.format(size))) clear of every host hole below \(Hex.format(ceiling))")
                }
                guard let clash = fleet.forbidden.overlapping(range).last else { break }
                guard let next = clash.end else { throw RealizeFailure("no room for planned hot-add DIMM \(index) past \(clash)") }
                address = try next.alignedUp(dimmUnit)
            }
            plan.append(DIMM(id: "ls-hp\(index)", address: address, size: size))
            cursor = address + size
        }
        return plan
    }

    /// `maxmem`: boot RAM, the DIMMs and the user's hotplug room, padded so that device memory
    /// (which QEMU sizes from maxmem and slots) reaches past the last DIMM.
    package func maxmemCovering(_ dimms: [DIMM], boot: UInt64, deviceMemoryStart: UInt64, slots: Int) throws -> UInt64 {
        let dimmBytes = dimms.reduce(UInt64(0)) { $0 + $1.size }
        var maxmem = try boot.checkedAdd(dimmBytes).checkedAdd(spec.userHotplugBytes)
        if let last = dimms.last {
            let lastEnd = try last.address.checkedAdd(last.size)
            let deviceMemoryEnd = try deviceMemoryStart.checkedAdd(maxmem - boot).checkedAdd(UInt64(slots) * Sizes.gib)
            if lastEnd > deviceMemoryEnd { maxmem = try maxmem.checkedAdd((lastEnd - deviceMemoryEnd).alignedUp(unit)) }
        }
        return maxmem
    }
}
