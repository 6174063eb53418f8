import LayoutCore
import LayoutMachines
import LayoutPlacement
/// The machine-readable answer, schema `layoutsolve/layout/v1` (Schemas/layout-v1.schema.json).
/// Addresses and sizes are hex strings: JSON numbers lose precision above 2^53 in most parsers.
public enum LayoutJSON {
    /// The `schema` member of every layout document.
    package static let schema = "layoutsolve/layout/v1"

    /// The layout document; `.rendered()` gives the bytes `--format json` prints, the same for the same
    /// inputs (Schemas/README.md says what may change within v1).
    /// The `layoutsolve/layout/v1` document of a solution, as the command line prints it.
    public static func render(_ solution: Solution, qemuOptions: QEMUArguments.Options = .init()) -> String {
        document(for: solution, qemuOptions: qemuOptions).rendered()
    }

    /// The `layoutsolve/error/v1` document for an error the library threw.
    public static func render(error: Error) -> String { ErrorJSON.document(for: error).rendered() }

    package static func document(for solution: Solution, qemuOptions: QEMUArguments.Options = .init()) -> JSONOutput {
        .object(members(for: solution, qemuOptions: qemuOptions))
    }

    /// The document's members in order; the layout digest filters these.
    package static func members(for solution: Solution, qemuOptions: QEMUArguments.Options = .init()) -> [(String, JSONOutput)] {
        let layout = solution.layout.guest
        var members: [(String, JSONOutput)] = [
            ("schema", .string(schema)),
            ("generator", .string("layoutsolve \(LayoutSolverVersion.current)")),
            ("vm", vm(layout.vm)),
            ("machine", .string(layout.machine.rawValue)),
            ("machine_type", .string(layout.machineType)),
            ("qemu_version", .string(layout.qemu.description)),
            ("phys_bits", .integer(layout.physBits)),
            ("cpu_vendor", layout.cpuVendor.map { .string($0.rawValue) } ?? .null),
            ("top_address", .hex(layout.topAddress)),
            ("regions", .array(layout.regions.map(region))),
            ("knobs", layout.knobs.model.knobsJSON(layout.knobs)),
            ("programmable", .array(solution.programmable.map(programmable))),
            ("hosts", .array(solution.hosts.map(host))),
            ("notes", .array(layout.notes.map(JSONOutput.string))),
            ("viommu", layout.viommu.map(viommu) ?? .null),
        ]
        members.append(("qemu", .object([
            ("argv", .array(QEMUArguments.argv(for: layout, options: qemuOptions).map(JSONOutput.string))),
            ("hotplug_hmp", .array(HotplugCommands.hmp(for: layout, options: qemuOptions).map(JSONOutput.string))),
            ("hotplug_qmp", .array(HotplugCommands.qmp(for: layout, options: qemuOptions).map(JSONOutput.string))),
        ])))
        return members
    }

    package static func vm(_ spec: VMSpec) -> JSONOutput {
        // memory_block_size is echoed only when the spec states it, so layouts without it keep their bytes.
        .object([
            ("name", spec.name.map(JSONOutput.string) ?? .null),
            ("machine", .string(spec.machine.rawValue)),
            ("ram", .hex(spec.ram)),
            ("maxmem", .optionalHex(spec.maxmem)),
            ("slots", .integer(spec.slots)),
            ("ram_align", .optionalHex(spec.ramAlign)),
            ("pci_hole64", .optionalHex(spec.pciHole64)),
            ("pci_hole32", .optionalHex(spec.pciHole32)),
            ("cpu_model", .string(spec.cpuModel)),
            ("cpu_vendor", spec.cpuVendor.map { .string($0.rawValue) } ?? .null),
            ("p2p", .bool(spec.p2p)),
            ("qemu", .string(spec.qemu.description)),
            ("hotplug", .array(spec.hotplug.map { .object([("count", .integer($0.count)), ("size", .hex($0.size))]) })),
            ("viommu", .string(spec.viommu.rawValue)),
        ] + (spec.memoryBlockSize.map { [("memory_block_size", JSONOutput.hex($0))] } ?? []))
    }

    package static func region(_ region: GuestRegion) -> JSONOutput {
        .object([
            ("name", .string(region.name)),
            ("kind", .string(region.kind.rawValue)),
            ("start", .hex(region.range.start)),
            ("end", .hex(region.range.last)),
            ("size", .optionalHex(region.range.size)),
            ("dma_target", .bool(region.isDMATarget)),
        ])
    }



    package static func viommu(_ plan: VIOMMUPlan) -> JSONOutput {
        .object([
            ("reserved_regions", .array(plan.propertyValues.map(JSONOutput.string))),
            ("aw_bits", plan.addressBits.map(JSONOutput.integer) ?? .null),
        ])
    }

    package static func programmable(_ placement: ProgrammablePlacement) -> JSONOutput {
        .object([
            ("host", .string(placement.host)),
            ("path", .string(placement.path)),
            ("type", .string(placement.type.rawValue)),
            ("start", .hex(placement.range.start)),
            ("end", .hex(placement.range.last)),
            ("size", .optionalHex(placement.range.size)),
            ("default", .bool(placement.isDefault)),
        ])
    }

    package static func host(_ host: HostProfile) -> JSONOutput {
        .object([
            ("name", .string(host.name)),
            ("arch", .string(host.arch.rawValue)),
            ("count", .integer(host.count)),
            ("cpu_phys_bits", .integer(host.cpuPhysBits)),
            ("iommu_address_bits", .integer(host.iommuAddressBits)),
            ("verified", .bool(true)),
        ])
    }
}

/// The version of this library, as `generator` in layouts and `--version` print it.
package enum LayoutSolverVersion {
    package static let current = "0.1.0"
}
