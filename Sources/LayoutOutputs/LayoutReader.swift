import LayoutCore
import LayoutMachines
import LayoutPlacement
/// Reads back a layout this tool printed (`layoutsolve/layout/v1`) and re-derives it from its
/// knobs with the machine model, so a check of an existing VM never trusts the file's regions.
package enum LayoutReader {
    package static func read(_ bytes: [UInt8], source: String) throws -> GuestLayout {
        let reader = try JSONReader.document(bytes, source: source)
        var object = try reader.object()
        let schemaReader = try object.required("schema")
        guard try schemaReader.string() == LayoutJSON.schema else {
            throw schemaReader.error("expected \"\(LayoutJSON.schema)\" (a layout printed with --format json)")
        }
        let machineReader = try object.required("machine")
        let machine = MachineKind(rawValue: try machineReader.string())
        guard let model = try? MachineRegistry.model(for: machine) else { throw machineReader.expectation(MachineRegistry.names.joined(separator: ", ")) }
        let machineType = try object.required("machine_type").string()
        let versionReader = try object.required("qemu_version")
        guard let qemu = QEMUVersion(try versionReader.string()) else { throw versionReader.expectation("a QEMU version") }
        let vm = try readVM(try object.required("vm"), machine: machine, qemu: qemu)
        let physBits = try object.required("phys_bits").integer(in: 32...64, what: "guest phys-bits")
        var vendor: CPUVendor?
        if let vendorReader = object.optional("cpu_vendor") {
            guard let parsed = CPUVendor(rawValue: try vendorReader.string()) else { throw vendorReader.expectation("intel or amd") }
            vendor = parsed
        }
        var knobsObject = try object.required("knobs").object()
        let layout: GuestLayout
        do {
            let knobs = try model.readKnobs(&knobsObject, machineType: machineType, vm: vm, physBits: physBits, vendor: vendor)
            layout = try model.layout(knobs: knobs, vm: vm, cpuVendorPinned: vendor != nil)
        } catch let rejection as QEMURejection {
            throw InputError(source: source, path: "$.knobs", message: "QEMU would refuse these knobs: \(rejection.message)")
        }
        var printed: [AddressRange] = []
        for region in try object.required("regions").array() {
            var member = try region.object()
            let start = try member.required("start").quantity("a start address")
            let end = try member.required("end").quantity("an end address")
            guard let range = AddressRange(start: start, last: end) else { throw region.error("end is below start") }
            printed.append(range)
        }
        let derived = layout.regions.map(\.range)
        if vendor != nil || !model.takesHostVendor, printed.sorted(by: <) != derived.sorted(by: <) {
            throw InputError(source: source, path: "$.regions", message: "the regions differ from what QEMU derives from the file's knobs: the file was edited, or written by a different version of the machine model")
        }
        return layout
    }

    package static func readVM(_ reader: JSONReader, machine: MachineKind, qemu: QEMUVersion) throws -> VMSpec {
        var object = try reader.object()
        var spec = VMSpec(ram: try object.required("ram").quantity("RAM size"))
        spec.name = try object.optional("name")?.string()
        spec.machine = machine
        spec.qemu = qemu
        spec.maxmem = try object.optional("maxmem")?.quantity("maxmem")
        spec.slots = try object.optional("slots")?.integer(in: 0...256, what: "slots") ?? 0
        spec.ramAlign = try object.optional("ram_align")?.quantity("ram_align")
        spec.pciHole64 = try object.optional("pci_hole64")?.quantity("pci_hole64")
        spec.pciHole32 = try object.optional("pci_hole32")?.quantity("pci_hole32")
        spec.cpuModel = try object.optional("cpu_model")?.string() ?? "host"
        spec.p2p = try object.optional("p2p")?.bool() ?? false
        spec.memoryBlockSize = try object.optional("memory_block_size")?.quantity("memory_block_size")
        return spec
    }
}
