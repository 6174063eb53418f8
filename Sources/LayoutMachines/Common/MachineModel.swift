import LayoutCore

/// Everything layoutsolve knows about one QEMU machine: which spec values and `-machine` types
/// name it, what QEMU derives from its knobs (in the machine's own files, with its compatibility
/// table), how its knobs read from and print to a command line and a layout document, and the
/// placement problem it poses for a fleet. Each machine is one folder under `Sources/LayoutMachines`
/// and one line in ``MachineRegistry``; no other code names a machine.
package protocol MachineModel: Sendable {
    /// The VM spec's `machine` value this model serves.
    var kind: MachineKind { get }
    /// The host architecture the machine runs on under KVM.
    var architecture: HostProfile.Architecture { get }
    /// What the guest's address width is called on this machine (`phys-bits`, `IPA bits`).
    var addressWidthName: String { get }
    /// Whether an unpinned vCPU takes each host's vendor and the derivation depends on it (x86).
    var takesHostVendor: Bool { get }
    /// The CPU model QEMU uses when a command line gives none.
    var defaultCPUModel: String { get }

    /// Whether a `-machine` type names this machine (`q35`, `pc-q35-7.2`).
    func recognizes(machineType: String) -> Bool
    /// The versioned machine type for a QEMU release (`pc-q35-7.2`).
    func machineType(for qemu: QEMUVersion) -> String

    /// The layout QEMU derives from knobs, for a spec. `cpuVendorPinned`: the vendor is part of the
    /// layout rather than taken from each host.
    func layout(knobs: MachineKnobs, vm: VMSpec, cpuVendorPinned: Bool) throws -> GuestLayout
    /// The layout `host`'s QEMU derives from a layout's knobs under KVM: an unpinned vCPU takes the
    /// host's vendor, which can change the derivation.
    func layout(_ layout: GuestLayout, on host: HostProfile) throws -> GuestLayout
    /// The knobs a QEMU command line's memory options set on `host` under KVM (DIMMs without an
    /// address placed by QEMU's own first fit).
    func knobs(from arguments: QEMUMemoryArguments, versionedType: String, on host: HostProfile, vm: VMSpec) throws -> MachineKnobs

    /// The memory-map arguments for a layout of this machine.
    func qemuArguments(for layout: GuestLayout, options: QEMUArguments.Options) -> [String]
    /// The `knobs` member of a layout document.
    func knobsJSON(_ knobs: MachineKnobs) -> JSONOutput
    /// Reads the `knobs` member back (the inverse of ``knobsJSON(_:)``).
    func readKnobs(_ knobs: inout ObjectReader, machineType: String, vm: VMSpec, physBits: Int, vendor: CPUVendor?) throws -> MachineKnobs

    /// The one region the machine's pre-plug hook puts in a virtio-iommu's `reserved-regions`
    /// (its MSI doorbell), if it has one.
    func virtioIOMMUWindow(_ knobs: MachineKnobs) -> AddressRange?

    /// The placement problem this machine poses for `spec` on `fleet`.
    func planner(fleet: Fleet, spec: VMSpec) -> any MachinePlanner
}

/// Every machine layoutsolve models. Adding one is a folder under `Sources/LayoutMachines` (its
/// model, knobs, derivation, compatibility table and planner) and its line here.
package enum MachineRegistry {
    package static let models: [any MachineModel] = [
        PCMachine(chipset: .q35),
        PCMachine(chipset: .i440fx),
        VirtMachine(),
    ]

    /// The modelled machine names, in registry order.
    package static var names: [String] { models.map(\.kind.rawValue) }

    /// The model for a spec's machine.
    /// - Throws: ``InputError`` (`$.machine`) for a name no model serves, with the names that are modelled.
    package static func model(for kind: MachineKind, source: String = "vm") throws -> any MachineModel {
        guard let model = models.first(where: { $0.kind == kind }) else {
            throw InputError(source: source, path: "$.machine", message: "machine \"\(kind.rawValue)\" is not modelled; expected one of \(names.joined(separator: ", "))")
        }
        return model
    }

    /// The model whose machine a `-machine` type names, if any.
    package static func model(forMachineType type: String) -> (any MachineModel)? {
        models.first { $0.recognizes(machineType: type) }
    }
}
