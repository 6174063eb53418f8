import LayoutCore
/// The memory-related part of a QEMU command line, as QEMU itself would read it.
package struct QEMUMemoryArguments: Equatable, Sendable {
    package struct MemoryBackend: Equatable, Sendable {
        package var id: String
        package var size: UInt64
        /// `align=` of a file backend, or nil (QEMU then uses the backing page size; RAM backends 2 MiB).
        package var align: UInt64?
        /// `memory-backend-ram`, `memory-backend-file`, …; with `mem-path=` and `share=` of a file
        /// backend, kept so a printed layout's backing can be read back (RenderingCheck).
        package var type: String = "memory-backend-ram"
        package var memPath: String? = nil
        package var share: String? = nil
    }

    package struct PlannedDevice: Equatable, Sendable {
        package var id: String?
        package var memdev: String
        /// nil: QEMU places it (first fit in device memory).
        package var address: UInt64?
    }

    package var machineType: String = "pc"
    package var machineProperties: [String: String] = [:]
    package var ramSize: UInt64 = 128 << 20
    package var slots: Int = 0
    package var maxmem: UInt64?
    package var cpuModel: String?
    package var cpuProperties: [String: String] = [:]
    /// `-global driver.property=value`.
    package var globals: [String: String] = [:]
    package var backends: [MemoryBackend] = []
    package var dimms: [PlannedDevice] = []
    /// `-bios` or a pflash drive (`-drive if=pflash`, libvirt's `-machine pflash0=`), and ACPI not
    /// off: on virt 7.2 the ACPI GED (and so memory hotplug) depends on both (hw/arm/virt.c machvirt_init).
    package var firmwareLoaded = false
    /// The properties of a `-device virtio-iommu-pci` (nil: none), such as `aw-bits`.
    package var virtioIOMMU: [String: String]? = nil
    /// `-fw_cfg name=…,string=…` entries by name (OVMF reads its aperture size from one).
    package var firmwareConfig: [String: String] = [:]
}

