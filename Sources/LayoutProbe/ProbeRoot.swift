import LayoutCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file tree a probe reads: `/` on the host itself, or a copy of the host's `sys/`, `proc/`
/// and `etc/` files, as a folder or as the archive `probe --collector`'s script writes. Callers name files as the host names them (`/proc/cpuinfo`) so that a
/// profile's `source` does not depend on where a copy lives; messages name the file actually read.
package struct ProbeRoot: Sendable {
    package let path: String

    /// The archive `path` names (`probe --collector`'s tarball), or nil for a folder.
    package let archive: TarArchive?
    /// Why `path`, a file, could not be read as an archive.
    package let archiveError: InputError?

    package init(_ path: String = "/") {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.path = trimmed.isEmpty ? "/" : trimmed
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: self.path, isDirectory: &isFolder), !isFolder.boolValue {
            do {
                archive = try ArchiveLoader.load(self.path)
                archiveError = nil
            } catch {
                archive = nil
                archiveError = (error as? InputError) ?? InputError(source: self.path, message: "\(error)")
            }
        } else {
            archive = nil
            archiveError = nil
        }
    }

    package var isLiveSystem: Bool { path == "/" }

    /// What messages put before a host path: the folder, or `host.tar.gz:` for an archive.
    package var locationPrefix: String { archive != nil || archiveError != nil ? path + ":" : path }

    /// The file on this machine that stands for `hostPath` on the probed host.
    package func location(_ hostPath: String) -> String {
        isLiveSystem ? hostPath : locationPrefix + hostPath
    }

    package enum EntryKind: Equatable, Sendable { case missing, file, directory, symlink, other }

    /// What `hostPath` is, without following a final symlink.
    package func entryKind(_ hostPath: String) -> EntryKind {
        if let archive {
            switch archive.resolve(hostPath, followLast: false)?.node {
            case nil: return .missing
            case .file: return .file
            case .folder: return .directory
            case .symlink: return .symlink
            }
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: location(hostPath)),
              let type = attributes[.type] as? FileAttributeType else { return .missing }
        switch type {
        case .typeRegular: return .file
        case .typeDirectory: return .directory
        case .typeSymbolicLink: return .symlink
        default: return .other
        }
    }

    /// True when `hostPath` is a folder, following symlinks as sysfs's class folders need.
    package func isDirectory(_ hostPath: String) -> Bool {
        if let archive { return archive.resolve(hostPath)?.node == .folder }
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: location(hostPath), isDirectory: &isDirectory) && isDirectory.boolValue
    }

    package func exists(_ hostPath: String) -> Bool {
        if let archive { return archive.resolve(hostPath) != nil }
        return FileManager.default.fileExists(atPath: location(hostPath))
    }

    /// The text of a file; a missing or unreadable file is an error naming it and saying why.
    package func readText(_ hostPath: String) throws -> String {
        let file = location(hostPath)
        if let archive {
            switch archive.resolve(hostPath)?.node {
            case .file(let bytes)?: return String(decoding: bytes, as: UTF8.self)
            case .folder?: throw InputError(source: file, message: Self.reason(EISDIR))
            case .symlink?, nil: throw InputError(source: file, message: Self.reason(ENOENT))
            }
        }
        let bytes = try Self.readBytes(file)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The text of a file that some kernels do not have; nil when it does not exist.
    package func readTextIfPresent(_ hostPath: String) throws -> String? {
        guard entryKind(hostPath) != .missing else { return nil }
        return try readText(hostPath)
    }

    /// The names in a folder, sorted so that the same host always reads in the same order.
    package func list(_ hostPath: String) throws -> [String] {
        let folder = location(hostPath)
        guard exists(hostPath) else { throw InputError(source: folder, message: "no such folder") }
        guard isDirectory(hostPath) else { throw InputError(source: folder, message: "is a file; expected a folder") }
        if let archive, let resolved = archive.resolve(hostPath) { return archive.children(of: resolved.path) }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        } catch {
            throw InputError(source: folder, message: "cannot list this folder (permissions?)")
        }
    }

    /// Where a sysfs symlink such as `iommu_group` points. A copied tree may hold a plain file
    /// with the link's text instead, because copies and archives often lose symlinks.
    package func linkTarget(_ hostPath: String) throws -> String {
        let file = location(hostPath)
        switch entryKind(hostPath) {
        case .symlink:
            if let archive, case .symlink(let target)? = archive.resolve(hostPath, followLast: false)?.node { return target }
            do {
                return try FileManager.default.destinationOfSymbolicLink(atPath: file)
            } catch {
                throw InputError(source: file, message: "cannot read this symlink")
            }
        case .file:
            return try readText(hostPath).trimmingWhitespace()
        case .missing:
            throw InputError(source: file, message: "no such file or symlink")
        case .directory, .other:
            throw InputError(source: file, message: "expected a symlink")
        }
    }

    /// sysfs reports 4096 bytes for every attribute, so files are read to their end, never by size.
    package static func readBytes(_ file: String) throws -> [UInt8] {
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw InputError(source: file, message: reason(errno)) }
        defer { close(descriptor) }
        let limit = 64 << 20
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw InputError(source: file, message: reason(errno))
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit {
                throw InputError(source: file, message: "larger than 64 MiB; not a sysfs or procfs file")
            }
        }
    }

    package static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EACCES, EPERM: return "cannot read this file: permission denied (probe as root, or copy the file with its contents)"
        case EISDIR: return "is a folder; expected a file"
        default: return "cannot read this file: \(String(cString: strerror(code)))"
        }
    }
}
