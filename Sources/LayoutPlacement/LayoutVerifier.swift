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
        for host in hosts {
            if layout.physBits > host.cpuPhysBits {
                found.append(Violation(host: host.name, region: "cpu", kind: .physBitsAboveHost, message: "guest phys-bits \(layout.physBits) exceed the host CPU's \(host.cpuPhysBits)"))
            }
            if let limit = Sizes.limit(bits: host.cpuPhysBits), layout.topAddress >= limit {
                found.append(Violation(host: host.name, region: "cpu", kind: .pastCPUWidth, message: "the guest map reaches \(Hex.format(layout.topAddress)), past the host CPU's \(host.cpuPhysBits)-bit limit"))
            }
            for target in targets {
                if let limit = Sizes.limit(bits: host.iommuAddressBits), target.range.last >= limit {
                    found.append(Violation(host: host.name, region: target.name, kind: .pastIOMMUWidth, guestRegion: target, message: "\(target.range) reaches past the IOMMU's \(host.iommuAddressBits)-bit limit \(Hex.format(limit))"))
                }
                for region in host.reserved where region.type.blocksDMA(strictRelaxable: strictRelaxable) && region.range.overlaps(target.range) {
                    found.append(Violation(host: host.name, region: target.name, kind: .overlapsReservedRegion, guestRegion: target, hostRegion: region, message: "\(target.range) overlaps \(region.label)"))
                }
                if let usable = host.iovaRanges, !AddressSet(usable).ranges.contains(where: { $0.contains(target.range) }) {
                    found.append(Violation(host: host.name, region: target.name, kind: .outsideIOVARanges, guestRegion: target, message: "\(target.range) is not inside one usable IOVA range"))
                }
            }
        }
        return found
    }

    /// Every way the programmable-window placements fail: a window that overlaps a guest DMA target
    /// or one of its own host's fixed holes, lies outside the range the host allows, or is misaligned.
    package static func violations(of placements: [ProgrammablePlacement], layout: GuestLayout, on hosts: [HostProfile], strictRelaxable: Bool) -> [Violation] {
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
