import LayoutCore

/// What a pc or q35 machine type changes in the memory map, by machine-type version: the
/// `pcmc->…` flags and compat properties of `hw/i386/pc_q35.c` and `hw/i386/pc_piix.c`.
package enum PCCompatibility {
    /// QEMU 7.1 added the AMD 1 TiB rule (`pc_memory_init`, `pcmc->enforce_amd_1tb_hole`) for
    /// machine types newer than 7.0.
    package static func hasAMD1TiBRule(machineType: String) -> Bool {
        guard let version = machineType.split(separator: "-").last.flatMap({ QEMUVersion(String($0)) }) else { return true }
        return version > QEMUVersion(major: 7, minor: 0)
    }
}
