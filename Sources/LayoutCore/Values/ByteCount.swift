/// Human-readable binary sizes: `1 MiB`, `12 GiB`, `1.5 GiB`, `4 KiB`, `1000 B`.
package enum ByteCount {
    private static let units: [(UInt64, String)] = [
        (1 << 60, "EiB"), (1 << 50, "PiB"), (1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB"),
    ]

    package static func format(_ bytes: UInt64) -> String {
        // An exact whole unit reads best ("1100 GiB", "2028 MiB") while the number stays short;
        // two decimals of the largest unit otherwise.
        for (unit, name) in units where bytes >= unit && bytes % unit == 0 && bytes / unit < 10_000 {
            return "\(bytes / unit) \(name)"
        }
        for (unit, name) in units where bytes >= unit {
            let hundredths = bytes / (unit / 100)
            let fraction = hundredths % 100
            return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) \(name)"
        }
        return "\(bytes) B"
    }

    /// The form QEMU's `-m` and size properties read back exactly: a whole unit when one fits,
    /// else bytes with a `B` suffix (a bare number would be read as MiB).
    package static func qemuSize(_ bytes: UInt64) -> String {
        let qemuUnits: [(UInt64, String)] = [(1 << 40, "T"), (1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")]
        for (unit, suffix) in qemuUnits where bytes >= unit && bytes % unit == 0 {
            return "\(bytes / unit)\(suffix)"
        }
        return "\(bytes)B"
    }
}
