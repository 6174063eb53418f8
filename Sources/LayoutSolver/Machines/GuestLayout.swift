/// The machine knobs behind a layout; one case per machine model.
public enum MachineKnobs: Equatable, Sendable {
    /// `pc` and `q35` (the chipset is in the knobs).
    case pc(PCMachineKnobs)
    /// Arm `virt`.
    case virt(VirtKnobs)

    /// The DIMMs the layout cold-plugs, whatever the machine.
    public var dimms: [DIMM] {
        switch self {
        case .pc(let knobs): return knobs.dimms
        case .virt(let knobs): return knobs.dimms
        }
    }

    /// The DIMMs planned for hot-add, whatever the machine.
    public var hotplugPlan: [DIMM] {
        switch self {
        case .pc(let knobs): return knobs.hotplugPlan
        case .virt(let knobs): return knobs.hotplugPlan
        }
    }
}

/// A guest memory map, the knobs that produce it, and what QEMU must be told.
/// Only layouts that passed the exact verifier against every host are handed out.
public struct GuestLayout: Equatable, Sendable {
    /// `q35`, `pc` or `virt`.
    public var machine: MachineKind
    /// The pinned, versioned machine type (`pc-q35-7.2`): the layout is guest ABI.
    public var machineType: String
    /// The QEMU release whose derivation the layout follows.
    public var qemu: QEMUVersion
    /// The spec the layout was solved for.
    public var vm: VMSpec
    /// The guest's address width: CPU phys-bits on x86, the IPA size on Arm.
    public var physBits: Int
    /// The vendor the layout was derived for; nil when it is the same for either vendor.
    public var cpuVendor: CPUVendor?
    /// What the command line sets; QEMU derives ``regions`` from these.
    public var knobs: MachineKnobs
    /// The whole guest-physical map, in address order.
    public var regions: [GuestRegion]
    /// The last address the guest's map uses (QEMU's max used GPA, which phys-bits must reach).
    public var topAddress: UInt64
    /// Things to know, such as QEMU warnings the layout accepts.
    public var notes: [String]
    /// The reserved regions a virtio-iommu tells the guest, when the VM has one.
    public var viommu: VIOMMUPlan?

    /// The regions every host's IOMMU must be able to map.
    public var dmaTargets: [GuestRegion] { regions.filter(\.isDMATarget) }

    /// Cold-plugged DIMMs the solver added to step over holes.
    public var dimmCount: Int { regions.filter { $0.kind == .dimm }.count }

    /// RAM that is not in DIMMs (QEMU's `-m size`).
    public var bootRAM: UInt64 { regions.filter { $0.kind == .ram }.reduce(0) { $0 + ($1.range.size ?? 0) } }
}
