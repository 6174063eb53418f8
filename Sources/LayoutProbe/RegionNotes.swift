import LayoutCore
/// The `note` of a probed region: what the region is, how its type was decided, and which
/// groups listed it, so a reader of the profile can check it against the host.
package enum RegionNotes {
    package static let isaBridge = AddressRange(spanning: 0, 0xff_ffff)
    package static let amdHyperTransport = AddressRange(spanning: 0xfd_0000_0000, 0xff_ffff_ffff)

    package static func note(for region: ProbedRegion, arch: HostProfile.Architecture, kind: IOMMUKind, allRegions: [ProbedRegion]) -> String {
        let groups = (region.groups.count == 1 ? "group " : "groups ") + IOMMUGroups.compact(region.groups)
        return "\(what(region, arch: arch, kind: kind, allRegions: allRegions)); \(groups)"
    }

    package static func what(_ region: ProbedRegion, arch: HostProfile.Architecture, kind: IOMMUKind, allRegions: [ProbedRegion]) -> String {
        let range = region.range
        switch region.type {
        case .msi:
            if arch == .x86_64 {
                if range == MSIClassifier.x86InterruptWindow {
                    return "x86 interrupt window 0xfee00000-0xfeefffff (IOMMU_RESV_MSI), a hardware MSI doorbell: on x86 every msi line is one, since x86 IOMMU drivers report no software MSI window"
                }
                return "msi outside the x86 interrupt window, kept as a fixed hardware doorbell: x86 IOMMU drivers report no software MSI window"
            }
            if arch == .aarch64 {
                let software = allRegions.contains { $0.type == .swMSI }
                return "hardware MSI doorbell (untranslated, e.g. an ITS page from IORT): an arm64 msi line other than the 1 MiB software window at 0x8000000"
                    + (software ? "; VFIO uses it instead of the software window (vfio_iommu_has_sw_msi)" : "")
            }
            return "msi, kept as a fixed hardware doorbell (no software MSI window is known on \(arch.rawValue))"
        case .swMSI:
            let hardware = allRegions.contains { $0.type == .msi }
            return "software MSI window (MSI_IOVA_BASE 0x8000000, MSI_IOVA_LENGTH 1 MiB, IOMMU_RESV_SW_MSI of the Arm SMMU and virtio-iommu drivers), told from a hardware doorbell by its address and size because sysfs prints both as msi; a fixed region, not programmable, because the kernel fixes its base"
                + (hardware ? "; this host also has a hardware doorbell, which VFIO uses instead, but type1 still excludes this window from the usable IOVA ranges" : "")
        case .direct, .directRelaxable:
            var text: String
            switch kind {
            case .intelVTd where range == isaBridge:
                text = "ISA/LPC bridge 16 MiB (CONFIG_INTEL_IOMMU_FLOPPY_WA)"
            case .intelVTd:
                text = region.type == .direct ? "RMRR (ACPI DMAR)" : "RMRR (ACPI DMAR) of a USB or graphics device"
            case .amdVi:
                text = "IVMD unity map (ACPI IVRS)"
            case .armSMMUv3, .armSMMU:
                text = "IORT RMR or devicetree iommu-addresses 1:1 region"
            case .s390, .other:
                text = "1:1 region"
            }
            text += region.type == .direct
                ? ", non-relaxable: the kernel requires a 1:1 mapping, so the devices of these groups cannot be assigned to a VM"
                : ", relaxable: VFIO ignores it"
            return text
        case .reserved:
            switch kind {
            case .amdVi where range == amdHyperTransport:
                return "HyperTransport range (HT_RANGE_START..HT_RANGE_END, 12 GiB below 1 TiB)"
            case .amdVi:
                return "IVMD exclusion range (ACPI IVRS) or another never-map range"
            case .s390:
                return "outside the zPCI DMA window (s390_iommu_get_resv_regions)"
            default:
                return "never-map range (IOMMU_RESV_RESERVED)"
            }
        }
    }
}
