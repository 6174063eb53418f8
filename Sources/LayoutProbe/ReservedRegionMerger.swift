import LayoutCore
/// A reserved region of the probed host after the union over its IOMMU groups.
package struct ProbedRegion: Equatable, Sendable {
    package var range: AddressRange
    package var type: ReservedType
    /// The groups whose files listed (part of) it, ascending.
    package var groups: [Int]

    package init(range: AddressRange, type: ReservedType, groups: [Int]) {
        self.range = range
        self.type = type
        self.groups = groups
    }
}

package enum ReservedRegionMerger {
    /// The union of every group's regions, merged the way `iommu_insert_resv_region()` merges a
    /// group's list: overlapping or adjacent regions of the same type become one, regions of
    /// different types are kept apart even where they overlap (a `direct` RMRR and a
    /// `direct-relaxable` copy of it are different facts). Sorted by start, then in the kernel's
    /// `enum iommu_resv_type` order, then by end, so the same host always gives the same list.
    package static func merge(_ regions: [(range: AddressRange, type: ReservedType, group: Int)]) -> [ProbedRegion] {
        var merged: [ProbedRegion] = []
        for type in ReservedType.allCases {
            let sameType = regions.filter { $0.type == type }.sorted { ($0.range.start, $0.range.last, $0.group) < ($1.range.start, $1.range.last, $1.group) }
            var current: ProbedRegion?
            for region in sameType {
                if var open = current, touches(open.range, region.range) {
                    if let widened = AddressRange(start: open.range.start, last: max(open.range.last, region.range.last)) { open.range = widened }
                    if !open.groups.contains(region.group) { open.groups.append(region.group) }
                    current = open
                } else {
                    if let open = current { merged.append(open) }
                    current = ProbedRegion(range: region.range, type: type, groups: [region.group])
                }
            }
            if let open = current { merged.append(open) }
        }
        for index in merged.indices { merged[index].groups.sort() }
        return merged.sorted { lhs, rhs in
            if lhs.range.start != rhs.range.start { return lhs.range.start < rhs.range.start }
            let lhsOrder = ReservedType.allCases.firstIndex(of: lhs.type) ?? 0, rhsOrder = ReservedType.allCases.firstIndex(of: rhs.type) ?? 0
            if lhsOrder != rhsOrder { return lhsOrder < rhsOrder }
            return lhs.range.last < rhs.range.last
        }
    }

    /// `next` starts inside `open` or right after it (the kernel's `start > top_end + 1` test).
    static func touches(_ open: AddressRange, _ next: AddressRange) -> Bool {
        open.last == .max || next.start <= open.last + 1
    }
}
