import LayoutCore
/// An error QEMU itself would print for these knobs, with QEMU's own wording, so a user can match
/// it against a log; the machine models raise it where QEMU would refuse to start.
package struct QEMURejection: Error, Equatable, Sendable, CustomStringConvertible {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { "QEMU would refuse this: \(message)" }
}
