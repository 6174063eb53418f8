import LayoutCore
import LayoutMachines
/// One way a layout fails on one host.
package struct Violation: Equatable, Sendable, CustomStringConvertible {
    /// The host the layout fails on.
    package var host: String
    /// The guest region at fault (`ram-above-4g`, `ls-dimm0`, …), or `cpu` for an address width.
    package var region: String
    /// What overlaps or exceeds what, with addresses.
    package var message: String
    package var description: String { "\(host): \(region): \(message)" }
}

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
                found.append(Violation(host: host.name, region: "cpu", message: "guest phys-bits \(layout.physBits) exceed the host CPU's \(host.cpuPhysBits)"))
            }
            if let limit = Sizes.limit(bits: host.cpuPhysBits), layout.topAddress >= limit {
                found.append(Violation(host: host.name, region: "cpu", message: "the guest map reaches \(Hex.format(layout.topAddress)), past the host CPU's \(host.cpuPhysBits)-bit limit"))
            }
            for target in targets {
                if let limit = Sizes.limit(bits: host.iommuAddressBits), target.range.last >= limit {
                    found.append(Violation(host: host.name, region: target.name, message: "\(target.range) reaches past the IOMMU's \(host.iommuAddressBits)-bit limit \(Hex.format(limit))"))
                }
                for region in host.reserved where region.type.blocksDMA(strictRelaxable: strictRelaxable) && region.range.overlaps(target.range) {
                    found.append(Violation(host: host.name, region: target.name, message: "\(target.range) overlaps \(region.label)"))
                }
                if let usable = host.iovaRanges, !AddressSet(usable).ranges.contains(where: { $0.contains(target.range) }) {
                    found.append(Violation(host: host.name, region: target.name, message: "\(target.range) is not inside one usable IOVA range"))
                }
            }
        }
        return found
    }
}
