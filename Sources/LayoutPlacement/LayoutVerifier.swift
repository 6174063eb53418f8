import LayoutCore
import LayoutMachines
/// The exact check every layout passes before anyone sees it: each DMA target against each
/// host's own regions, widths and usable ranges, in integer arithmetic. It reads the host
/// profiles directly, not the solver's merged hole set, so a bug in merging cannot hide here.
package enum LayoutVerifier {
    /// Every way `layout` fails on `hosts`; empty when it fits all of them. Pass the result to
    /// ``SVGMap`` or ``ASCIIMap`` to draw it.
    package static func violations(of layout: GuestLayout, on hosts: [HostProfile], strictRelaxable: Bool) -> [Violation] {
        var found: [Violation] = []
        let targets = layout.dmaTargets
        // By index, not `for host in hosts`: that copied every profile (a retain per member) for
        // each candidate layout, a visible cost at 10,000 hosts.
        for index in hosts.indices {
            if layout.physBits > hosts[index].cpuPhysBits {
                found.append(Violation(host: hosts[index].name, region: "cpu", kind: .physBitsAboveHost, message: "guest phys-bits \(layout.physBits) exceed the host CPU's \(hosts[index].cpuPhysBits)"))
            }
            if let limit = Sizes.limit(bits: hosts[index].cpuPhysBits), layout.topAddress >= limit {
                found.append(Violation(host: hosts[index].name, region: "cpu", kind: .pastCPUWidth, message: "the guest map reaches \(Hex.format(layout.topAddress)), past the host CPU's \(hosts[index].cpuPhysBits)-bit limit"))
            }
            for target in targets {
                if let limit = Sizes.limit(bits: hosts[index].iommuAddressBits), target.range.last >= limit {
                    found.append(Violation(host: hosts[index].name, region: target.name, kind: .pastIOMMUWidth, guestRegion: target, message: "\(target.range) reaches past the IOMMU's \(hosts[index].iommuAddressBits)-bit limit \(Hex.format(limit))"))
                }
                let reserved = hosts[index].reserved
                for slot in reserved.indices where reserved[slot].type.blocksDMA(strictRelaxable: strictRelaxable) && reserved[slot].range.overlaps(target.range) {
                    let region = reserved[slot]
                    found.append(Violation(host: hosts[index].name, region: target.name, kind: .overlapsReservedRegion, guestRegion: target, hostRegion: region, message: "\(target.range) overlaps \(region.label)"))
                }
                if let usable = hosts[index].iovaRanges, !AddressSet(usable).ranges.contains(where: { $0.contains(target.range) }) {
                    found.append(Violation(host: hosts[index].name, region: target.name, kind: .outsideIOVARanges, guestRegion: target, message: "\(target.range) is not inside one usable IOVA range"))
                }
            }
        }
        return found
    }

    /// Every way the programmable-window placements fail: a window that overlaps a guest DMA target
    /// or one of its own host's fixed holes, lies outside the range the host allows, or is misaligned.
    package static func violations(of placements: [ProgrammablePlacement], layout: GuestLayout, on hosts: [HostProfile], strictRelaxable: Bool) -> [Violation] {
        // Most layouts place no window: no table of every host for them.
        if placements.isEmpty { return [] }
        var found: [Violation] = []
        let byName = Dictionary(hosts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for placement in placements {
            let label = "\(placement.type.rawValue) window \(placement.path)"
            guard let host = byName[placement.host], let window = host.programmable.first(where: { $0.path == placement.path }) else {
                found.append(Violation(host: placement.host, region: label, kind: .unknownProgrammableWindow, programmable: placement, message: "placed for a window the host's profile does not have"))
                continue
            }
            if placement.range.size != window.size || placement.range.start % max(window.align, 1) != 0 || !window.within.contains(placement.range) {
                found.append(Violation(host: host.name, region: label, kind: .programmableWindowMisplaced, programmable: placement, message: "\(placement.range) is not a \(Hex.format(window.size))-byte window aligned to \(Hex.format(window.align)) inside \(window.within)"))
            }
            for target in layout.dmaTargets where target.range.overlaps(placement.range) {
                found.append(Violation(host: host.name, region: label, kind: .programmableWindowOverlapsGuest, guestRegion: target, programmable: placement, message: "\(placement.range) overlaps the guest's \(target.name) \(target.range)"))
            }
            for region in host.reserved where region.type.blocksDMA(strictRelaxable: strictRelaxable) && region.range.overlaps(placement.range) {
                found.append(Violation(host: host.name, region: label, kind: .programmableWindowOverlapsHostRegion, hostRegion: region, programmable: placement, message: "\(placement.range) overlaps the host's own \(region.label)"))
            }
        }
        return found
    }
}
