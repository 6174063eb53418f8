/// An error QEMU itself would print for these knobs, with QEMU's own wording, so a user can match
/// it against a log; the machine models raise it where QEMU would refuse to start.
public struct QEMURejection: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "QEMU would refuse this: \(message)" }
}