/// Reads the memory arguments of a QEMU command line (`-m`, `-machine`, `-cpu`, `-global`,
/// `-object memory-backend-*`, `-device pc-dimm`), in QEMU's own syntax, including its JSON forms.
/// Everything else on the line is skipped.
package enum QEMUArgumentParser {
    /// Options that take no argument; every other option takes one.
    package static let flags: Set<String> = [
        "S", "nodefaults", "no-user-config", "enable-kvm", "nographic", "daemonize", "snapshot", "no-reboot",
        "no-shutdown", "no-hpet", "full-screen", "s", "no-acpi", "no-fd-bootchk", "only-migratable", "preconfig",
        "win2k-hack", "no-quit", "alt-grab", "ctrl-grab", "version", "help", "h",
    ]

    package static func parse(_ line: String, source: String = "--qemu-args") throws -> QEMUMemoryArguments {
        try parse(arguments: try ShellWords.split(line, source: source), source: source)
    }

    package static func parse(arguments: [String], source: String = "--qemu-args") throws -> QEMUMemoryArguments {
        var result = QEMUMemoryArguments()
        var index = 0
        var sawMemory = false
        var noACPI = false
        func fail(_ message: String) -> InputError { InputError(source: source, message: message) }
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            guard token.hasPrefix("-"), token.count > 1 else { continue }
            let name = String(token.drop(while: { $0 == "-" }))
            if name == "no-acpi" { noACPI = true }
            if flags.contains(name) { continue }
            guard index < arguments.count else { throw fail("\(token) needs a value") }
            let value = arguments[index]
            index += 1
            switch name {
            case "machine", "M":
                let (type, properties) = try keyValues(value, implicitKey: "type", source: source, option: token)
                if let type { result.machineType = type }
                result.machineProperties.merge(properties) { $1 }
            case "m":
                let (size, properties) = try keyValues(value, implicitKey: "size", source: source, option: token)
                if let size {
                    // QEMU reads a bare -m number as MiB (vl.c: "legacy suffix-less format").
                    let bytes = try qemuSize(size, option: "-m size", source: source)
                    result.ramSize = size.last.map { $0.isASCII && $0.isNumber } == true ? try checkedMiB(bytes, source: source) : bytes
                }
                for (key, text) in properties {
                    switch key {
                    case "slots": guard let slots = Int(text), slots >= 0 else { throw fail("-m slots=\(text) is not a number") }; result.slots = slots
                    case "maxmem": result.maxmem = try qemuSize(text, option: "-m maxmem", source: source)
                    default: throw fail("-m has no option \(key) (size, slots, maxmem)")
                    }
                }
                sawMemory = true
            case "cpu":
                let parts = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                result.cpuModel = parts.first
                for part in parts.dropFirst() {
                    if let equals = part.firstIndex(of: "=") {
                        result.cpuProperties[String(part[..<equals])] = String(part[part.index(after: equals)...])
                    } else if part.hasPrefix("+") || part.hasPrefix("-") {
                        continue
                    } else {
                        result.cpuProperties[part] = "on"
                    }
                }
            case "global":
                guard let equals = value.firstIndex(of: "=") else { throw fail("-global \(value): expected driver.property=value") }
                result.globals[String(value[..<equals])] = String(value[value.index(after: equals)...])
            case "object":
                let properties = try objectProperties(value, typeKey: "qom-type", source: source, option: token)
                guard let type = properties["qom-type"], type.hasPrefix("memory-backend") else { continue }
                guard let id = properties["id"] else { throw fail("-object \(type) needs an id") }
                guard let size = properties["size"] else { throw fail("-object \(type),id=\(id) needs a size") }
                result.backends.append(.init(id: id, size: try qemuSize(size, option: "\(id) size", source: source), align: try properties["align"].map { try qemuSize($0, option: "\(id) align", source: source) },
                                             type: type, memPath: properties["mem-path"], share: properties["share"]))
            case "device":
                let properties = try objectProperties(value, typeKey: "driver", source: source, option: token)
                if properties["driver"] == "virtio-iommu-pci" { result.virtioIOMMU = properties }
                guard properties["driver"] == "pc-dimm" else { continue }
                guard let memdev = properties["memdev"] else { throw fail("-device pc-dimm needs memdev=") }
                let address = try properties["addr"].map { text -> UInt64 in
                    guard case .success(let value) = SizeSyntax.parse(text), !text.contains(where: \.isLetter) || text.lowercased().hasPrefix("0x") else {
                        throw fail("pc-dimm addr=\(text) is not an address")
                    }
                    return value
                }
                result.dimms.append(.init(id: properties["id"], memdev: memdev, address: address == 0 ? nil : address))
            case "fw_cfg":
                let (name, properties) = try keyValues(value, implicitKey: "name", source: source, option: token)
                if let name { result.firmwareConfig[name] = properties["string"] ?? properties["file"] ?? "" }
            case "bios":
                result.firmwareLoaded = true
            case "drive", "blockdev":
                if value.contains("if=pflash") { result.firmwareLoaded = true }
            default:
                continue
            }
        }
        result.applyCPUGlobals()
        if result.machineProperties["pflash0"] != nil { result.firmwareLoaded = true }
        // libvirt writes -no-acpi for an aarch64 domain without <acpi/>: then virt has no ACPI GED.
        if noACPI || ["off", "false", "no"].contains(result.machineProperties["acpi"] ?? "") { result.firmwareLoaded = false }
        if !sawMemory && result.backends.isEmpty {
            throw fail("no -m option: give the VM's memory arguments")
        }
        if let backend = result.machineProperties["memory-backend"] {
            guard let found = result.backends.first(where: { $0.id == backend }) else { throw fail("-machine memory-backend=\(backend) names no -object") }
            if !sawMemory { result.ramSize = found.size }
        }
        return result
    }

    package static func checkedMiB(_ value: UInt64, source: String) throws -> UInt64 {
        let (bytes, overflow) = value.multipliedReportingOverflow(by: 1 << 20)
        if overflow { throw InputError(source: source, message: "-m \(value) (MiB) does not fit in 64 bits") }
        return bytes
    }

    /// QEMU's size syntax (qemu_strtosz): bytes unless a suffix says otherwise; decimals allowed with a suffix.
    package static func qemuSize(_ text: String, option: String, source: String) throws -> UInt64 {
        let trimmed = text.trimmingWhitespace()
        if case .success(let value) = SizeSyntax.parse(trimmed) { return value }
        // A fraction with a unit: 1.5G.
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50, "E": 1 << 60]
        if let unit = trimmed.uppercased().last.flatMap({ units[$0] }) {
            let number = trimmed.dropLast()
            let pieces = number.split(separator: ".", omittingEmptySubsequences: false)
            if pieces.count == 2, let whole = UInt64(pieces[0]), !pieces[1].isEmpty, pieces[1].allSatisfy({ $0.isASCII && $0.isNumber }), pieces[1].count <= 9 {
                var fraction: UInt64 = 0
                var scale: UInt64 = 1
                for digit in pieces[1] { fraction = fraction * 10 + UInt64(digit.wholeNumberValue ?? 0); scale *= 10 }
                let (wholeBytes, overflow) = whole.multipliedReportingOverflow(by: unit)
                let fractionBytes = unit / scale * fraction + (unit % scale) * fraction / scale
                if !overflow, case (let total, false) = wholeBytes.addingReportingOverflow(fractionBytes) { return total }
            }
        }
        throw InputError(source: source, message: "\(option)=\(text) is not a size QEMU reads")
    }

    /// `value` or `key=value,key=value`, with the first bare value under `implicitKey`.
    package static func keyValues(_ text: String, implicitKey: String, source: String, option: String) throws -> (String?, [String: String]) {
        var implicit: String?
        var properties: [String: String] = [:]
        for (position, part) in text.split(separator: ",", omittingEmptySubsequences: true).enumerated() {
            if let equals = part.firstIndex(of: "=") {
                let key = String(part[..<equals]), value = String(part[part.index(after: equals)...])
                if key == implicitKey { implicit = value } else { properties[key] = value }
            } else if position == 0 {
                implicit = String(part)
            } else {
                properties[String(part)] = "on"
            }
        }
        return (implicit, properties)
    }

    /// `-object`/`-device` in key=value form or QEMU's JSON form.
    package static func objectProperties(_ text: String, typeKey: String, source: String, option: String) throws -> [String: String] {
        let trimmed = text.trimmingWhitespace()
        if trimmed.hasPrefix("{") {
            let node: JSONNode
            do { node = try JSONParser.parse(Array(trimmed.utf8)) } catch {
                throw InputError(source: source, message: "\(option) JSON: \(error.message)")
            }
            guard case .object(let members) = node.value else { throw InputError(source: source, message: "\(option) JSON must be an object") }
            var properties: [String: String] = [:]
            for member in members {
                switch member.value.value {
                case .string(let value): properties[member.key] = value
                case .number(let value): properties[member.key] = value
                case .bool(let value): properties[member.key] = value ? "on" : "off"
                default: continue
                }
            }
            return properties
        }
        let (type, properties) = try keyValues(trimmed, implicitKey: typeKey, source: source, option: option)
        var all = properties
        if let type { all[typeKey] = type }
        return all
    }
}

/// POSIX shell word splitting for a pasted command line: quotes and backslashes, no expansion.
/// By Unicode scalar, as a shell reads bytes: as Characters, a quote followed by a combining mark
/// was one grapheme and stopped being a quote (found by .ci/fuzz).
package enum ShellWords {
    package static func split(_ line: String, source: String) throws -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        var inWord = false
        var quote: Unicode.Scalar?
        var escaped = false
        for character in line.unicodeScalars {
            if escaped {
                if character != "\n" { current.append(character) }
                escaped = false
                inWord = true
                continue
            }
            if let open = quote {
                if character == open { quote = nil } else if character == "\\" && open == "\"" { escaped = true } else { current.append(character) }
                continue
            }
            switch character {
            case "\\": escaped = true
            case "'", "\"": quote = character; inWord = true
            case " ", "\t", "\n":
                if inWord { words.append(String(current)); current = String.UnicodeScalarView(); inWord = false }
            default:
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { throw InputError(source: source, message: "unterminated quote in the QEMU command line") }
        if inWord { words.append(String(current)) }
        return words
    }
}
