/// Reads and validates `layoutsolve/vm/v1` documents, and checks a spec built from flags the same way.
package enum VMSpecParser {
    package static let members = ["schema", "name", "machine", "ram", "maxmem", "slots", "ram_align", "pci_hole64", "pci_hole32", "cpu_model", "cpu_vendor", "p2p", "qemu", "hotplug", "viommu", "memory_block_size", "note"]

    package static func parse(_ bytes: [UInt8], source: String) throws -> VMSpec {
        let reader = try JSONReader.document(bytes, source: source)
        let root = reader.node
        var object = try reader.object()
        try reader.refusingNull()
        let schemaReader = try object.required("schema")
        let schema = try schemaReader.string()
        guard schema == VMSpec.schema else {
            if schema == HostProfile.schema {
                throw schemaReader.error("this is a host profile (\(schema)), not a VM spec; pass it with --hosts")
            }
            throw schemaReader.error("expected \"\(VMSpec.schema)\", found \"\(quotedForMessage(schema))\"")
        }
        var spec = VMSpec(ram: 0)
        spec.name = try object.optional("name")?.schemaString(matching: SchemaSpelling.isName, "a VM name of at most 100 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit")
        if let machineReader = object.optional("machine") {
            let text = try machineReader.string()
            // Which names are modelled is the machine models' business (MachineRegistry); the solver
            // refuses an unmodelled one with the list.
            guard MachineKind.isWellFormed(text) else {
                throw machineReader.error("expected a QEMU machine name such as q35, pc or virt, found \"\(text.prefix(80))\"")
            }
            spec.machine = MachineKind(rawValue: text)
        }
        let ramReader = try object.required("ram")
        spec.ram = try ramReader.schemaQuantity("a RAM size")
        let maxmemReader = object.optional("maxmem")
        spec.maxmem = try maxmemReader?.schemaQuantity("a maximum memory size")
        let slotsReader = object.optional("slots")
        spec.slots = try slotsReader?.schemaInteger(in: 1...256, what: "a number of memory slots") ?? 0
        let alignReader = object.optional("ram_align")
        // Only the two x86 hugepage sizes QEMU backs with a memory-backend-file (the schema's enum):
        // "4K" used to be read as 4 KiB and emitted a hugepage backend on /dev/hugepages.
        spec.ramAlign = try alignReader.map { reader in
            _ = try reader.schemaString(matching: { ["2M", "1G"].contains($0) }, "\"2M\" or \"1G\" (a hugepage size, a power of two)")
            return try reader.schemaQuantity("a RAM alignment")
        }
        let holeReader = object.optional("pci_hole64")
        spec.pciHole64 = try holeReader?.schemaQuantity("a 64-bit PCI hole size")
        let hole32Reader = object.optional("pci_hole32")
        spec.pciHole32 = try hole32Reader?.schemaQuantity("a 32-bit PCI hole size")
        spec.cpuModel = try object.optional("cpu_model")?.string() ?? "host"
        if let vendorReader = object.optional("cpu_vendor") {
            let text = try vendorReader.string()
            guard let vendor = CPUVendor(rawValue: text) else { throw vendorReader.error("expected \"intel\" or \"amd\", found \"\(quotedForMessage(text))\"") }
            spec.cpuVendor = vendor
        }
        spec.p2p = try object.optional("p2p")?.bool() ?? false
        if let qemuReader = object.optional("qemu") {
            let text = try qemuReader.string()
            guard let version = QEMUVersion(text), text == "\(version.major).\(version.minor)" else { throw qemuReader.error("expected a QEMU version such as \"7.2\", found \"\(quotedForMessage(text))\"") }
            spec.qemu = version
        }
        let hotplugReader = object.optional("hotplug")
        spec.hotplug = try (hotplugReader?.array() ?? []).map { element in
            var request = try element.object()
            let count = try request.required("count").schemaInteger(in: 1...256, what: "a number of DIMMs")
            let size = try request.required("size").schemaQuantity("a DIMM size")
            try request.finish(allowed: ["count", "size"])
            return HotplugRequest(count: count, size: size)
        }
        if let viommuReader = object.optional("viommu") {
            let text = try viommuReader.string()
            guard let viommu = VIOMMU(rawValue: text) else {
                throw viommuReader.error("expected one of \(VIOMMU.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(quotedForMessage(text))\"")
            }
            spec.viommu = viommu
        }
        let blockReader = object.optional("memory_block_size")
        spec.memoryBlockSize = try blockReader?.schemaQuantity("a memory block size")
        _ = try object.optional("note")?.string()
        try object.finish(allowed: members)
        let problems = validate(spec)
        if let first = problems.first {
            let readers: [String: JSONReader?] = ["ram": ramReader, "maxmem": maxmemReader, "slots": slotsReader, "ram_align": alignReader, "pci_hole64": holeReader, "pci_hole32": hole32Reader, "hotplug": hotplugReader, "memory_block_size": blockReader, "cpu_model": nil, "qemu": nil]
            let at = readers[first.member].flatMap { $0 }
            throw InputError(source: source, path: "$.\(first.member)", line: at?.node.line ?? root.line, message: first.message)
        }
        return spec
    }

    /// Bounds for `memory_block_size`: 2 MiB is QEMU's own DIMM alignment, 64 GiB more than any
    /// kernel uses (x86_64 stops at 2 GiB, arm64 with 64 KiB pages at 512 MiB).
    package static let minimumMemoryBlock: UInt64 = 2 << 20
    package static let maximumMemoryBlock: UInt64 = 64 << 30

    /// A problem with one member of a spec: which member and what is wrong.
    package struct Problem: Equatable, Sendable {
        package let member: String
        package let message: String
    }

    /// The rules QEMU itself enforces on `-m` (hw/core/machine.c) and the ones this tool adds.
    package static func validate(_ spec: VMSpec) -> [Problem] {
        var problems: [Problem] = []
        if spec.ram == 0 { problems.append(.init(member: "ram", message: "ram must be larger than 0")) }
        if let align = spec.ramAlign {
            if !align.isPowerOfTwo || align < 4096 {
                problems.append(.init(member: "ram_align", message: "ram_align \(Hex.format(align)) must be a power of two of at least 4K (a page size such as 2M or 1G)"))
            } else if spec.ram % align != 0 {
                problems.append(.init(member: "ram", message: "ram \(ByteCount.format(spec.ram)) is not a multiple of ram_align \(ByteCount.format(align)); hugepage-backed memory comes in whole pages"))
            }
        }
        if let maxmem = spec.maxmem {
            if maxmem < spec.ram {
                problems.append(.init(member: "maxmem", message: "maxmem \(ByteCount.format(maxmem)) is below ram \(ByteCount.format(spec.ram))"))
            }
            if maxmem % 4096 != 0 {
                problems.append(.init(member: "maxmem", message: "maxmem must be a multiple of 4 KiB (QEMU: \"maximum memory size must by aligned to multiple of 4096 bytes\")"))
            }
            if spec.slots > 0 && maxmem == spec.ram {
                problems.append(.init(member: "maxmem", message: "slots were given but maxmem equals ram: there is no room to hot-add anything"))
            }
        } else if spec.slots > 0 {
            problems.append(.init(member: "slots", message: "slots need maxmem (QEMU: \"slots specified but no max-size\")"))
        }
        if let hole = spec.pciHole64, hole % Sizes.gib != 0 {
            problems.append(.init(member: "pci_hole64", message: "pci_hole64 \(ByteCount.format(hole)) must be a multiple of 1 GiB (QEMU rounds the hole to 1 GiB)"))
        }
        if let hole = spec.pciHole32, hole > 0xfec0_0000 - 0x10_0000 || hole % (2 << 20) != 0 {
            problems.append(.init(member: "pci_hole32", message: "pci_hole32 \(ByteCount.format(hole)) must be a multiple of 2 MiB and leave at least 1 MiB of low RAM below 0xfec00000"))
        }
        if spec.cpuModel.isEmpty || spec.cpuModel.contains(where: { $0 == "," || $0 == " " || $0 == "=" }) {
            problems.append(.init(member: "cpu_model", message: "cpu_model must be one QEMU CPU model name such as host, max or EPYC (no commas or spaces)"))
        }
        if let block = spec.memoryBlockSize, !block.isPowerOfTwo || block < minimumMemoryBlock || block > maximumMemoryBlock {
            problems.append(.init(member: "memory_block_size", message: "memory_block_size \(Hex.format(block)) must be a power of two from 2M to 64G (Linux: /sys/devices/system/memory/block_size_bytes)"))
        }
        // The finest block any supported guest uses; the machine's rule may ask for more (2 GiB on
        // x86_64 once boot RAM ends at 64 GiB, 1 GiB on virt), which the solver checks per layout.
        let hotplugGranule = max(spec.ramAlign ?? 0, spec.memoryBlockSize ?? (128 << 20))
        for request in spec.hotplug where request.size == 0 || request.size % hotplugGranule != 0 {
            problems.append(.init(member: "hotplug", message: "a hot-add DIMM of \(ByteCount.format(request.size)) is not a multiple of \(ByteCount.format(hotplugGranule)): Linux onlines hot-added memory in whole memory blocks (memory_block_size, default 128 MiB or more) and hugepages come whole"))
        }
        if spec.slots + spec.hotplug.reduce(0, { $0 + $1.count }) > 256 {
            problems.append(.init(member: "hotplug", message: "slots plus planned DIMMs exceed QEMU's 256 memory slots"))
        }
        if !QEMUVersion.modelled.contains(spec.qemu) {
            problems.append(.init(member: "qemu", message: "QEMU \(spec.qemu) is not modelled; this version models \(QEMUVersion.modelled.map(\.description).joined(separator: ", ")), each proven in a real QEMU (7.2 and 10.0 binaries); a newer target is accepted once a binary proves it"))
        }
        return problems
    }
}
