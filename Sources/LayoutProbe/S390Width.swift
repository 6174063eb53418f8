import LayoutCore
/// The s390 zPCI DMA aperture, which no sysfs file states but the reserved regions imply:
/// `s390_iommu_get_resv_regions()` reserves everything from the end of the DMA window up to
/// the aperture end, `ZPCI_TABLE_SIZE_RT - 1` = 2^42 - 1 on the kernels that print it.
package enum S390Width {
    /// `ZPCI_TABLE_SIZE_RT` (1 << 42): the stand-in when no region reaches the aperture end.
    package static let tableSizeBits = 42

    /// The width whose top the highest reserved region ends at, or nil when that end is not
    /// 2^n - 1 (then the aperture end is not known exactly).
    package static func bits(topOfReservedRegions top: UInt64) -> Int? {
        guard top != .max else { return 64 }
        let size = top + 1
        guard size.isPowerOfTwo else { return nil }
        return size.trailingZeroBitCount
    }
}
