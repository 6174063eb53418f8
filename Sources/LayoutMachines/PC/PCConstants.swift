import LayoutCore
/// The numbers QEMU 7.2 uses to lay out an x86 `q35` machine, named as QEMU names them.
/// Sources are the QEMU files named beside each; facts and runs in QEMUMemoryLayout.md (LayoutSolver.docc).
package enum PCConstants {
    /// hw/i386/pc.c: AMD IOMMUs reserve the HyperTransport range FD_0000_0000h-FF_FFFF_FFFFh.
    package static let AMD_HT_START: UInt64 = 0xfd_0000_0000
    package static let AMD_HT_END: UInt64 = 0xff_ffff_ffff
    /// hw/i386/pc.c: where above-4G RAM goes for an AMD vCPU whose map would reach AMD_HT_START.
    package static let AMD_ABOVE_1TB_START: UInt64 = AMD_HT_END + 1
    /// hw/i386/x86.c x86_machine_initfn: above-4G RAM starts at 4 GiB unless relocated.
    package static let above4GStartDefault: UInt64 = 4 * Sizes.gib
    /// include/hw/i386/ioapic.h: the 32-bit PCI hole ends where the IOAPIC starts.
    package static let IO_APIC_DEFAULT_ADDRESS: UInt64 = 0xfec0_0000
    /// target/i386/cpu.h: the LAPIC / MSI doorbell window the guest sees.
    package static let APIC_DEFAULT_ADDRESS: UInt64 = 0xfee0_0000
    package static let APIC_SPACE_SIZE: UInt64 = 0x10_0000
    /// include/hw/pci-host/q35.h: MMCONFIG (ECAM) that firmware maps for the PCIe root.
    package static let MCH_HOST_BRIDGE_PCIEXBAR_DEFAULT: UInt64 = 0xb000_0000
    package static let MCH_HOST_BRIDGE_PCIEXBAR_MAX: UInt64 = 0x1000_0000
    /// include/hw/pci-host/i440fx.h: `i440FX-pcihost.pci-hole64-size` default, 2 GiB.
    package static let I440FX_PCI_HOST_HOLE64_SIZE_DEFAULT: UInt64 = 1 << 31
    /// hw/i386/pc_piix.c pc_init1: `max-ram-below-4g` defaults to 3.5 GiB on pc.
    package static let i440fxMaxRamBelow4GDefault: UInt64 = 0xe000_0000
    /// hw/i386/pc_piix.c pc_init1: with `gigabyte_align` (pc-i440fx-2.0 and newer), a guest with at
    /// least `max-ram-below-4g` of RAM gets at most 3 GiB below 4 GiB.
    package static let i440fxGigabyteAlignedLowmem: UInt64 = 0xc000_0000
    /// include/hw/pci-host/q35.h: `q35-pcihost.pci-hole64-size` default, 32 GiB.
    package static let Q35_PCI_HOST_HOLE64_SIZE_DEFAULT: UInt64 = 1 << 35
    /// hw/i386/pc_q35.c pc_q35_init: low RAM is 2.75 GiB for small guests, 2 GiB once RAM reaches 2.75 GiB.
    package static let lowmemSmallGuest: UInt64 = 0xb000_0000
    package static let lowmemLargeGuest: UInt64 = 0x8000_0000
    /// hw/core/machine.c: `-m` rounds the size up to 8 KiB.
    package static let ramSizeGranule: UInt64 = 8 * Sizes.kib
    /// hw/i386/acpi-build.h: ACPI_MAX_RAM_SLOTS.
    package static let ACPI_MAX_RAM_SLOTS = 256
    /// target/i386/cpu.c: valid phys-bits are 32..TARGET_PHYS_ADDR_SPACE_BITS.
    package static let TARGET_PHYS_ADDR_SPACE_BITS = 52
    /// hw/i386/pc.c pc_get_device_memory_range: 1 GiB of device memory per slot, for alignment.
    package static let deviceMemoryPerSlot: UInt64 = Sizes.gib
    /// util/oslib-posix.c QEMU_VMALLOC_ALIGN: a memory-backend-ram's alignment on x86_64 Linux.
    package static let QEMU_VMALLOC_ALIGN: UInt64 = 2 * Sizes.mib
    /// The BIOS/flash sits below 4 GiB; `max-fw-size` cannot exceed 16 MiB (hw/i386/pc_sysfw.c).
    package static let firmwareWindowStart: UInt64 = 0xff00_0000
    /// The ROM window (pc.rom and the isa-bios alias) that a paused q35 shows instead of RAM in its
    /// flat view; 0xa0000-0xbffff still shows pc.ram with -nodefaults (seen on QEMU 7.2.22).
    package static let romWindow = AddressRange(spanning: 0xc0000, 0xfffff)
}
