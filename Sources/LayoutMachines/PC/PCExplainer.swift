import LayoutCore
import LayoutMachines
/// Says why no pc/q35 layout exists, in numbers a person can act on: which hosts, which regions,
/// how much room there is and how much the VM needs.
package struct PCExplainer {
    package typealias C = PCConstants

    package let fleet: Fleet
    package let spec: VMSpec
    package let unit: UInt64
    package let hole64Size: UInt64

    package func explain(_ failures: [NoLayoutExists.Conflict]) -> NoLayoutExists {
        var conflicts: [NoLayoutExists.Conflict] = []
        let atZero = fleet.holes(overlapping: AddressRange(spanning: 0, 0))
        if !atZero.isEmpty {
            conflicts.append(.init(
                message: "guest RAM always starts at address 0 (QEMU maps ram-below-4g there), but these hosts cannot DMA-map address 0",
                hosts: hostNames(atZero), holes: atZero, family: .hostHole))
            return NoLayoutExists(vmName: spec.name, conflicts: conflicts)
        }
        if spec.p2p {
            let low = fleet.holes.filter { $0.range.start < C.IO_APIC_DEFAULT_ADDRESS }
            if !low.isEmpty {
                conflicts.append(.init(
                    message: "with p2p the 32-bit PCI hole (from the end of low RAM to 0xfec00000) is a DMA target, and low RAM itself is one; together they cover 0-0xfebfffff, where these hosts have holes",
                    hosts: hostNames(low), holes: low, family: .pciHole))
            }
        }
        let cpuBits = min(fleet.minCPUPhysBits, C.TARGET_PHYS_ADDR_SPACE_BITS)
        let cpuLimit = UInt64(1) << UInt64(cpuBits)
        let dmaBits = min(cpuBits, fleet.minIOMMUBits)
        // Without a pinned vendor the map must stay below the HyperTransport range (see PCSolver.scenarios).
        let vendorNeutral = spec.cpuVendor == nil && fleet.vendors.count > 1
        let widthLimit = UInt64(1) << UInt64(dmaBits)
        let dmaLimit = vendorNeutral ? min(widthLimit, C.AMD_HT_START) : widthLimit
        var widthHosts = fleet.minIOMMUBits <= cpuBits
            ? fleet.hostsWithNarrowestIOMMU.map { "\($0): address_bits \(fleet.minIOMMUBits)" }
            : fleet.hostsWithNarrowestCPU.map { "\($0): cpu phys_bits \(cpuBits)" }
        let limitText: String
        if dmaLimit < widthLimit {
            limitText = "below \(Hex.format(dmaLimit))"
            widthHosts = ["hosts of both CPU vendors and no cpu_vendor: the map must stay below QEMU's AMD relocation threshold; pin cpu_vendor to allow it"]
        } else {
            limitText = "below 2^\(dmaBits) = \(Hex.format(dmaLimit))"
        }
        let firstLowHole = fleet.forbidden.firstAddress(atOrAfter: 0) ?? .max
        let lowRoom = min(spec.machine == .pc ? C.i440fxGigabyteAlignedLowmem : C.lowmemLargeGuest, firstLowHole).alignedDown(unit)
        let tailRoom = (try? hole64Size.checkedAdd(spec.userHotplugBytes).checkedAdd(UInt64(spec.slots + 1) * Sizes.gib)) ?? .max
        let ceiling = vendorNeutral ? min(cpuLimit, C.AMD_HT_START) : cpuLimit
        let aboveLimit = ceiling > tailRoom ? min(dmaLimit, ceiling - tailRoom) : 0
        let aboveRoom = aboveLimit > C.above4GStartDefault
            ? fleet.forbidden.freeBytes(within: AddressRange(spanning: C.above4GStartDefault, aboveLimit - 1), alignment: unit) : 0
        let room = lowRoom + aboveRoom
        if spec.ram > room {
            let inside = fleet.holes.filter { $0.range.start < dmaLimit && $0.range.last >= C.above4GStartDefault && $0.reason != .beyondIOMMUWidth(bits: fleet.minIOMMUBits) }
                .sorted { ($0.range.size ?? .max, $1.range.start) > ($1.range.size ?? .max, $0.range.start) }
            var message = "the VM needs \(ByteCount.format(spec.ram)) of DMA-addressable RAM \(limitText) (\(widthHosts.joined(separator: ", "))); only \(ByteCount.format(room)) is free on every host there: \(ByteCount.format(lowRoom)) below 4 GiB"
            if firstLowHole < lowRoom + unit { message += " (low RAM must end at \(Hex.format(firstLowHole)))" }
            message += " and \(ByteCount.format(aboveRoom)) above it"
            if ceiling > tailRoom && ceiling - tailRoom < dmaLimit {
                message += ", after leaving \(ByteCount.format(tailRoom)) at the top for the 64-bit PCI hole, hotplug room and slot alignment"
            }
            if let largest = inside.first, let size = largest.range.size {
                message += "; the largest hole there, \(largest.label), takes \(ByteCount.format(size)) and leaves \(ByteCount.format(largest.range.start > C.above4GStartDefault ? largest.range.start - C.above4GStartDefault : 0)) above 4 GiB below it"
            }
            let widthHoles = fleet.holes.filter { $0.reason == .beyondIOMMUWidth(bits: fleet.minIOMMUBits) && dmaBits == fleet.minIOMMUBits }
            let family: ConstraintFamily = dmaLimit < widthLimit ? .amdRelocation : (dmaBits == fleet.minIOMMUBits ? .iommuWidth : .cpuWidth)
            conflicts.append(.init(message: message, hosts: hostNames(inside + widthHoles), holes: Array(inside.prefix(6)) + widthHoles, family: family, shortBy: spec.ram - room))
        } else if conflicts.isEmpty {
            let where_ = vendorNeutral ? "below \(Hex.format(ceiling)) (hosts of both CPU vendors and no cpu_vendor)" : "below 2^\(cpuBits) (\(fleet.hostsWithNarrowestCPU.map { "\($0): cpu phys_bits \(fleet.minCPUPhysBits)" }.joined(separator: ", ")))"
            let tail = "the 64-bit PCI hole (\(ByteCount.format(hole64Size))) and \(ByteCount.format(spec.userHotplugBytes)) of hotplug room with \(spec.slots) slot(s) must fit after the RAM \(where_)"
            conflicts.append(.init(message: tail, hosts: fleet.hostsWithNarrowestCPU, holes: [], family: vendorNeutral ? .amdRelocation : .cpuWidth))
        }
        if conflicts.isEmpty {
            conflicts = failures
        }
        return NoLayoutExists(vmName: spec.name, conflicts: conflicts)
    }

    private func hostNames(_ holes: [Hole]) -> [String] { Array(Set(holes.map(\.host))).sorted() }
}
