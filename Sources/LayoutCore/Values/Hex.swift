/// Formatting of addresses and sizes the way people who read QEMU and sysfs output expect.
package enum Hex {
    /// `0x` and lowercase hex digits, no padding: the form QEMU's own options accept.
    package static func format(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    /// Sixteen hex digits, as `info mtree` and sysfs print addresses: columns line up in tables.
    package static func padded(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }
}
