/// What the VM needs; the solver decides where it goes. Schema `layoutsolve/vm/v1`.
public struct VMSpec: Equatable, Sendable {
    /// The `schema` member of every VM spec.
    package static let schema = "layoutsolve/vm/v1"

    /// Names the VM in answers and messages.
    public var name: String?
    /// The QEMU machine; `q35` by default.
    public var machine: MachineKind
    /// All guest RAM: boot RAM plus any DIMMs the solver adds to step over host holes.
    public var ram: UInt64
    /// The user's own maximum (for their hotplug); nil means no hotplug room of their own.
    public var maxmem: UInt64?
    /// Slots kept free for the user's own hotplug; the solver's DIMMs take extra slots.
    public var slots: Int
    /// Backing page size (hugepages): every RAM piece is sized and placed on this boundary.
    public var ramAlign: UInt64?
    /// Minimum size of the 64-bit PCI hole; nil means QEMU's default for the machine.
    public var pciHole64: UInt64?
    /// Minimum size of the 32-bit PCI hole below 0xfec00000 (x86): caps low RAM. nil means the
    /// smallest hole QEMU's own defaults leave (pc: 0xe0000000-0xfebfffff; q35 always leaves 1.25 GiB).
    public var pciHole32: UInt64?
    /// The QEMU CPU model (`host`, `max`, `EPYC`, …); `host` by default.
    public var cpuModel: String
    /// Pins the guest CPU vendor, which decides QEMU's AMD 1 TiB relocation.
    public var cpuVendor: CPUVendor?
    /// PCI BAR windows are DMA targets too (peer-to-peer between assigned devices).
    public var p2p: Bool
    /// The QEMU release the VM runs on (its derivation of the map).
    public var qemu: QEMUVersion
    /// DIMMs to hot-add later: each gets an address now that is valid on every host.
    public var hotplug: [HotplugRequest]
    /// A virtual IOMMU for the assigned devices; the guest must then be told every host's holes.
    public var viommu: VIOMMU
    /// The guest kernel's memory block size (Linux onlines hot-added memory only in whole blocks):
    /// every DIMM is sized and placed on it. nil means the guest kernel's own rule (PlacementRules.md in LayoutSolver.docc).
    public var memoryBlockSize: UInt64?

    public init(
        name: String? = nil, machine: MachineKind = MachineKind(rawValue: "q35"), ram: UInt64, maxmem: UInt64? = nil, slots: Int = 0,
        ramAlign: UInt64? = nil, pciHole64: UInt64? = nil, pciHole32: UInt64? = nil, cpuModel: String = "host", cpuVendor: CPUVendor? = nil,
        p2p: Bool = false, qemu: QEMUVersion = .default, hotplug: [HotplugRequest] = [], viommu: VIOMMU = .none,
        memoryBlockSize: UInt64? = nil
    ) {
        self.name = name
        self.machine = machine
        self.ram = ram
        self.maxmem = maxmem
        self.slots = slots
        self.ramAlign = ramAlign
        self.pciHole64 = pciHole64
        self.pciHole32 = pciHole32
        self.cpuModel = cpuModel
        self.cpuVendor = cpuVendor
        self.p2p = p2p
        self.qemu = qemu
        self.hotplug = hotplug
        self.viommu = viommu
        self.memoryBlockSize = memoryBlockSize
    }

    /// All planned hot-add DIMMs, in order.
    package var plannedDIMMSizes: [UInt64] { hotplug.flatMap { Array(repeating: $0.size, count: $0.count) } }

    /// Hotplug room the user asked for beyond `ram`.
    package var userHotplugBytes: UInt64 { (maxmem ?? ram) - ram }
}

/// `count` DIMMs of `size` to hot-add later.
public struct HotplugRequest: Equatable, Sendable {
    public var count: Int
    public var size: UInt64
    public init(count: Int, size: UInt64) {
        self.count = count
        self.size = size
    }
}

public enum VIOMMU: String, Sendable, CaseIterable {
    case none
    case virtioIOMMU = "virtio-iommu"
}

/// A VM spec's `machine`: the name of a QEMU machine the tool models. The names are declared
/// by the machine models (`LayoutMachines`), one folder each; here a name is only a validated word.
public struct MachineKind: RawRepresentable, Hashable, Sendable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Lowercase letters, digits and dashes, starting with a letter: how QEMU spells machine names.
    package static func isWellFormed(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first), text.count <= 64 else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}

/// A guest CPU vendor, as VM specs and layouts spell it.
public enum CPUVendor: String, Sendable, CaseIterable {
    case intel, amd

    /// The CPUID vendor string QEMU's `vendor=` property takes.
    package var cpuidString: String { self == .intel ? "GenuineIntel" : "AuthenticAMD" }
}

/// The QEMU release whose derivation of the memory map the layout is computed for.
public struct QEMUVersion: Hashable, Sendable, CustomStringConvertible {
    public let major: Int
    public let minor: Int

    public static let `default` = QEMUVersion(major: 7, minor: 2)
    /// Releases whose machine types this tool emits: each is proven by the real-QEMU tests, 7.2 on
    /// Debian 12's binary and 7.2 to 10.0 on Debian's 10.0 binary (MachineTypesInQEMUTests; QEMUMemoryLayout.md in LayoutSolver.docc). Newer
    /// targets (10.1, 10.2) are refused until a binary here proves them; older ones lack the AMD 1 TiB rule.
    package static let modelled: [QEMUVersion] = [
        .init(major: 7, minor: 2), .init(major: 8, minor: 0), .init(major: 8, minor: 1), .init(major: 8, minor: 2),
        .init(major: 9, minor: 0), .init(major: 9, minor: 1), .init(major: 9, minor: 2),
        .init(major: 10, minor: 0),
    ]

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `7.2` (a patch number such as `7.2.22` is accepted and ignored: it does not change the layout).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) && $0.count <= 3 }),
              let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }

    // Ordered inside the package only (compatibility tables compare releases); callers name releases.
    package static func < (lhs: QEMUVersion, rhs: QEMUVersion) -> Bool { (lhs.major, lhs.minor) < (rhs.major, rhs.minor) }
    package static func > (lhs: QEMUVersion, rhs: QEMUVersion) -> Bool { rhs < lhs }
    package static func >= (lhs: QEMUVersion, rhs: QEMUVersion) -> Bool { !(lhs < rhs) }
    package static func <= (lhs: QEMUVersion, rhs: QEMUVersion) -> Bool { !(rhs < lhs) }
    public var description: String { "\(major).\(minor)" }
}
