import LayoutCore

/// Where newer SeaBIOS puts 64-bit BARs on pc/q35.
///
/// SeaBIOS 1.16.2 (Debian bookworm, QEMU 7.2) places them from `etc/reserved-memory-end`, i.e. in
/// QEMU's pci-hole64. SeaBIOS 1.16.3 (Debian's 1.16.3-2, used by QEMU 10.0 from bookworm-backports
/// and trixie) moves them to the top of the address space when it trusts CPUID's phys-bits P
/// (src/fw/paravirt.c physbits(): the same rule as OVMF, P ≥ 41, or 36/39 on Intel, 40 on AMD;
/// src/fw/pciinit.c pci_setup()/pci_bios_map_devices(): top = 2^min(P, 46), base =
/// top − the 64-bit BARs' total rounded to 1 GiB, or top − top/8 when it pads the window). There is
/// no fw_cfg knob for it. Measured (GuestBoot.md): an 8 GiB BAR at 0x7e00000000 under phys-bits 39.
package enum SeaBIOSWindow {
    /// The range SeaBIOS 1.16.3 may put 64-bit BARs in, when it trusts `physBits` for `vendor`.
    package static func topWindow(physBits: Int, vendor: CPUVendor) -> AddressRange? {
        guard OVMFAperture.trustsPhysBits(physBits, vendor: vendor) else { return nil }
        let bits = min(physBits, 46)
        let top = UInt64(1) << UInt64(bits)
        return AddressRange(start: top - (top >> 3), last: top - 1)
    }

    /// What a user booting the layout with SeaBIOS 1.16.3 or later must know.
    package static func notes(for layout: GuestLayout, forbidden: AddressSet? = nil) -> [String] {
        guard let hole = OVMFAperture.hole64(of: layout) else { return [] }
        let windows = Set(OVMFAperture.vendors(of: layout).compactMap { topWindow(physBits: layout.physBits, vendor: $0) }).sorted(by: <)
        guard !windows.isEmpty else { return [] }
        var note = "SeaBIOS 1.16.3 and later (the one QEMU 10.0 packages use) trusts phys-bits \(layout.physBits) and puts 64-bit BARs at the top of the address space, in "
            + windows.map(\.description).joined(separator: " or ") + ", not in pci-hole64 \(hole) (SeaBIOS 1.16.2, QEMU 7.2's, uses pci-hole64)"
        let clashes = windows.flatMap { forbidden?.overlapping($0) ?? [] }
        if !clashes.isEmpty {
            note += "; that range overlaps host ranges the layout keeps clear (\(clashes.prefix(4).map(\.description).joined(separator: ", ")))"
        }
        return [note + ". No firmware trusts phys-bits 37 or 38 (nor 40 on Intel, 36 to 39 on AMD): with those, both keep BARs at pci-hole64."]
    }
}
