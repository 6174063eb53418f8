/// A range of guest-physical or IOVA addresses, inclusive at both ends.
///
/// Inclusive ends match `/sys/kernel/iommu_groups/*/reserved_regions` and VFIO's IOVA-range
/// capability, and they let a range reach `UInt64.max` without an address that does not exist.
public struct AddressRange: Hashable, Sendable, CustomStringConvertible {
    public let start: UInt64
    public let last: UInt64

    /// Creates `[start, last]`; nil when `last < start`.
    public init?(start: UInt64, last: UInt64) {
        guard last >= start else { return nil }
        self.start = start
        self.last = last
    }

    /// Creates `[start, start + size)`; nil for a size of zero or one that runs past 2^64.
    public init?(start: UInt64, size: UInt64) {
        guard size > 0 else { return nil }
        let (lastAddress, overflow) = start.addingReportingOverflow(size - 1)
        guard !overflow else { return nil }
        self.start = start
        self.last = lastAddress
    }

    /// The number of bytes, or nil for the one range whose size is 2^64.
    public var size: UInt64? {
        let (count, overflow) = (last - start).addingReportingOverflow(1)
        return overflow ? nil : count
    }

    /// The first address after the range, or nil when the range ends at the top of the space.
    public var end: UInt64? { last == .max ? nil : last + 1 }

    public func contains(_ address: UInt64) -> Bool { address >= start && address <= last }
    public func contains(_ other: AddressRange) -> Bool { other.start >= start && other.last <= last }
    public func overlaps(_ other: AddressRange) -> Bool { other.start <= last && start <= other.last }

    package func intersection(_ other: AddressRange) -> AddressRange? {
        AddressRange(start: max(start, other.start), last: min(last, other.last))
    }

    /// Address order (start, then end), for sorting inside the package: `ranges.sorted(by: <)`.
    package static func < (lhs: AddressRange, rhs: AddressRange) -> Bool {
        (lhs.start, lhs.last) < (rhs.start, rhs.last)
    }

    public var description: String { "\(Hex.format(start))-\(Hex.format(last))" }
}
