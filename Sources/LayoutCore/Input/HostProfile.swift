/// One host, or one kind of host, as its IOMMU and CPU constrain guest DMA targets.
/// Schema `layoutsolve/host/v1`.
public struct HostProfile: Equatable, Sendable {
    package static let schema = "layoutsolve/host/v1"

    public enum Architecture: String, Sendable, CaseIterable {
        case x86_64, aarch64, s390x, ppc64le
    }

    public var name: String
    public var source: String
    public var arch: Architecture
    public var cpuVendor: HostCPUVendor
    /// The CPU's physical address width; on arm64 the KVM IPA limit.
    public var cpuPhysBits: Int
    public var iommuKind: IOMMUKind
    /// The IOMMU's input address width: nothing at or above 2^bits can be DMA-mapped.
    public var iommuAddressBits: Int
    /// Usable IOVA ranges as VFIO's IOVA-range capability reports them; nil when not given.
    public var iovaRanges: [AddressRange]?
    public var reserved: [ReservedRegion]
    public var programmable: [ProgrammableRegion]
    /// How many hosts of the fleet this profile stands for.
    public var count: Int
    /// Where the profile was read from, for messages; not part of the layout.
    package var file: String

    public init(
        name: String, source: String = "", arch: Architecture, cpuVendor: HostCPUVendor, cpuPhysBits: Int,
        iommuKind: IOMMUKind, iommuAddressBits: Int, iovaRanges: [AddressRange]? = nil,
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
public enum ReservedType: String, Sendable, CaseIterable {
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

public struct ReservedRegion: Equatable, Sendable {
    public var range: AddressRange
    public var type: ReservedType
    public var note: String?
    /// The JSON path of the region in its profile, so conflicts can point at it.
    public var path: String

    public init(range: AddressRange, type: ReservedType, note: String? = nil, path: String = "") {
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
public struct ProgrammableRegion: Equatable, Sendable {
    public var type: ReservedType
    public var size: UInt64
    public var align: UInt64
    public var within: AddressRange
    public var defaultBase: UInt64?
    public var note: String?
    public var path: String

    public init(type: ReservedType, size: UInt64, align: UInt64, within: AddressRange, defaultBase: UInt64?, note: String? = nil, path: String = "") {
        self.type = type
        self.size = size
        self.align = align
        self.within = within
        self.defaultBase = defaultBase
        self.note = note
        self.path = path
    }
}
