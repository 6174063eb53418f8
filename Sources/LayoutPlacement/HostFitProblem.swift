import LayoutCore
import LayoutMachines
extension HostFit {
    /// One reason a VM does not fit a host, typed so a provisioning tool can act on it;
    /// ``description`` is the line `layoutsolve verify` prints.
    public enum Problem: Equatable, Sendable, CustomStringConvertible {
        /// The exact check failed: which guest region, which host region, which rule.
        case violation(Violation)
        /// QEMU itself would refuse the memory options on this host (QEMU's own error text).
        case qemuRefuses(host: String, message: String)
        /// The machine needs a host of another architecture (KVM runs a guest of the host's).
        case wrongArchitecture(host: String, machine: MachineKind, needs: HostProfile.Architecture, has: HostProfile.Architecture)
        /// The command line could not be read into a layout for this host.
        case unreadable(host: String, message: String)

        public var description: String {
            switch self {
            case .violation(let violation): return violation.description
            case .qemuRefuses(let host, let message): return "\(host): QEMU would refuse to start: \(message)"
            case .wrongArchitecture(let host, let machine, let needs, let has):
                return "\(host): a \(machine.rawValue) VM needs a \(needs.rawValue) host, this one is \(has.rawValue)"
            case .unreadable(let host, let message): return "\(host): \(message)"
            }
        }
    }
}
