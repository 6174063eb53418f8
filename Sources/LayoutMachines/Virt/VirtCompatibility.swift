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
}
