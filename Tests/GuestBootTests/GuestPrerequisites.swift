// What the guest boots need from the machine, and whether the slow suite runs at all:
// LAYOUTSOLVE_SKIP_SLOW_TESTS=1 skips it; otherwise a missing QEMU or firmware skips it locally but
// fails it when CI is set (the test then runs and reports what is missing).

import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum GuestPrerequisites {
    // Debian bookworm's `ovmf` and `qemu-efi-aarch64` packages.
    static let ovmfCode = "/usr/share/OVMF/OVMF_CODE_4M.fd"
    static let ovmfVars = "/usr/share/OVMF/OVMF_VARS_4M.fd"
    static let aavmfCode = "/usr/share/AAVMF/AAVMF_CODE.fd"

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static var isCI: Bool {
        guard let v = environment["CI"]?.lowercased() else { return false }
        return !["", "0", "false", "no"].contains(v)
    }

    static var skipSlow: Bool { environment["LAYOUTSOLVE_SKIP_SLOW_TESTS"] == "1" }

    /// Names of what is missing for `architecture` + `firmware` (empty: all present).
    static func missing(_ architecture: GuestArchitecture, _ firmware: GuestFirmware) -> [String] {
        var missing: [String] = []
        if find(architecture.qemuBinary) == nil { missing.append(architecture.qemuBinary) }
        for tool in ["apt-get", "dpkg-deb", "tar", "timeout"] where find(tool) == nil { missing.append(tool) }
        switch firmware {
        case .seabios: break
        case .ovmf: for f in [ovmfCode, ovmfVars] where !FileManager.default.fileExists(atPath: f) { missing.append(f) }
        case .aavmf: if !FileManager.default.fileExists(atPath: aavmfCode) { missing.append(aavmfCode) }
        }
        return missing
    }

    /// The condition for `.enabled(if:)`: run unless skipped; with CI set, run even when something
    /// is missing so that the test fails and names it.
    static func shouldRun(_ architecture: GuestArchitecture, _ firmware: GuestFirmware) -> Bool {
        if skipSlow { return false }
        return isCI || missing(architecture, firmware).isEmpty
    }

    static func find(_ name: String) -> String? {
        let dirs = (environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/bin"]
        for dir in dirs where !dir.isEmpty {
            let path = dir + "/" + name
            if access(path, X_OK) == 0 { return path }
        }
        return nil
    }
}
