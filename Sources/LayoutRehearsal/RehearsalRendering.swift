// The rehearsal's answers as text (a line per distinct profile, the A->B matrix) and as JSON
// (`layoutsolve/rehearsal/v1`, `layoutsolve/rehearsal-migrate/v1`; seconds as milliseconds).

import Foundation
import LayoutCore

public enum RehearsalRendering {
    static func seconds(_ value: Double?) -> String { value.map { String(format: "%.1f s", $0) } ?? "-" }
    static func ms(_ value: Double?) -> JSONOutput { value.map { .integer(Int(($0 * 1000).rounded())) } ?? .null }

    static func statusWord(_ status: HostRehearsal.Status) -> String {
        switch status {
        case .ok: return "ok"
        case .failed: return "FAIL"
        case .notRehearsable: return "not rehearsable"
        }
    }

    static func detail(_ status: HostRehearsal.Status) -> [String] {
        switch status {
        case .ok: return []
        case let .failed(line, hole): return ["hole: \(hole)", "qemu: \(line)"]
        case let .notRehearsable(reason): return [reason]
        }
    }

    public static func text(_ report: FleetRehearsalReport) -> String {
        var lines = ["rehearsal of \(report.vm.name) (\(ByteCount.format(report.vm.guestBytes)) guest RAM) on \(report.hosts.count) distinct host profile(s):"]
        for host in report.hosts {
            lines.append("  \(statusWord(host.status).padding(toLength: 4, withPad: " ", startingAt: 0))  \(host.profile.name)  [\(host.profile.plan.virtualHost); boot \(seconds(host.bootSeconds)), map \(seconds(host.mapSeconds))]")
            lines += detail(host.status).map { "        " + $0 }
            lines += host.profile.plan.notes.map { "        note: " + $0 }
        }
        lines += report.vm.notes.map { "note: " + $0 }
        lines.append("total \(seconds(report.totalSeconds))")
        return lines.joined(separator: "\n") + "\n"
    }

    public static func text(_ matrix: MigrationMatrix) -> String {
        let names = matrix.profiles.map(\.name)
        let width = max(12, (names.map(\.count).max() ?? 0) + 2)
        func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        var lines = ["migrate then hot-add vfio-pci, \(matrix.vm.name) (\(ByteCount.format(matrix.vm.guestBytes)) guest RAM); rows: from, columns: to",
                     pad("") + names.map(pad).joined()]
        for from in names {
            lines.append(pad(from) + names.map { to in
                from == to ? pad("-") : pad(matrix.cell(from: from, to: to).map { statusWord($0.status) } ?? "?")
            }.joined())
        }
        for cell in matrix.cells {
            lines.append("\(cell.from) -> \(cell.to): \(statusWord(cell.status)) (migrate \(seconds(cell.migrateSeconds)), incoming + hot-add \(seconds(cell.incomingSeconds)))")
            lines += detail(cell.status).map { "    " + $0 }
        }
        for profile in matrix.profiles { lines += profile.plan.notes.map { "note (\(profile.name)): " + $0 } }
        lines += matrix.vm.notes.map { "note: " + $0 }
        lines.append("total \(seconds(matrix.totalSeconds))")
        return lines.joined(separator: "\n") + "\n"
    }

    static func statusJSON(_ status: HostRehearsal.Status) -> [(String, JSONOutput)] {
        switch status {
        case .ok: return [("status", .string("ok"))]
        case let .failed(line, hole): return [("status", .string("fail")), ("hole", .string(hole)), ("qemu_error", .string(line))]
        case let .notRehearsable(reason): return [("status", .string("not-rehearsable")), ("reason", .string(reason))]
        }
    }

    static func vmJSON(_ vm: RehearsalVM) -> JSONOutput {
        .object([("name", .string(vm.name)), ("guest_bytes", .string(Hex.format(vm.guestBytes))), ("argv", .array(vm.arguments.map(JSONOutput.string))),
                 ("hot_add_qmp", .array(vm.hotAdd.map(JSONOutput.string))), ("notes", .array(vm.notes.map(JSONOutput.string)))])
    }

    static func profileJSON(_ profile: DistinctProfile) -> [(String, JSONOutput)] {
        [("hosts", .array(profile.hosts.map(JSONOutput.string))), ("virtual_host", .string(profile.plan.virtualHost)),
         ("notes", .array(profile.plan.notes.map(JSONOutput.string)))]
    }

    public static func json(_ report: FleetRehearsalReport) -> String {
        JSONOutput.object([
            ("schema", .string("layoutsolve/rehearsal/v1")),
            ("ok", .bool(report.exitCode == 0)),
            ("vm", vmJSON(report.vm)),
            ("hosts", .array(report.hosts.map { host in
                .object(profileJSON(host.profile) + statusJSON(host.status) + [("boot_ms", ms(host.bootSeconds)), ("map_ms", ms(host.mapSeconds))])
            })),
            ("total_ms", ms(report.totalSeconds)),
        ]).rendered()
    }

    public static func json(_ matrix: MigrationMatrix) -> String {
        JSONOutput.object([
            ("schema", .string("layoutsolve/rehearsal-migrate/v1")),
            ("ok", .bool(matrix.exitCode == 0)),
            ("vm", vmJSON(matrix.vm)),
            ("profiles", .array(matrix.profiles.map { .object(profileJSON($0)) })),
            ("pairs", .array(matrix.cells.map { cell in
                .object([("from", .string(cell.from)), ("to", .string(cell.to))] + statusJSON(cell.status)
                        + [("migrate_ms", ms(cell.migrateSeconds)), ("incoming_ms", ms(cell.incomingSeconds))])
            })),
            ("total_ms", ms(matrix.totalSeconds)),
        ]).rendered()
    }
}
