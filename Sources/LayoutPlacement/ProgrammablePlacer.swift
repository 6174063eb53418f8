import LayoutCore
import LayoutMachines
/// Places each host's programmable windows clear of every guest DMA target and of the host's own
/// fixed holes: the default base when it is free, else the lowest aligned base that is.
package enum ProgrammablePlacer {
    package enum Outcome {
        case placed([ProgrammablePlacement])
        /// This host's window has nowhere to go: reserve this range and solve again.
        case needsReservation(Hole)
    }

    package static func place(for layout: GuestLayout, fleet: Fleet) -> Outcome {
        var placements: [ProgrammablePlacement] = []
        let targets = AddressSet(layout.dmaTargets.map(\.range))
        // Only hosts that have a window; by index, so no profile is copied for the others.
        for index in fleet.hosts.indices where !fleet.hosts[index].programmable.isEmpty {
            let host = fleet.hosts[index]
            let fixed = Fleet.holes(of: host, strictRelaxable: fleet.strictRelaxable).filter {
                if case .beyondIOMMUWidth = $0.reason { return false }
                return true
            }
            let occupied = targets.union(AddressSet(fixed.map(\.range)))
            for window in host.programmable {
                if let base = window.defaultBase, let range = AddressRange(start: base, size: window.size), !occupied.intersects(range) {
                    placements.append(ProgrammablePlacement(host: host.name, path: window.path, type: window.type, range: range, isDefault: true))
                    continue
                }
                if let range = lowestFreeWindow(window, avoiding: occupied) {
                    placements.append(ProgrammablePlacement(host: host.name, path: window.path, type: window.type, range: range, isDefault: false))
                    continue
                }
                // Keep the default (or the first place free of every host hole) out of the guest's DMA targets.
                let wanted = window.defaultBase.flatMap { AddressRange(start: $0, size: window.size) }
                    ?? lowestFreeWindow(window, avoiding: fleet.forbidden)
                    ?? AddressRange(constantStart: window.within.start, size: window.size)
                return .needsReservation(Hole(range: wanted, host: host.name, reason: .programmableWindow, note: window.note, path: window.path))
            }
        }
        return .placed(placements)
    }

    package static func lowestFreeWindow(_ window: ProgrammableRegion, avoiding occupied: AddressSet) -> AddressRange? {
        for gap in occupied.gaps(within: window.within) {
            guard let base = try? gap.start.alignedUp(window.align), let range = AddressRange(start: base, size: window.size) else { continue }
            if gap.contains(range) { return range }
        }
        return nil
    }
}
