/// The family of constraints behind a ``NoLayoutExists/Conflict``: what a person or a provisioning
/// tool would have to lift (a host's hole, a width, a window) for a layout to fit.
///
/// The raw values are the `family` member of a conflict in the `layoutsolve/error/v1` JSON document.
public enum ConstraintFamily: String, Sendable, CaseIterable, Equatable {
    /// A host hole sits where the machine must put guest RAM (address 0 on pc/q35, 0x40000000 on
    /// virt): no placement choice can avoid it.
    case hostHole = "host-hole"
    /// Guest RAM does not fit in the room the hosts' holes leave below the narrowest IOMMU's
    /// address width (`address_bits`).
    case iommuWidth = "iommu-width"
    /// Guest RAM, or the regions QEMU puts after it (64-bit PCI hole, device memory for hotplug),
    /// do not fit below the narrowest CPU physical address width (or KVM IPA limit on Arm).
    case cpuWidth = "cpu-width"
    /// Hosts of both CPU vendors and no pinned `cpu_vendor`: the map must stay below QEMU's AMD
    /// relocation threshold (the HyperTransport range below 1 TiB, `hw/i386/pc.c`).
    case amdRelocation = "amd-relocation"
    /// With `p2p`, a PCI window QEMU places (the 32-bit hole, virt's fixed or high PCIe window) is a
    /// DMA target and overlaps host holes.
    case pciHole = "pci-hole"
    /// DIMMs (cold or planned hot-add) come in whole guest memory blocks (``VMSpec/memoryBlockSize``,
    /// or the guest kernel's rule: 128 MiB on x86_64 while boot RAM ends below 64 GiB, 2 GiB above;
    /// 1 GiB on virt), and the room between host holes does not hold them in those units.
    case memoryBlock = "memory-block"
    /// Hugepage-backed RAM (`ram_align`) comes in whole pages, and the room between host holes
    /// does not hold it in those units.
    case hugepageAlignment = "hugepage-alignment"
    /// QEMU's 256 memory slots cannot hold the user's slots, the solver's DIMMs and the planned ones.
    case slots
    /// The hosts' programmable MSI windows cannot all be placed clear of the guest's DMA targets.
    case programmableWindow = "programmable-window"
    /// QEMU's own derivation of the machine refuses the placement the model chose (its error text
    /// is in the message).
    case qemuRule = "qemu-rule"
    /// The placement model found no assignment; the site cannot name a single family.
    case other
}
