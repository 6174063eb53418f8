import LayoutCore
import LayoutMachines

/// The candidate places for each host's programmable windows that the placement MIP chooses among.
///
/// RAM fills each of its regions upward from a fixed start (address 0, where the RAM above the
/// first hole starts, each DIMM gap's start), so a window clear of RAM can always move up until it
/// meets the next region start or the end of its free segment. The candidates are therefore, in
/// each segment of `within` free of the host's own holes, the highest aligned place ending at or
/// before each region start inside the segment and before the segment's end. If any place fits
/// next to a layout's RAM, one of these does too, so no layout is lost by choosing among them.
enum WindowRoom {
    static func candidates(fleet: Fleet, input: PlacementInput) -> [WindowCandidates] {
        var starts = [input.scenario.aboveStart] + input.gaps.map(\.start)
        if input.hasLowRAM { starts.append(0) }
        starts = Array(Set(starts)).sorted()
        var result: [WindowCandidates] = []
        for host in fleet.hosts where !host.programmable.isEmpty {
            let fixed = AddressSet(Fleet.holes(of: host, strictRelaxable: fleet.strictRelaxable).filter {
                if case .beyondIOMMUWidth = $0.reason { return false }
                return true
            }.map(\.range))
            for window in host.programmable {
                var places: [AddressRange] = []
                for segment in fixed.gaps(within: window.within) {
                    let limits = [segment.last] + starts.filter { $0 > segment.start && $0 <= segment.last }.map { $0 - 1 }
                    for last in limits {
                        if let place = highestPlace(for: window, from: segment.start, last: last) { places.append(place) }
                    }
                }
                if let base = window.defaultBase, let place = AddressRange(start: base, size: window.size), window.within.contains(place), !fixed.intersects(place) {
                    places.append(place)
                }
                result.append(WindowCandidates(host: host.name, path: window.path, candidates: Array(Set(places)).sorted(by: <)))
            }
        }
        return result
    }

    /// The highest place for `window` aligned to its alignment inside [from, last].
    static func highestPlace(for window: ProgrammableRegion, from: UInt64, last: UInt64) -> AddressRange? {
        guard window.size > 0, window.align.isPowerOfTwo, last >= from, last - from >= window.size - 1 else { return nil }
        let start = (last - (window.size - 1)).alignedDown(window.align)
        guard start >= from else { return nil }
        return AddressRange(start: start, size: window.size)
    }
}
