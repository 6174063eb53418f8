import LayoutCore
import LayoutMachines

/// The exact check of a virtual-IOMMU plan (``VIOMMUPlan``), in the same spirit as the layout's:
/// it reads each host's own profile, not the fleet's merged holes the plan was made from, so a bug
/// in merging or in `VIOMMUPlan.make` cannot hide here.
///
/// What the plan tells (or would tell) the guest must be safe on every host: every range a host's
/// IOMMU cannot map and that the guest could pick as IOVA is listed, MSI doorbells and placed
/// programmable windows are listed as MSI (VIRTIO_IOMMU_RESV_MEM_T_MSI, which the guest maps as
/// a doorbell instead of avoiding), and nothing listed covers guest memory, or DMA to that memory
/// through the virtual IOMMU's identity view would be refused by the guest.
extension LayoutVerifier {
    /// Every way `plan` disagrees with the layout, the hosts and the placed programmable windows;
    /// empty when it is exact. A nil plan (no virtio-iommu) has nothing to check.
    package static func violations(of plan: VIOMMUPlan?, layout: GuestLayout, placements: [ProgrammablePlacement], on hosts: [HostProfile], strictRelaxable: Bool) -> [Violation] {
        guard let plan else { return [] }
        var found: [Violation] = []
        func inconsistent(_ message: String, host: String = "*") {
            found.append(Violation(host: host, region: "virtio-iommu", kind: .viommuInconsistent, message: message))
        }

        // The regions are what the guest reads: sorted, disjoint (QEMU's reserved-regions and the
        // guest's iommu_get_resv_regions both expect that).
        for (earlier, later) in zip(plan.regions, plan.regions.dropFirst()) where !(earlier.range.last < later.range.start) {
            inconsistent("regions \(earlier.range) and \(later.range) are not sorted and disjoint")
        }
        let narrowest = hosts.map(\.iommuAddressBits).min()
        if let narrowest, plan.narrowestIOMMUBits != narrowest {
            inconsistent("narrowest IOMMU width \(plan.narrowestIOMMUBits) is not the hosts' \(narrowest)")
        }
        if let bits = plan.addressBits {
            // hw/virtio/virtio-iommu.c (9.0+): "aw-bits must be within [32,64]"; older QEMU has no aw-bits.
            if !VirtioIOMMUCompatibility.hasAddressBits(qemu: layout.qemu) || !(32...64).contains(bits) {
                inconsistent("aw-bits=\(bits) is not a value QEMU \(layout.qemu) accepts")
            }
            if let narrowest, bits != narrowest {
                inconsistent("aw-bits=\(bits) is not the narrowest host IOMMU width \(narrowest)")
            }
        }
        if plan.machineWindow != VIOMMUPlan.machineWindow(of: layout.knobs) {
            inconsistent("the machine's own window \(plan.machineWindow.map(\.description) ?? "none") is not what \(layout.machineType)'s pre-plug hook sets")
        }

        // The guest's IOVA space: below 2^aw-bits, or all 64 bits without aw-bits.
        let window = AddressRange(spanning: 0, plan.addressBits.flatMap { Sizes.limit(bits: $0) }.map { $0 - 1 } ?? .max)
        let all = AddressSet(plan.regions.map(\.range))
        let msi = AddressSet(plan.regions.filter { $0.type == .msi }.map(\.range))
        let plain = AddressSet(plan.regions.filter { $0.type == .reserved }.map(\.range))

        for host in hosts {
            // Every hole of the host's own profile, clipped to the guest's window.
            var holes: [(range: AddressRange, label: String, region: ReservedRegion?, isMSI: Bool)] = []
            for region in host.reserved where region.type.blocksDMA(strictRelaxable: strictRelaxable) {
                holes.append((region.range, region.label, region, region.type == .msi || region.type == .swMSI))
            }
            if let usable = host.iovaRanges {
                for gap in AddressSet(usable).gaps(within: AddressRange(spanning: 0, .max)) {
                    holes.append((gap, "outside the usable iova_ranges \(gap)", nil, false))
                }
            }
            if let limit = Sizes.limit(bits: host.iommuAddressBits) {
                let past = AddressRange(spanning: limit, .max)
                holes.append((past, "past the IOMMU's \(host.iommuAddressBits)-bit width \(past)", nil, false))
            }
            for hole in holes {
                guard let inside = hole.range.intersection(window) else { continue }
                if !all.gaps(within: inside).isEmpty {
                    found.append(Violation(host: host.name, region: "virtio-iommu", kind: .viommuMissesHostRegion, hostRegion: hole.region,
                                           message: "\(inside) (\(hole.label)) is not in the plan's reserved regions"))
                } else if hole.isMSI && !msi.gaps(within: inside).isEmpty {
                    found.append(Violation(host: host.name, region: "virtio-iommu", kind: .viommuWrongRegionType, hostRegion: hole.region,
                                           message: "MSI window \(inside) (\(hole.label)) is not typed MSI in the plan"))
                }
            }
        }
        // Where a programmable window was placed is an MSI doorbell on that host; a plain reserved
        // range over it would make the guest refuse to map the doorbell there.
        for placement in placements {
            guard let inside = placement.range.intersection(window) else { continue }
            let label = "\(placement.type.rawValue) window \(placement.path)"
            if !all.gaps(within: inside).isEmpty {
                found.append(Violation(host: placement.host, region: label, kind: .viommuMissesHostRegion, programmable: placement,
                                       message: "placed window \(inside) is not in the plan's reserved regions"))
            } else if !msi.gaps(within: inside).isEmpty || plain.intersects(inside) {
                found.append(Violation(host: placement.host, region: label, kind: .viommuWrongRegionType, programmable: placement,
                                       message: "placed window \(inside) is not typed MSI in the plan"))
            }
        }
        // Guest memory (RAM, cold-plugged and planned DIMMs, every DMA target) must stay mappable.
        for target in layout.regions where target.isDMATarget || [.ram, .dimm, .hotplug].contains(target.kind) {
            for region in plan.regions where region.range.overlaps(target.range) {
                found.append(Violation(host: "*", region: target.name, kind: .viommuOverlapsGuest, guestRegion: target,
                                       message: "the plan reserves \(region.range) (type \(region.type.rawValue)), which overlaps the guest's \(target.name) \(target.range)"))
            }
        }
        return found
    }
}
