import LayoutCore

/// What a `virt` machine type and the QEMU binary change in the memory map, by version: the
/// `vmc->…` flags and compat properties of hw/arm/virt.c. Every version-dependent virt fact lives here.
package enum VirtCompatibility {
    /// QEMU 8.0 binaries skip high regions that do not fit below the IPA limit instead of
    /// advancing past them (`vms->highmem_compact`, hw/arm/virt.c virt_set_high_memmap; off for
    /// machine types before virt-7.2, which the tool does not emit). The tool emits virt-<release>,
    /// so the release decides.
    package static func compactHighmem(qemu: QEMUVersion) -> Bool {
        qemu >= QEMUVersion(major: 8, minor: 0)
    }

    /// `highmem-redists`, `highmem-ecam`, `highmem-mmio` (commits f40408a9, 6a48c64e, the 8.0
    /// cycle); a 7.2 binary refuses them ("Property 'virt-7.2-machine.highmem-mmio' not found").
    package static func hasHighRegionSwitches(qemu: QEMUVersion) -> Bool {
        qemu >= QEMUVersion(major: 8, minor: 0)
    }

    /// `highmem-mmio-size`, new in 10.0: a power of two of at least 512 GiB.
    package static func hasHighMMIOSize(qemu: QEMUVersion) -> Bool {
        qemu >= QEMUVersion(major: 10, minor: 0)
    }
}
