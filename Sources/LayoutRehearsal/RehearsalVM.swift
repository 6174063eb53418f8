// The VM a rehearsal runs inside each virtual host: its QEMU memory arguments (from a solved
// layout, or from a user's command line) and the QMP commands that hot-add its planned DIMMs.
// Only what shapes the memory map is kept: disks, networks, displays and monitors of a user's
// command line do not exist inside a virtual host. RAM comes from anonymous memory there (no
// hugetlbfs in the virtual host), which does not move any address.

import Foundation
import LayoutCore
import LayoutMachines
import LayoutOutputs
import LayoutPlacement

public struct RehearsalVM: Sendable {
    /// `layoutsolve's layout` or `--qemu-args`.
    public var name: String
    /// The inner QEMU's arguments (the engine adds -S, QMP, the root port and vfio-pci).
    public var arguments: [String]
    /// QMP commands (one JSON object each) run before vfio-pci is hot-added: the planned DIMMs.
    public var hotAdd: [String]
    /// Guest memory the virtual host must pin: boot RAM, cold DIMMs, planned DIMMs.
    public var guestBytes: UInt64
    /// What was dropped or changed from a user's command line.
    public var notes: [String]

    /// A verified layout: its memory-map arguments and its planned hot-add DIMMs.
    public static func layout(_ layout: VerifiedLayout, name: String = "layoutsolve's layout") -> RehearsalVM {
        self.layout(layout.guest, name: name)
    }

    package static func layout(_ layout: GuestLayout, name: String = "layoutsolve's layout") -> RehearsalVM {
        let options = QEMUArguments.Options(backing: .anonymous)
        let arguments = QEMUArguments.argv(for: layout, options: options) + ["-nodefaults"]
        let bytes = layout.regions.filter { [.ram, .dimm, .hotplug].contains($0.kind) }
            .reduce(UInt64(0)) { total, region in
                let (sum, overflow) = total.addingReportingOverflow(region.range.size ?? .max)
                return overflow ? .max : sum
            }
        return RehearsalVM(name: name, arguments: arguments, hotAdd: HotplugCommands.qmp(for: layout, options: options),
                           guestBytes: bytes, notes: [])
    }

    /// Options of a user's command line that shape the memory map (QEMU's names, without dashes).
    static let kept: Set<String> = ["M", "machine", "m", "cpu", "smp", "numa", "global", "object", "device", "accel"]
    static let keptFlags: Set<String> = ["nodefaults", "enable-kvm", "no-hpet", "no-acpi"]

    /// A user's QEMU command line (`--qemu-args`). Throws ``InputError`` when it does not parse.
    public static func commandLine(_ line: String, source: String = "--qemu-args") throws -> RehearsalVM {
        var words = try ShellWords.split(line, source: source)
        if let first = words.first, !first.hasPrefix("-") { words.removeFirst() } // the QEMU binary
        let parsed = try QEMUArgumentParser.parse(arguments: words, source: source)
        var out: [String] = []
        var dropped: [String] = []
        var notes: [String] = []
        var index = 0
        while index < words.count {
            let token = words[index]
            index += 1
            guard token.hasPrefix("-"), token.count > 1 else { dropped.append(token); continue }
            let name = String(token.drop(while: { $0 == "-" }))
            if QEMUArgumentParser.flags.contains(name) {
                if keptFlags.contains(name) { out.append(token) } else { dropped.append(token) }
                continue
            }
            guard index < words.count else { break }
            let value = words[index]
            index += 1
            guard kept.contains(name) else { dropped.append(token); continue }
            switch name {
            case "device":
                let driver = value.hasPrefix("{") ? (value.contains("\"pc-dimm\"") ? "pc-dimm" : "") : String(value.split(separator: ",").first ?? "")
                let bare = driver.hasPrefix("driver=") ? String(driver.dropFirst(7)) : driver
                guard bare == "pc-dimm" || bare == "nvdimm" else { dropped.append("-device \(bare)"); continue }
                out += [token, value]
            case "object":
                guard value.contains("memory-backend") else { dropped.append("-object " + (value.split(separator: ",").first.map(String.init) ?? "")); continue }
                if value.hasPrefix("memory-backend-file") || value.hasPrefix("memory-backend-memfd") {
                    // No hugetlbfs inside a virtual host: anonymous RAM of the same id and size.
                    let keep = value.split(separator: ",").dropFirst().filter { $0.hasPrefix("id=") || $0.hasPrefix("size=") }
                    out += [token, (["memory-backend-ram"] + keep.map(String.init)).joined(separator: ",")]
                    notes.append("\(value.split(separator: ",").first ?? "") rehearsed as memory-backend-ram (same id and size; the map does not change)")
                } else {
                    out += [token, value]
                }
            default:
                out += [token, value]
            }
        }
        if !dropped.isEmpty { notes.append("not rehearsed (no memory-map effect): \(dropped.joined(separator: " "))") }
        if !out.contains("-nodefaults") { out.append("-nodefaults") }
        var bytes = parsed.machineProperties["memory-backend"] == nil ? parsed.ramSize : 0
        for backend in parsed.backends {
            let (sum, overflow) = bytes.addingReportingOverflow(backend.size)
            bytes = overflow ? .max : sum
        }
        return RehearsalVM(name: source, arguments: out, hotAdd: [], guestBytes: bytes, notes: notes)
    }
}
