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
///
/// DIMMs are the exception: a gap's DIMMs may also begin after a window instead of at the gap's
/// start. So each segment's lowest place is a candidate too, and the part of a gap after each
/// candidate inside it is a gap of its own, usable only with the window there
/// (``gapsAfterWindows(_:windows:block:)``). A window below a gap's DIMMs can move down to its
/// segment's lowest place, or to the highest place before the DIMMs' first block, taking them
/// along; those are candidates, so again no layout is lost.
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
                    let limits = [segment.last] + (starts + roomSteps(input, inside: segment)).filter { $0 > segment.start && $0 <= segment.last }.map { $0 - 1 }
                    for last in limits {
                        if let place = highestPlace(for: window, from: segment.start, last: last) { places.append(place) }
                    }
                    if let place = lowestPlace(for: window, in: segment) { places.append(place) }
                }
                if let base = window.defaultBase, let place = AddressRange(start: base, size: window.size), window.within.contains(place), !fixed.intersects(place) {
                    places.append(place)
                }
                result.append(WindowCandidates(host: host.name, path: window.path, candidates: Array(Set(places)).sorted(by: <)))
            }
        }
        return result
    }

    /// The parts of `gaps` after each window candidate inside them, each after its parent and
    /// tied to its candidate (`DIMMGap.afterWindow`), in address order. The room after the above
    /// RAM is left out: the model already lets its DIMMs begin after a window there.
    static func gapsAfterWindows(_ gaps: [DIMMGap], windows: [WindowCandidates], block: UInt64) -> [DIMMGap] {
        var result: [DIMMGap] = []
        for gap in gaps {
            result.append(gap)
            guard !gap.followsAboveRAM, gap.afterWindow == nil else { continue }
            var parts: [DIMMGap] = []
            for (windowIndex, window) in windows.enumerated() {
                for (candidateIndex, place) in window.candidates.enumerated() where place.start < gap.end && place.last >= gap.start && place.last < gap.gap.last {
                    guard let start = try? (place.last + 1).alignedUp(block), start < gap.end, gap.end - start >= block else { continue }
                    parts.append(DIMMGap(gap: AddressRange(spanning: start, gap.gap.last), start: start, capacity: gap.end - start,
                                         afterWindow: WindowSeat(window: windowIndex, candidate: candidateIndex)))
                }
            }
            result += parts.sorted { ($0.start, $0.afterWindow?.window ?? 0, $0.afterWindow?.candidate ?? 0) < ($1.start, $1.afterWindow?.window ?? 0, $1.afterWindow?.candidate ?? 0) }
        }
        return result
    }

    /// Where the DIMMs in the room after the above RAM may begin inside `segment`: the model's
    /// `dev`, a multiple of the block. A window just below them is as far from the RAM as it can
    /// be. At most 64 of them: a window is an MSI doorbell, within a few GiB.
    static func roomSteps(_ input: PlacementInput, inside segment: AddressRange) -> [UInt64] {
        guard let room = input.gaps.first(where: \.followsAboveRAM) else { return [] }
        let step = input.dimmUnit
        guard let first = try? max(segment.start, room.start).alignedUp(step) else { return [] }
        var steps: [UInt64] = []
        var next = first
        while next <= min(segment.last, room.end), steps.count < 64 {
            steps.append(next)
            guard let after = try? next.checkedAdd(step) else { break }
            next = after
        }
        return steps
    }

    /// The lowest place for `window` aligned to its alignment inside `segment`.
    static func lowestPlace(for window: ProgrammableRegion, in segment: AddressRange) -> AddressRange? {
        guard window.size > 0, window.align.isPowerOfTwo, let start = try? segment.start.alignedUp(window.align),
              let place = AddressRange(start: start, size: window.size), segment.contains(place) else { return nil }
        return place
    }

    /// The highest place for `window` aligned to its alignment inside [from, last].
    static func highestPlace(for window: ProgrammableRegion, from: UInt64, last: UInt64) -> AddressRange? {
        guard window.size > 0, window.align.isPowerOfTwo, last >= from, last - from >= window.size - 1 else { return nil }
        let start = (last - (window.size - 1)).alignedDown(window.align)
        guard start >= from else { return nil }
        return AddressRange(start: start, size: window.size)
    }
}
