/// The MSI windows every host of an architecture reports the same way: one home for the constants
/// the probe (which classifies sysfs regions) and the fleet lint (which warns about mistyped
/// profiles) both rely on.
package enum HostMSIWindows {
    /// `IOAPIC_RANGE_START..IOAPIC_RANGE_END` (Intel, `drivers/iommu/intel/iommu.h`) and
    /// `MSI_RANGE_START..MSI_RANGE_END` (AMD, `drivers/iommu/amd/amd_iommu_types.h`): defined by the
    /// x86 processor, the same on every x86 host.
    package static let x86Interrupt = AddressRange(spanning: 0xfee0_0000, 0xfeef_ffff)

    /// `MSI_IOVA_BASE` / `MSI_IOVA_LENGTH` of the Arm SMMU drivers (`drivers/iommu/arm/arm-smmu*/`)
    /// and virtio-iommu: the software window (`IOMMU_RESV_SW_MSI`), fixed upstream (a module
    /// parameter to move it was rejected in 2020).
    package static let armSoftware = AddressRange(constantStart: 0x800_0000, size: 0x10_0000)
}
