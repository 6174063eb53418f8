import LayoutCore
import LayoutMachines
import LayoutPlacement

extension QEMUArguments {
    /// The memory-map arguments of a verified layout, one element per argument (no shell quoting);
    /// see ``shellLine(_:)`` for one line.
    public static func argv(for layout: VerifiedLayout, options: Options = Options()) -> [String] {
        argv(for: layout.guest, options: options)
    }
}
