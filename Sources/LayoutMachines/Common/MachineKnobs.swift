import LayoutCore

/// What one machine's command line sets that QEMU's memory map depends on. Each machine folder
/// defines its own (``PCMachineKnobs``, ``VirtKnobs``).
package protocol MachineKnobSet: Sendable {
    /// The pinned, versioned machine type (`pc-q35-7.2`, `virt-8.2`).
    var machineType: String { get }
    /// The DIMMs the layout cold-plugs.
    var dimms: [DIMM] { get }
    /// The DIMMs planned for hot-add: not on the command line, but counted in slots and maxmem.
    var hotplugPlan: [DIMM] { get }
    /// The machine these knobs are for: a layout reaches its model through its knobs.
    var model: any MachineModel { get }
    /// Value equality across the existential.
    func isEqual(to other: any MachineKnobSet) -> Bool
}

extension MachineKnobSet where Self: Equatable {
    package func isEqual(to other: any MachineKnobSet) -> Bool { (other as? Self) == self }
}

/// The knobs behind a layout, whichever machine it is for. A machine folder adds a typed view
/// (`knobs.pc`, `knobs.virt`) in an extension, so nothing here names a machine.
package struct MachineKnobs: Equatable, Sendable {
    package let value: any MachineKnobSet

    package init(_ value: any MachineKnobSet) {
        self.value = value
    }

    package var machineType: String { value.machineType }
    package var model: any MachineModel { value.model }
    package var dimms: [DIMM] { value.dimms }
    package var hotplugPlan: [DIMM] { value.hotplugPlan }

    package static func == (lhs: MachineKnobs, rhs: MachineKnobs) -> Bool { lhs.value.isEqual(to: rhs.value) }
}
