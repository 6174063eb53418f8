/// One host, or one kind of host, as its IOMMU and CPU constrain guest DMA targets.
/// Schema `layoutsolve/host/v1`.
package struct HostProfile: Equatable, Sendable {
    package static let schema = "layoutsolve/host/v1"

    package enum Architecture: String, Sendable, CaseIterable {
        case x86_64, aarch64, s390x, ppc64le
    }

    package var name: String
    package var source: String
    package var arch: Architecture
    package var cpuVendor: String
    /// The CPU's physical address width; on arm64 the KVM IPA limit.
    package var cpuPhysBits: Int
    package var iommuKind: String
    /// The IOMMU's input address width: nothing at or above 2^bits can be DMA-mapped.
    package var iommuAddressBits: Int
    /// Usable IOVA ranges as VFIO's IOVA-range capability reports them; nil when not given.
    package var iovaRanges: [AddressRange]?
    package var reserved: [ReservedRegion]
    package var programmable: [ProgrammableRegion]
    /// How many hosts of the fleet this profile stands for.
    package var count: Int
    /// Where the profile was read from, for messages; not part of the layout.
    package var file: String

    package init(
        name: String, source: String = "", arch: Architecture, cpuVendor: String, cpuPhysBits: Int,
        iommuKind: String, iommuAddressBits: Int, iovaRanges: [AddressRange]? = nil,
        reserved: [ReservedRegion] = [], programmable: [ProgrammableRegion] = [], count: Int = 1, file: String = ""
    ) {
        self.name = name
        self.source = source
        self.arch = arch
        self.cpuVendor = cpuVendor
        self.cpuPhysBits = cpuPhysBits
        self.iommuKind = iommuKind
        self.iommuAddressBits = iommuAddressBits
        self.iovaRanges = iovaRanges
        self.reserved = reserved
        self.programmable = programmable
        self.count = count
        self.file = file
    }
}

/// The types of `/sys/kernel/iommu_groups/*/reserved_regions`, with the two MSI kinds told apart.
package enum ReservedType: String, Sendable, CaseIterable {
    case direct
    case directRelaxable = "direct-relaxable"
    case reserved
    /// A hardware MSI doorbell that bypasses translation (x86 0xfee00000, HiSilicon ITS page).
    case msi
    /// A software-managed MSI window at a fixed place.
    case swMSI = "sw-msi"

    /// VFIO ignores relaxable regions (`vfio_iommu_resv_exclude` skips them).
    package func blocksDMA(strictRelaxable: Bool) -> Bool { self != .directRelaxable || strictRelaxable }
}

package struct ReservedRegion: Equatable, Sendable {
    package var range: AddressRange
    package var type: ReservedType
    package var note: String?
    /// The JSON path of the region in its profile, so conflicts can point at it.
    package var path: String

    package init(range: AddressRange, type: ReservedType, note: String? = nil, path: String = "") {
        self.range = range
        self.type = type
        self.note = note
        self.path = path
    }

    /// `msi 0xfee00000-0xfeefffff` or `reserved 0xfd00000000-0xffffffffff (HyperTransport)`.
    package var label: String {
        "\(type.rawValue) \(range)" + (note.map { " (\($0))" } ?? "")
    }
}

/// A window the host needs somewhere (the software MSI window); the solver chooses its base.
package struct ProgrammableRegion: Equatable, Sendable {
    package var type: ReservedType
    package var size: UInt64
    package var align: UInt64
    package var within: AddressRange
    package var defaultBase: UInt64?
    package var note: String?
    package var path: String

    package init(type: ReservedType, size: UInt64, align: UInt64, within: AddressRange, defaultBase: UInt64?, note: String? = nil, path: String = "") {
        self.type = type
        self.size = size
        self.align = align
        self.within = within
        self.defaultBase = defaultBase
        self.note = note
        self.path = path
    }
}
