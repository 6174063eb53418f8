/// One named range of the guest-physical map.
public struct GuestRegion: Equatable, Sendable {
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

    public var name: String
    public var kind: Kind
    public var range: AddressRange
    /// A device may DMA here, so every host's IOMMU must be able to map it.
    public var isDMATarget: Bool

    public init(name: String, kind: Kind, range: AddressRange, isDMATarget: Bool) {
        self.name = name
        self.kind = kind
        self.range = range
        self.isDMATarget = isDMATarget
    }
}
