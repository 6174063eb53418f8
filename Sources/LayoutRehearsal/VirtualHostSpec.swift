// What the virtual host reproduces of a real host: its IOMMU (flavour and address width) and
// reserved regions, and how much memory it gets (pinning needs the inner VM's RAM plus ~2 GiB).

package struct VirtualHostSpec: Sendable, Equatable {
    package enum IOMMU: Sendable, Equatable {
        /// QEMU's intel-iommu (VT-d). QEMU 7.2 accepts aw-bits 39 and 48 only (hw/i386/intel_iommu.c).
        case intel(awBits: Int)
        /// QEMU's amd-iommu; Linux adds the HyperTransport hole 0xfd00000000-0xffffffffff itself
        /// (drivers/iommu/amd/iommu.c, amd_iommu_get_resv_regions).
        case amd
        /// virtio-iommu-pci; `awBits` (input range) needs QEMU 9.0+, nil keeps QEMU's default (64).
        case virtio(awBits: Int?)
    }

    package enum RegionKind: Sendable, Equatable {
        case reserved
        case msi
        /// virtio-iommu's property type number (hw/virtio/virtio-iommu.c, VIRTIO_IOMMU_RESV_MEM_T_*).
        var virtioType: Int { self == .reserved ? 0 : 1 }
    }

    package struct Region: Sendable, Equatable {
        package var start: UInt64
        /// Inclusive, as in sysfs reserved_regions and QEMU's reserved-regions property.
        package var end: UInt64
        package var kind: RegionKind
        package init(start: UInt64, end: UInt64, kind: RegionKind = .reserved) {
            self.start = start
            self.end = end
            self.kind = kind
        }
    }

    package var iommu: IOMMU
    package var reservedRegions: [Region]
    /// The virtual host's RAM in MiB: the inner VM's RAM plus about 2 GiB for the kernel, the
    /// initramfs (~100 MB, held in RAM) and the inner QEMU.
    package var memoryMiB: UInt64

    package init(iommu: IOMMU, reservedRegions: [Region] = [], memoryMiB: UInt64 = 3072) {
        self.iommu = iommu
        self.reservedRegions = reservedRegions
        self.memoryMiB = memoryMiB
    }
}
