import LayoutCore
/// Tells the two MSI kinds apart. sysfs prints `IOMMU_RESV_MSI` (a hardware doorbell that bypasses
/// translation) and `IOMMU_RESV_SW_MSI` (the window where the kernel maps the doorbell itself)
/// both as `msi`, so the kind is decided from the architecture and the well-known windows.
package enum MSIClassifier {
    /// The x86 interrupt window (``HostMSIWindows/x86Interrupt``).
    package static var x86InterruptWindow: AddressRange { HostMSIWindows.x86Interrupt }

    /// The Arm SMMU software MSI window (``HostMSIWindows/armSoftware``).
    package static var armSoftwareWindow: AddressRange { HostMSIWindows.armSoftware }

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
