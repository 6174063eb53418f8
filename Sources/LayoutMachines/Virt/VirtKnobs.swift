import LayoutCore
/// Everything a `virt` command line sets that QEMU's memory map depends on.
package struct VirtKnobs: Equatable, Sendable {
    /// `virt-X.Y`; pinned because the layout is guest ABI.
    package var machineType: String
    /// `-m size=`: boot RAM, one piece from 1 GiB.
    package var ramSize: UInt64
    /// `-m maxmem=`; nil when there is no device memory.
    package var maxmem: UInt64?
    /// `-m slots=`.
    package var slots: Int
    /// `-machine gic-version=`: 3 puts the guest's MSI doorbell in the ITS, 2 in GICv2m.
    package var gicVersion: Int
    /// The IPA width QEMU lays the map out for: under KVM the host's limit, under TCG the CPU's PARange.
    package var ipaBits: Int
    /// 8.0+ binaries skip high regions that do not fit (compact-highmem); 7.2 always advances past them.
    package var compactHighmem: Bool
    /// UEFI firmware is loaded: QEMU 7.2 creates the ACPI GED that memory hotplug (and so any pc-dimm) needs only then.
    package var firmwareLoaded: Bool
    /// High regions switched off with `highmem-redists/ecam/mmio=off` (8.0+): names as in
    /// ``VirtHighRegion``. Pins one map on hosts whose IPA limits differ, or drops the 64-bit window.
    package var disabledHighRegions: Set<VirtHighRegion> = []
    /// `highmem-mmio-size` (10.0+): the 64-bit PCIe window's size (a power of two, at least 512 GiB),
    /// which also moves it (it is aligned to its size); nil for QEMU's 512 GiB.
    package var highMMIOSize: UInt64? = nil
    /// The alignment QEMU demands of a DIMM address.
    package var dimmAlignment: UInt64
    package var dimms: [DIMM]
    /// DIMMs planned for hot-add: not on the command line, but counted in slots and maxmem.
    package var hotplugPlan: [DIMM]

    package init(
        machineType: String = "virt-7.2", ramSize: UInt64, maxmem: UInt64? = nil, slots: Int = 0, gicVersion: Int = 3,
        ipaBits: Int, compactHighmem: Bool = false, firmwareLoaded: Bool = true, dimmAlignment: UInt64 = 2 << 20, dimms: [DIMM] = [], hotplugPlan: [DIMM] = []
    ) {
        self.machineType = machineType
        self.ramSize = ramSize
        self.maxmem = maxmem
        self.slots = slots
        self.gicVersion = gicVersion
        self.ipaBits = ipaBits
        self.compactHighmem = compactHighmem
        self.firmwareLoaded = firmwareLoaded
        self.dimmAlignment = dimmAlignment
        self.dimms = dimms
        self.hotplugPlan = hotplugPlan
    }
}
