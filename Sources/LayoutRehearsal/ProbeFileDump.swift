// The files `layoutsolve probe` reads (/proc/cpuinfo, /sys/kernel/iommu_groups/*/reserved_regions,
// /sys/class/iommu/*/{intel,amd}-iommu/*, the devices' iommu_group links), as the virtual host's
// own kernel shows them: the init script prints them on the results port (@@FILE/@@L/@@DIR/@@LINK,
// InitScript.swift) and this writes them back as a tree that `Prober` reads with `root` = that tree.
// So the probe is checked against a real kernel's sysfs, not against files written by hand.

import Foundation

package struct ProbeFileDump: Sendable, Equatable {
    /// Host path -> text (lines joined with "\n", a final newline added).
    package var files: [String: String] = [:]
    package var directories: [String] = []
    /// Host path -> symlink target (stored as a plain file holding the target, as ProbeRoot reads it).
    package var links: [String: String] = [:]

    package init() {}

    package var isEmpty: Bool { files.isEmpty }

    /// Reads the @@ lines of a results port (other lines are ignored).
    package init(lines: [String]) {
        var current: String?
        var text: [String] = []
        func close() {
            if let current { files[current] = text.map { $0 + "\n" }.joined() }
            current = nil
            text = []
        }
        for line in lines {
            if line.hasPrefix("@@FILE ") {
                close()
                current = String(line.dropFirst(7))
            } else if line.hasPrefix("@@L ") || line == "@@L" {
                text.append(String(line.dropFirst(4)))
            } else if line.hasPrefix("@@DIR ") {
                close()
                directories.append(String(line.dropFirst(6)))
            } else if line.hasPrefix("@@LINK ") {
                close()
                let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1).map(String.init)
                if parts.count == 2 { links[parts[0]] = parts[1] }
            } else if line.hasPrefix("@@") {
                close()
            }
        }
        close()
    }

    /// Writes the tree under `root` (host paths keep their absolute form below it).
    package func write(to root: URL) throws {
        let fm = FileManager.default
        func place(_ hostPath: String) throws -> URL {
            guard hostPath.hasPrefix("/"), !hostPath.split(separator: "/").contains("..") else {
                throw RehearsalError.badArgument("a dumped path is not absolute or climbs out: \(hostPath)")
            }
            return root.appendingPathComponent(String(hostPath.dropFirst()))
        }
        for directory in directories { try fm.createDirectory(at: try place(directory), withIntermediateDirectories: true) }
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            let url = try place(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        for (path, target) in links.sorted(by: { $0.key < $1.key }) {
            let url = try place(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(target.utf8).write(to: url)
        }
    }
}
