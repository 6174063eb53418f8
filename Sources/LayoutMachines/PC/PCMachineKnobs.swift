import LayoutCore
/// The two x86 PC machines QEMU lays out with the same code (`PCMachineState`, `pc_memory_init`).
package enum PCChipset: String, Equatable, Sendable {
    /// `q35`: ICH9/MCH with PCIe.
    case q35
    /// `pc`: i440FX/PIIX.
    case i440fx

    /// The machine-type prefix QEMU versions: `pc-q35-7.2`, `pc-i440fx-7.2`.
    package var machineTypePrefix: String { self == .q35 ? "pc-q35" : "pc-i440fx" }
    /// The host bridge that owns `pci-hole64-size`.
    package var hostBridge: String { self == .q35 ? "q35-pcihost" : "i440FX-pcihost" }
}

/// Everything a pc or q35 command line sets that QEMU's memory map depends on.
package struct PCMachineKnobs: Equatable, Sendable {
    package typealias DIMM = LayoutMachines.DIMM


    package var chipset: PCChipset
    /// `pc-q35-X.Y` or `pc-i440fx-X.Y`; pinned because the layout is guest ABI and compat flags follow the type.
    package var machineType: String
    /// `-m size=`: boot RAM.
    package var ramSize: UInt64
    /// `-machine max-ram-below-4g=`; nil leaves QEMU's default.
    package var maxRamBelow4G: UInt64?
    /// `-m maxmem=`; nil when there is no device memory.
    package var maxmem: UInt64?
    /// `-m slots=`.
    package var slots: Int
    /// `-global q35-pcihost.pci-hole64-size=` (or `i440FX-pcihost`); nil leaves QEMU's default.
    package var pciHole64Size: UInt64?
    /// `-cpu …,phys-bits=`.
    package var physBits: Int
    /// The guest CPU vendor: an AMD vCPU turns on the 1 TiB relocation.
    package var vendor: CPUVendor
    /// False for machine types 7.0 and older, which lack the AMD 1 TiB rule.
    package var enforceAMD1TiBHole: Bool
    /// The alignment QEMU demands of a DIMM address: the backend's page size, or 2 MiB for RAM backends.
    package var dimmAlignment: UInt64
    package var dimms: [DIMM]
    /// DIMMs planned for hot-add: not on the command line, but counted in slots and maxmem.
    package var hotplugPlan: [DIMM]

    package init(
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
