import LayoutCore
import LayoutMachines
import LayoutPlacement
/// Failures as a JSON document, schema `layoutsolve/error/v1` (Schemas/error-v1.schema.json), so a
/// program calling `layoutsolve solve --request` never has to parse the human message.
///
/// Every document has `schema`, `exit_code`, `kind` and `message`; each kind adds its own structured
/// members:
/// - `input` (exit 2): `source`, `path`, `line` of the first error and `errors`, all of them;
/// - `no-layout` (exit 1): `vm` and `conflicts`, each with `hosts` and the `holes` behind it, its
///   constraint `family` and, when known, `short_by` (bytes of RAM that do not fit);
/// - `timeout` (exit 3): `time_limit_ms`;
/// - `internal` (exit 70): `violations` (each with its rule's `kind`) when the exact verifier rejected
///   a proposed layout; `rendering` (which output, the field, what it read back as and what was
///   verified) when a rendering did not read back into the verified knobs (``RenderingCheck``).
package enum ErrorJSON {
    /// The `schema` member of every error document.
    package static let schema = "layoutsolve/error/v1"

    /// What went wrong, as the exit code tells it.
    package enum Kind: String, Sendable, CaseIterable {
        case input
        case noLayout = "no-layout"
        case timeout
        case `internal`

        /// The command's documented exit code for this kind.
        package var exitCode: Int32 {
            switch self {
            case .input: return 2
            case .noLayout: return 1
            case .timeout: return 3
            case .internal: return 70
            }
        }
    }

    /// Anything that is not one of the library's typed failures is a bug, hence `internal`.
    package static func kind(of error: Error) -> Kind {
        switch error {
        case is InputError, is InputErrors: return .input
        case is NoLayoutExists: return .noLayout
        case is SolveTimedOut: return .timeout
        default: return .internal
        }
    }

    /// The error document for any error the library throws; `.rendered()` gives its text.
    /// The `layoutsolve/error/v1` document for an error the library threw.
    package static func render(_ error: Error) -> String { document(for: error).rendered() }

    package static func document(for error: Error) -> JSONOutput {
        let kind = kind(of: error)
        var members: [(String, JSONOutput)] = [
            ("schema", .string(schema)),
            ("exit_code", .integer(Int(kind.exitCode))),
            ("kind", .string(kind.rawValue)),
            ("message", .string(message(for: error))),
        ]
        switch error {
        case let input as InputError:
            members += inputMembers([input])
        case let inputs as InputErrors:
            members += inputMembers(inputs.errors)
        case let none as NoLayoutExists:
            members.append(("vm", none.vmName.map(JSONOutput.string) ?? .null))
            members.append(("conflicts", .array(none.conflicts.map(conflict))))
        case let timeout as SolveTimedOut:
            // Milliseconds keep the value an exact integer; JSONOutput has no fractions on purpose.
            members.append(("time_limit_ms", .integer(Int((timeout.seconds * 1000).rounded()))))
        case let rejected as VerifierRejectedLayout:
            members.append(("violations", .array(rejected.violations.map(violation))))
        case let disagreement as RenderingDisagrees:
            members.append(("rendering", .object([
                ("output", .string(disagreement.rendering.rawValue)),
                ("field", .string(disagreement.field)),
                ("rendered", .string(disagreement.rendered)),
                ("verified", .string(disagreement.verified)),
                ("host", disagreement.host.map(JSONOutput.string) ?? .null),
            ])))
        default:
            break
        }
        return .object(members)
    }

    package static func message(for error: Error) -> String {
        switch error {
        case let error as CustomStringConvertible: return error.description
        default: return "internal error: \(error)"
        }
    }

    package static func inputMembers(_ errors: [InputError]) -> [(String, JSONOutput)] {
        guard let first = errors.first else { return [] }
        return [
            ("source", .string(first.source)),
            ("path", .string(first.path)),
            ("line", first.line.map(JSONOutput.integer) ?? .null),
            ("errors", .array(errors.map(inputError))),
        ]
    }

    package static func inputError(_ error: InputError) -> JSONOutput {
        .object([
            ("source", .string(error.source)),
            ("path", .string(error.path)),
            ("line", error.line.map(JSONOutput.integer) ?? .null),
            ("message", .string(error.message)),
        ])
    }

    package static func conflict(_ conflict: NoLayoutExists.Conflict) -> JSONOutput {
        .object([
            ("message", .string(conflict.message)),
            ("hosts", .array(conflict.hosts.map(JSONOutput.string))),
            ("holes", .array(conflict.holes.map(hole))),
            ("family", .string(conflict.family.rawValue)),
            ("short_by", .optionalHex(conflict.shortBy)),
        ])
    }

    package static func hole(_ hole: Hole) -> JSONOutput {
        var members: [(String, JSONOutput)] = [
            ("host", .string(hole.host)),
            ("start", .hex(hole.range.start)),
            ("end", .hex(hole.range.last)),
            ("size", .optionalHex(hole.range.size)),
        ]
        switch hole.reason {
        case .reserved(let type):
            members.append(("reason", .string("reserved")))
            members.append(("type", .string(type.rawValue)))
        case .outsideIOVARanges:
            members.append(("reason", .string("outside-iova-ranges")))
        case .beyondIOMMUWidth(let bits):
            members.append(("reason", .string("beyond-iommu-width")))
            members.append(("bits", .integer(bits)))
        case .programmableWindow:
            members.append(("reason", .string("programmable-window")))
        }
        members.append(("note", hole.note.map(JSONOutput.string) ?? .null))
        members.append(("path", .string(hole.path)))
        members.append(("label", .string(hole.label)))
        return .object(members)
    }

    package static func violation(_ violation: Violation) -> JSONOutput {
        .object([
            ("host", .string(violation.host)),
            ("region", .string(violation.region)),
            ("message", .string(violation.message)),
            ("kind", .string(violation.kind.rawValue)),
        ])
    }
}
