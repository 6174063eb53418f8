/// Non-failable constructions of `AddressRange`, so constants and derived ranges need no force
/// unwrap: any two addresses span a range (crosvm's `AddressRange::from_start_and_end` idea).
extension AddressRange {
    /// `[min(a, b), max(a, b)]`: total, so it cannot trap on any input.
    package init(spanning a: UInt64, _ b: UInt64) {
        self.start = Swift.min(a, b)
        self.last = Swift.max(a, b)
    }

    /// The one-byte range `[address, address]`.
    package init(single address: UInt64) { self.init(spanning: address, address) }

    /// `[start, start + size - 1]`, saturating at the top of the space; a size of 0 gives one byte.
    /// For constants whose validity is visible at the call site.
    package init(constantStart start: UInt64, size: UInt64) {
        let (lastAddress, overflow) = start.addingReportingOverflow(Swift.max(size, 1) - 1)
        self.init(spanning: start, overflow ? .max : lastAddress)
    }
}
