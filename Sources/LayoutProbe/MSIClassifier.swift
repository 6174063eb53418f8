import LayoutCore
/// Tells the two MSI kinds apart. sysfs prints `IOMMU_RESV_MSI` (a hardware doorbell that bypasses
/// translation) and `IOMMU_RESV_SW_MSI` (the window where the kernel maps the doorbell itself)
/// both as `msi`, so the kind is decided from the architecture and the well-known windows.
package enum MSIClassifier {
    /// `IOAPIC_RANGE_START..IOAPIC_RANGE_END` (Intel) and `MSI_RANGE_START..MSI_RANGE_END` (AMD):
    /// defined by the x86 processor, the same on every x86 host.
    package static let x86InterruptWindow = AddressRange(spanning: 0xfee0_0000, 0xfeef_ffff)

    /// `MSI_IOVA_BASE` / `MSI_IOVA_LENGTH` of the Arm SMMU drivers (and virtio-iommu): the software
    /// window, fixed upstream (a module parameter to move it was rejected in 2020).
    package static let armSoftwareWindow = AddressRange(constantStart: 0x800_0000, size: 0x10_0000)

    /// The profile type of one sysfs region. Only `msi` needs deciding: x86 IOMMU drivers report
    /// no software window, and on arm64 only the exact 1 MiB window at 0x8000000 is software;
    /// anything else there (the HiSilicon ITS page) is a hardware doorbell from IORT.
    package static func type(of kind: SysfsReservedRegion.Kind, range: AddressRange, arch: HostProfile.Architecture) -> ReservedType {
        switch kind {
        case .direct: return .direct
        case .directRelaxable: return .directRelaxable
        case .reserved: return .reserved
        case .msi: return arch == .aarch64 && range == armSoftwareWindow ? .swMSI : .msi
        }
    }
}
