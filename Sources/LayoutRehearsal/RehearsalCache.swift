// Where the rehearsal's expensive preparations live: ${XDG_CACHE_HOME:-~/.cache}/layoutsolve/rehearsal/,
// outside any clone, each entry keyed by a digest of its inputs so a changed input builds a new one.

import Foundation

package enum RehearsalCache {
    package static var root: URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: env["HOME"] ?? "/root").appendingPathComponent(".cache")
        return base.appendingPathComponent("layoutsolve/rehearsal")
    }

    /// A stable 64-bit FNV-1a digest (hex) of the parts: cache keys only, not security.
    static func key(_ parts: [String]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part.utf8 + [0] { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return String(h, radix: 16)
    }

    /// Identity of a file for a cache key: path, size and modification time (a reinstalled QEMU changes it).
    static func fileIdentity(_ path: String) -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.uint64Value ?? 0
        let mtime = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(path):\(size):\(Int(mtime))"
    }
}
