import LayoutCore
/// The numbers QEMU 7.2 uses to lay out an Arm `virt` machine, named as QEMU names them
/// (hw/arm/virt.c `base_memmap` and `extended_memmap`); runs in QEMUMemoryLayout.md (LayoutSolver.docc), "Arm virt".
package enum VirtConstants {
    /// VIRT_FLASH: two 64 MiB pflash banks.
    package static let VIRT_FLASH = AddressRange(constantStart: 0, size: 0x0800_0000)
    /// VIRT_GIC_DIST up to the ITS: distributor, CPU interface, v2m, hypervisor and vCPU interfaces.
    package static let VIRT_GIC = AddressRange(spanning: 0x0800_0000, 0x0808_ffff)
    /// GICv2m's MSI_SETSPI_NS page, the guest's doorbell with GICv2.
    package static let VIRT_GIC_V2M_DOORBELL = AddressRange(constantStart: 0x0802_0000, size: 0x1000)
    /// VIRT_GIC_ITS base 0x08080000; GITS_TRANSLATER is its second 64 KiB page: the guest's doorbell with GICv3.
    package static let VIRT_GIC_ITS_DOORBELL = AddressRange(constantStart: 0x0809_0000, size: 0x1_0000)
    /// VIRT_GIC_REDIST: 0xF60000 bytes, room for 123 vCPUs.
    package static let VIRT_GIC_REDIST = AddressRange(constantStart: 0x080a_0000, size: 0x00f6_0000)
    /// UART, RTC, fw_cfg, GPIO, SMMU, ACPI devices, virtio-mmio, platform bus, secure memory.
    package static let platformDevices = AddressRange(spanning: 0x0900_0000, 0x0fff_ffff)
    /// VIRT_PCIE_MMIO: the 32-bit PCIe window.
    package static let VIRT_PCIE_MMIO = AddressRange(constantStart: 0x1000_0000, size: 0x2eff_0000)
    /// VIRT_PCIE_PIO.
    package static let VIRT_PCIE_PIO = AddressRange(constantStart: 0x3eff_0000, size: 0x1_0000)
    /// VIRT_MEM: RAM always starts at 1 GiB.
    package static let VIRT_MEM_BASE: UInt64 = 0x4000_0000
    /// LEGACY_RAMLIMIT_GB 255: the high IO region never starts below VIRT_MEM + 255 GiB = 256 GiB.
    package static let LEGACY_RAMLIMIT_BYTES: UInt64 = 255 * Sizes.gib
    /// extended_memmap, in order; each region is aligned to its own size.
    package static let VIRT_HIGH_GIC_REDIST2_SIZE: UInt64 = 64 * Sizes.mib
    package static let VIRT_HIGH_PCIE_ECAM_SIZE: UInt64 = 256 * Sizes.mib
    package static let VIRT_HIGH_PCIE_MMIO_SIZE: UInt64 = 512 * Sizes.gib
    /// hw/core/machine.c rounds -m up to 8 KiB, like on x86.
    package static let ramSizeGranule: UInt64 = 8 * Sizes.kib
    /// hw/arm/virt.c virt_set_memmap: "unsupported number of memory slots".
    package static let ACPI_MAX_RAM_SLOTS = 256
    /// QEMU_VMALLOC_ALIGN on aarch64 and x86_64 Linux hosts.
    package static let QEMU_VMALLOC_ALIGN: UInt64 = 2 * Sizes.mib
}

/// The regions of hw/arm/virt.c `extended_memmap`, in their order, with the machine property that
/// switches each off (8.0+).
package enum VirtHighRegion: String, CaseIterable, Sendable, Comparable {
    case redistributor = "gic-redist-high"
    case ecam = "pcie-ecam-high"
    case mmio = "pcie-mmio-high"

    /// `highmem-redists`, `highmem-ecam`, `highmem-mmio`.
    package var property: String {
        switch self {
        case .redistributor: return "highmem-redists"
        case .ecam: return "highmem-ecam"
        case .mmio: return "highmem-mmio"
        }
    }

    package var defaultSize: UInt64 {
        switch self {
        case .redistributor: return VirtConstants.VIRT_HIGH_GIC_REDIST2_SIZE
        case .ecam: return VirtConstants.VIRT_HIGH_PCIE_ECAM_SIZE
        case .mmio: return VirtConstants.VIRT_HIGH_PCIE_MMIO_SIZE
        }
    }

    private var order: Int {
        switch self {
        case .redistributor: return 0
        case .ecam: return 1
        case .mmio: return 2
        }
    }

    package static func < (lhs: VirtHighRegion, rhs: VirtHighRegion) -> Bool { lhs.order < rhs.order }
}
