import LayoutCore

/// No layout fits every host. Not a failure of the tool: the hosts and regions that conflict,
/// with numbers. Exit code 1 at the command line.
public struct NoLayoutExists: Error, Sendable, CustomStringConvertible {
    /// One reason, in numbers, and what causes it.
    public struct Conflict: Error, Sendable, Equatable {
        /// What does not fit, with the sizes and addresses involved.
        public var message: String
        /// The hosts whose holes or widths cause it.
        public var hosts: [String]
        /// The holes involved, each with its host and its path in that host's profile.
        public var holes: [Hole]
        /// Which family of constraints is binding, so a provisioning tool can act without
        /// parsing ``message``.
        public var family: ConstraintFamily
        /// How many bytes of guest RAM do not fit, when the site that found the conflict knows it.
        public var shortBy: UInt64?

        /// A conflict; `family` defaults to ``ConstraintFamily/other`` for sites that cannot tell.
        package init(message: String, hosts: [String], holes: [Hole], family: ConstraintFamily = .other, shortBy: UInt64? = nil) {
            self.message = message
            self.hosts = hosts
            self.holes = holes
            self.family = family
            self.shortBy = shortBy
        }
    }

    /// The VM spec's `name`, if it has one.
    public var vmName: String?
    /// Every independent reason; fixing one may not be enough.
    public var conflicts: [Conflict]

    public var description: String {
        var lines = ["no guest memory layout fits every host" + (vmName.map { " for VM \($0)" } ?? "") + ":"]
        for conflict in conflicts {
            lines.append("  - " + conflict.message)
            for hole in conflict.holes.prefix(8) { lines.append("      " + hole.label) }
            if conflict.holes.count > 8 { lines.append("      … and \(conflict.holes.count - 8) more holes") }
        }
        return lines.joined(separator: "\n")
    }

    package init(vmName: String?, conflicts: [Conflict]) {
        self.vmName = vmName
        self.conflicts = conflicts
    }
}
