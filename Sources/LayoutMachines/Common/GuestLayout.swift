import LayoutCore
/// A guest memory map, the knobs that produce it, and what QEMU must be told.
/// Only layouts that passed the exact verifier against every host are handed out.
package struct GuestLayout: Equatable, Sendable {
    /// `q35`, `pc` or `virt`.
    package var machine: MachineKind
    /// The pinned, versioned machine type (`pc-q35-7.2`): the layout is guest ABI.
    package var machineType: String
    /// The QEMU release whose derivation the layout follows.
    package var qemu: QEMUVersion
    /// The spec the layout was solved for.
    package var vm: VMSpec
    /// The guest's address width: CPU phys-bits on x86, the IPA size on Arm.
    package var physBits: Int
    /// The vendor the layout was derived for; nil when it is the same for either vendor.
    package var cpuVendor: CPUVendor?
    /// What the command line sets; QEMU derives ``regions`` from these.
    package var knobs: MachineKnobs
    /// The whole guest-physical map, in address order.
    package var regions: [GuestRegion]
    /// The last address the guest's map uses (QEMU's max used GPA, which phys-bits must reach).
    package var topAddress: UInt64
    /// Things to know, such as QEMU warnings the layout accepts.
    package var notes: [String]
    /// The reserved regions a virtio-iommu tells the guest, when the VM has one.
    package var viommu: VIOMMUPlan?

    /// The regions every host's IOMMU must be able to map.
    package var dmaTargets: [GuestRegion] { regions.filter(\.isDMATarget) }

    /// Cold-plugged DIMMs the solver added to step over holes.
    package var dimmCount: Int { regions.filter { $0.kind == .dimm }.count }

    /// RAM that is not in DIMMs (QEMU's `-m size`).
    package var bootRAM: UInt64 { regions.filter { $0.kind == .ram }.reduce(0) { $0 + ($1.range.size ?? 0) } }

    package init(machine: MachineKind, machineType: String, qemu: QEMUVersion, vm: VMSpec, physBits: Int, cpuVendor: CPUVendor? = nil, knobs: MachineKnobs, regions: [GuestRegion], topAddress: UInt64, notes: [String], viommu: VIOMMUPlan? = nil) {
        self.machine = machine
        self.machineType = machineType
        self.qemu = qemu
        self.vm = vm
        self.physBits = physBits
        self.cpuVendor = cpuVendor
        self.knobs = knobs
        self.regions = regions
        self.topAddress = topAddress
        self.notes = notes
        self.viommu = viommu
    }
}
