import Foundation
import LayoutSolver
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// One QEMU release installed here, as a pair of system emulators, and the machine-type versions
/// it can prove: a binary provides every machine type up to its own release (pc-q35-7.2 …
/// pc-q35-10.0 in 10.0), and the tool models nothing older than 7.2.
struct QEMUBinary: Hashable, Sendable, CustomStringConvertible, CustomTestStringConvertible {
    /// The QEMU release (`--version`), which is the newest machine type it has.
    let release: QEMUVersion
    /// Executable name on PATH or absolute path.
    let x86: String
    let aarch64: String
    /// Where it comes from and how to install it, for messages.
    let origin: String

    /// Debian bookworm's qemu-system-x86/-arm 7.2 (`.ci/install-deps`).
    static let system = QEMUBinary(release: QEMUVersion(major: 7, minor: 2), x86: "qemu-system-x86_64",
                                   aarch64: "qemu-system-aarch64", origin: "Debian 12's QEMU 7.2 (apt-get install qemu-system-x86 qemu-system-arm)")

    /// QEMU 10.0 from bookworm-backports, unpacked beside 7.2 by `.ci/install-qemu10` into the cache.
    static let backports10: QEMUBinary = {
        let environment = ProcessInfo.processInfo.environment
        let cacheHome = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? "/root") + "/.cache")
        let bin = cacheHome + "/layoutsolve/qemu-10.0/bin/"
        return QEMUBinary(release: QEMUVersion(major: 10, minor: 0), x86: bin + "qemu-system-x86_64",
                          aarch64: bin + "qemu-system-aarch64", origin: "QEMU 10.0 from bookworm-backports (bash .ci/install-qemu10)")
    }()

    static let all: [QEMUBinary] = [system, backports10]

    /// The binaries the real tests run on: the installed ones; with CI set every one, so that a
    /// missing binary fails (`QEMUProcessError.binaryNotFound`) instead of being skipped.
    static let testable: [QEMUBinary] = all.filter { $0.isInstalled || QEMUProcess.isCI() }

    /// The tool's targets no binary here provides: the lead refuses these (issue 13).
    static var unprovenTargets: [QEMUVersion] { QEMUVersion.modelled.filter { v in !all.contains { $0.proves(v) } } }

    var isInstalled: Bool { QEMUProcess.find(x86) != nil && QEMUProcess.find(aarch64) != nil }

    /// Whether this binary has the machine type of `target` (pc-q35-<target>, virt-<target>).
    func proves(_ target: QEMUVersion) -> Bool { target >= QEMUVersion(major: 7, minor: 2) && target <= release }

    func executable(for machine: MachineKind) -> String { machine == .virt ? aarch64 : x86 }

    /// The first line of `--version` ("QEMU emulator version 10.0.2 (Debian …)"), or nil.
    func versionLine() -> String? {
        guard let path = QEMUProcess.find(x86) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init)
    }

    var description: String { "QEMU \(release)" }
    var testDescription: String { description }
}

extension QEMUProcess {
    /// Starts `binary`'s emulator for `machine`.
    convenience init(_ binary: QEMUBinary, machine: MachineKind, arguments: [String], timeout: TimeInterval = 20) throws {
        do {
            try self.init(binary: binary.executable(for: machine), arguments: arguments, timeout: timeout)
        } catch var error as QEMUProcessError where error.kind == .binaryNotFound {
            error.message += "; it is \(binary.origin)"
            throw error
        }
    }

    /// True when LAYOUTSOLVE_SKIP_SLOW_TESTS is set (not "", "0", "false", "no").
    static func skipSlowTests(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let v = environment["LAYOUTSOLVE_SKIP_SLOW_TESTS"]?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return !["", "0", "false", "no"].contains(v)
    }
}
