/// The two x86 PC machines QEMU lays out with the same code (`PCMachineState`, `pc_memory_init`).
public enum PCChipset: String, Equatable, Sendable {
    /// `q35`: ICH9/MCH with PCIe.
    case q35
    /// `pc`: i440FX/PIIX.
    case i440fx

    /// The machine-type prefix QEMU versions: `pc-q35-7.2`, `pc-i440fx-7.2`.
    public var machineTypePrefix: String { self == .q35 ? "pc-q35" : "pc-i440fx" }
    /// The host bridge that owns `pci-hole64-size`.
    public var hostBridge: String { self == .q35 ? "q35-pcihost" : "i440FX-pcihost" }
}

/// Everything a pc or q35 command line sets that QEMU's memory map depends on.
public struct PCMachineKnobs: Equatable, Sendable {
    public typealias DIMM = LayoutSolver.DIMM


    public var chipset: PCChipset
    /// `pc-q35-X.Y` or `pc-i440fx-X.Y`; pinned because the layout is guest ABI and compat flags follow the type.
    public var machineType: String
    /// `-m size=`: boot RAM.
    public var ramSize: UInt64
    /// `-machine max-ram-below-4g=`; nil leaves QEMU's default.
    public var maxRamBelow4G: UInt64?
    /// `-m maxmem=`; nil when there is no device memory.
    public var maxmem: UInt64?
    /// `-m slots=`.
    public var slots: Int
    /// `-global q35-pcihost.pci-hole64-size=` (or `i440FX-pcihost`); nil leaves QEMU's default.
    public var pciHole64Size: UInt64?
    /// `-cpu …,phys-bits=`.
    public var physBits: Int
    /// The guest CPU vendor: an AMD vCPU turns on the 1 TiB relocation.
    public var vendor: CPUVendor
    /// False for machine types 7.0 and older, which lack the AMD 1 TiB rule.
    public var enforceAMD1TiBHole: Bool
    /// The alignment QEMU demands of a DIMM address: the backend's page size, or 2 MiB for RAM backends.
    public var dimmAlignment: UInt64
    public var dimms: [DIMM]
    /// DIMMs planned for hot-add: not on the command line, but counted in slots and maxmem.
    public var hotplugPlan: [DIMM]

    public init(
        chipset: PCChipset = .q35, machineType: String? = nil, ramSize: UInt64, maxRamBelow4G: UInt64? = nil, maxmem: UInt64? = nil,
        slots: Int = 0, pciHole64Size: UInt64? = nil, physBits: Int, vendor: CPUVendor,
        enforceAMD1TiBHole: Bool = true, dimmAlignment: UInt64 = 2 << 20, dimms: [DIMM] = [], hotplugPlan: [DIMM] = []
    ) {
        self.chipset = chipset
        self.machineType = machineType ?? "\(chipset.machineTypePrefix)-7.2"
        self.ramSize = ramSize
        self.maxRamBelow4G = maxRamBelow4G
        self.maxmem = maxmem
        self.slots = slots
        self.pciHole64Size = pciHole64Size
        self.physBits = physBits
        self.vendor = vendor
        self.enforceAMD1TiBHole = enforceAMD1TiBHole
        self.dimmAlignment = dimmAlignment
        self.dimms = dimms
        self.hotplugPlan = hotplugPlan
    }
}
