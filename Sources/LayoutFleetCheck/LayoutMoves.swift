import LayoutCore
import LayoutMachines
import LayoutOutputs
import LayoutPlacement

/// What moved between the baseline's layout and this fleet's: each knob of the QEMU command line
/// (`-m maxmem`, `-cpu phys-bits`, `-global …pci-hole64-size`, a DIMM's `addr`) and each guest
/// region (RAM pieces, DIMMs, holes) whose value differs, old -> new. A digest alone does not say
/// what an operator must look at before migrating running VMs.
package struct LayoutMove: Sendable, Equatable {
    /// `knob` or `region`.
    package var kind: String
    package var name: String
    /// nil: absent on that side.
    package var old: String?
    package var new: String?

    package var description: String { "\(kind) \(name): \(old ?? "(none)") -> \(new ?? "(none)")" }

    package static func between(old: CheckReport.Layout, new: CheckReport.Layout) -> [LayoutMove] {
        var moves = differences(knobs(old.argv), knobs(new.argv), kind: "knob")
        if old.machineType != new.machineType { moves.append(.init(kind: "knob", name: "machine type", old: old.machineType, new: new.machineType)) }
        moves += differences(old.regions, new.regions, kind: "region")
        return moves
    }

    /// `-m size=64G,slots=4` -> ["-m size": "64G", "-m slots": "4"]; a bare first value is the option's own.
    /// Options given more than once (`-object`, `-device`) are keyed by their `id=`.
    static func knobs(_ argv: [String]) -> [String: String] {
        var result: [String: String] = [:]
        var index = 0
        while index + 1 < argv.count {
            let option = argv[index], value = argv[index + 1]
            index += 2
            guard option.hasPrefix("-") else { index -= 1; continue }
            let parts = value.split(separator: ",").map(String.init)
            let id = parts.first { $0.hasPrefix("id=") }.map { " " + $0.dropFirst(3) } ?? ""
            for (position, part) in parts.enumerated() {
                if let equals = part.firstIndex(of: "=") {
                    let key = String(part[..<equals])
                    if key == "id" { continue }
                    result["\(option)\(id) \(key)"] = String(part[part.index(after: equals)...])
                } else if position == 0 {
                    result["\(option)\(id)"] = part
                }
            }
        }
        return result
    }

    static func differences(_ old: [String: String], _ new: [String: String], kind: String) -> [LayoutMove] {
        Set(old.keys).union(new.keys).sorted().compactMap { key in
            old[key] == new[key] ? nil : LayoutMove(kind: kind, name: key, old: old[key], new: new[key])
        }
    }
}
