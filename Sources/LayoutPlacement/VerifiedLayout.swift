import LayoutCore
import LayoutMachines

/// A guest memory map that passed the exact check against every host it was solved or verified
/// for. Only the solver and the verifier make one, so holding one means the check happened.
public struct VerifiedLayout: Equatable, Sendable {
    /// The derivation the check passed; read-only from outside the placement layer.
    package let guest: GuestLayout

    /// Internal to placement: only ``Solver`` and ``LayoutVerifier`` mint verified layouts.
    init(checked guest: GuestLayout) {
        self.guest = guest
    }

    /// `q35`, `pc` or `virt`.
    public var machine: MachineKind { guest.machine }
    /// The pinned, versioned machine type (`pc-q35-7.2`): the layout is guest ABI.
    public var machineType: String { guest.machineType }
    /// The QEMU release whose derivation the layout follows.
    public var qemu: QEMUVersion { guest.qemu }
    /// The guest's address width: CPU phys-bits on x86, the IPA size on Arm.
    public var physBits: Int { guest.physBits }
    /// The vCPU vendor the layout was derived for; nil when it is the same for either vendor.
    public var cpuVendor: CPUVendor? { guest.cpuVendor }
    /// The whole guest-physical map, in address order.
    public var regions: [GuestRegion] { guest.regions }
    /// The regions every host's IOMMU must be able to map.
    public var dmaTargets: [GuestRegion] { guest.dmaTargets }
    /// The last address the guest's map uses.
    public var topAddress: UInt64 { guest.topAddress }
    /// RAM that is not in DIMMs (QEMU's `-m size`).
    public var bootRAM: UInt64 { guest.bootRAM }
    /// Cold-plugged DIMMs.
    public var dimmCount: Int { guest.dimmCount }
    /// Things to know, such as QEMU warnings the layout accepts.
    public var notes: [String] { guest.notes }
}
