import LayoutCore
/// One named range of the guest-physical map.
public struct GuestRegion: Equatable, Sendable {
    /// What a region is; the raw value is the layout JSON's `kind`.
    public enum Kind: String, Sendable, CaseIterable {
        /// Boot RAM.
        case ram
        /// A cold-plugged DIMM at an explicit address.
        case dimm
        /// A DIMM planned for hot-add later, at an address valid on every host.
        case hotplug
        /// QEMU's hotplug window; only the DIMMs inside it are DMA targets.
        case deviceMemory = "device-memory"
        case pciHole32 = "pci-hole32"
        case pciHole64 = "pci-hole64"
        case msi
        case firmware
        case reserved
    }

    /// QEMU's or the tool's name: `ram-below-4g`, `pci-hole64`, `ls-dimm0`, …
    public var name: String
    /// RAM, DIMM, a PCI hole, …
    public var kind: Kind
    /// Where it is, end inclusive.
    public var range: AddressRange
    /// A device may DMA here, so every host's IOMMU must be able to map it.
    public var isDMATarget: Bool

    package init(name: String, kind: Kind, range: AddressRange, isDMATarget: Bool) {
        self.name = name
        self.kind = kind
        self.range = range
        self.isDMATarget = isDMATarget
    }
}
