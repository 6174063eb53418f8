/// A set of addresses kept as sorted, disjoint, non-adjacent inclusive ranges.
package struct AddressSet: Equatable, Sendable, CustomStringConvertible {
    package private(set) var ranges: [AddressRange] = []

    package init() {}

    package init<S: Sequence>(_ ranges: S) where S.Element == AddressRange {
        var sorted = Array(ranges)
        sorted.sort(by: <)
        var merged: [AddressRange] = []
        merged.reserveCapacity(sorted.count)
        for range in sorted {
            // Merging touching ranges as well as overlapping ones keeps "the gap between two holes"
            // well-defined: a gap is never empty.
            if let lastRange = merged.last, lastRange.end.map({ range.start <= $0 }) ?? true {
                merged[merged.count - 1] = AddressRange(spanning: lastRange.start, max(lastRange.last, range.last))
            } else {
                merged.append(range)
            }
        }
        self.ranges = merged
    }

    package var isEmpty: Bool { ranges.isEmpty }

    package func union(_ other: AddressSet) -> AddressSet { AddressSet(ranges + other.ranges) }

    package func inserting(_ range: AddressRange) -> AddressSet { AddressSet(ranges + [range]) }

    package func contains(_ address: UInt64) -> Bool { firstIndex(endingAtOrAfter: address).map { ranges[$0].contains(address) } ?? false }

    /// The ranges of the set that overlap `range`, in address order.
    package func overlapping(_ range: AddressRange) -> [AddressRange] {
        guard var index = firstIndex(endingAtOrAfter: range.start) else { return [] }
        var found: [AddressRange] = []
        while index < ranges.count, ranges[index].start <= range.last {
            found.append(ranges[index])
            index += 1
        }
        return found
    }

    package func intersects(_ range: AddressRange) -> Bool { !overlapping(range).isEmpty }

    /// The complement of the set within `bounds`: the free gaps, in address order.
    package func gaps(within bounds: AddressRange) -> [AddressRange] {
        var gaps: [AddressRange] = []
        var cursor: UInt64? = bounds.start
        for range in ranges where range.last >= bounds.start {
            guard let from = cursor, range.start <= bounds.last else { break }
            if range.start > from, let gap = AddressRange(start: from, last: min(range.start - 1, bounds.last)) {
                gaps.append(gap)
            }
            cursor = range.end.map { max($0, from) }
            if range.last >= bounds.last { cursor = nil }
        }
        if let from = cursor, from <= bounds.last, let gap = AddressRange(start: from, last: bounds.last) {
            gaps.append(gap)
        }
        return gaps
    }

    /// Bytes outside the set within `bounds`, counting each gap only between its `alignment`
    /// boundaries: how much RAM the gaps can hold in pieces of that granule.
    package func freeBytes(within bounds: AddressRange, alignment: UInt64) -> UInt64 {
        gaps(within: bounds).reduce(UInt64(0)) { total, gap in
            guard let start = try? gap.start.alignedUp(alignment) else { return total }
            let end = (gap.end ?? .max).alignedDown(alignment)
            return end > start ? total &+ (end - start) : total
        }
    }

    /// The first address at or after `address` that is in the set, if any.
    package func firstAddress(atOrAfter address: UInt64) -> UInt64? {
        guard let index = firstIndex(endingAtOrAfter: address) else { return nil }
        return max(ranges[index].start, address)
    }

    /// Binary search: the first range whose last address is >= `address`.
    private func firstIndex(endingAtOrAfter address: UInt64) -> Int? {
        var low = 0, high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].last < address { low = middle + 1 } else { high = middle }
        }
        return low < ranges.count ? low : nil
    }

    package var description: String { "[" + ranges.map(\.description).joined(separator: ", ") + "]" }
}
