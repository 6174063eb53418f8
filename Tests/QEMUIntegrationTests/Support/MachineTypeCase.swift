import LayoutSolver
import Testing

/// One machine type (machine × target version) on one binary that provides it.
struct MachineTypeCase: Sendable, CustomTestStringConvertible {
    var binary: QEMUBinary
    var machine: MachineKind
    var target: QEMUVersion

    var testDescription: String { "\(machine.rawValue) \(target) on \(binary)" }

    /// Every accepted target version of every machine, on each binary that has that machine type.
    static let all: [MachineTypeCase] = QEMUBinary.testable.flatMap { binary in
        QEMUVersion.modelled.filter(binary.proves).flatMap { target in
            [MachineKind.q35, .pc, .virt].map { MachineTypeCase(binary: binary, machine: $0, target: target) }
        }
    }
}
