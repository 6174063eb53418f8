import LayoutCore
import LayoutMachines
/// One way a layout fails on one host, typed so a provisioning tool can act on it: which host,
/// which guest region, which host region, which rule.
public struct Violation: Equatable, Sendable, CustomStringConvertible {
    /// Which rule of the exact check the layout breaks.
    public enum Kind: String, Sendable, CaseIterable, Equatable {
        /// A guest DMA target overlaps a reserved region of the host (``Violation/hostRegion``).
        case overlapsReservedRegion = "overlaps-reserved-region"
        /// A guest DMA target reaches past the host IOMMU's address width.
        case pastIOMMUWidth = "past-iommu-width"
        /// The guest map reaches past the host CPU's physical address width.
        case pastCPUWidth = "past-cpu-width"
        /// The guest's phys-bits exceed the host CPU's.
        case physBitsAboveHost = "phys-bits-above-host"
        /// A guest DMA target is not inside one of the host's usable IOVA ranges.
        case outsideIOVARanges = "outside-iova-ranges"
        /// A programmable window was placed for a window the host's profile does not have.
        case unknownProgrammableWindow = "unknown-programmable-window"
        /// A programmable window has the wrong size or alignment, or lies outside its `within`.
        case programmableWindowMisplaced = "programmable-window-misplaced"
        /// A programmable window overlaps a guest DMA target (``Violation/guestRegion``).
        case programmableWindowOverlapsGuest = "programmable-window-overlaps-guest"
        /// A programmable window overlaps one of its own host's fixed holes (``Violation/hostRegion``).
        case programmableWindowOverlapsHostRegion = "programmable-window-overlaps-host-region"
        /// The virtio-iommu plan does not list a host hole (``Violation/hostRegion``) or a placed
        /// programmable window that lies inside the guest's IOVA window.
        case viommuMissesHostRegion = "viommu-misses-host-region"
        /// The virtio-iommu plan lists an MSI window (a host's msi/sw-msi region or a placed
        /// programmable window) as plain reserved, or the other way round.
        case viommuWrongRegionType = "viommu-wrong-region-type"
        /// A range the virtio-iommu plan reserves overlaps guest RAM, a DIMM or a planned DIMM (``Violation/guestRegion``).
        case viommuOverlapsGuest = "viommu-overlaps-guest"
        /// The plan disagrees with itself, the hosts or QEMU: unsorted or overlapping regions, an
        /// `aw-bits` or narrowest width that is not the set's, or a machine window that is not the machine's.
        case viommuInconsistent = "viommu-inconsistent"
    }

    /// The host the layout fails on.
    public var host: String
    /// The guest region at fault (`ram-above-4g`, `ls-dimm0`, …), `cpu` for an address width, or
    /// the programmable window's label: the name the text output prints.
    public var region: String
    /// Which rule is broken.
    public var kind: Kind
    /// The guest region at fault; nil for a CPU width and for a programmable window's own problems.
    public var guestRegion: GuestRegion?
    /// The host's reserved region at fault, for the overlap kinds.
    public var hostRegion: ReservedRegion?
    /// The programmable-window placement at fault, for the programmable-window kinds.
    public var programmable: ProgrammablePlacement?
    /// What overlaps or exceeds what, with addresses.
    public var message: String
    public var description: String { "\(host): \(region): \(message)" }

    /// A violation; the typed causes default to nil where the kind has none.
    package init(host: String, region: String, kind: Kind, guestRegion: GuestRegion? = nil, hostRegion: ReservedRegion? = nil,
                programmable: ProgrammablePlacement? = nil, message: String) {
        self.host = host
        self.region = region
        self.kind = kind
        self.guestRegion = guestRegion
        self.hostRegion = hostRegion
        self.programmable = programmable
        self.message = message
    }
}
