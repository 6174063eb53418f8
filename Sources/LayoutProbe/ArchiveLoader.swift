import LayoutCore
import Foundation

/// Opens the archive `probe --root` names: a `.tar`, or a gzip-compressed one (recognised by its
/// magic bytes, not its name). gzip is undone by the system's `gzip -dc` rather than a second
/// inflate implementation in the tool; every Debian and RHEL host and workstation has it
/// (Debian: `Essential: yes`).
package enum ArchiveLoader {
    /// RFC 1952, 2.3.1: ID1 ID2.
    static let gzipMagic: [UInt8] = [0x1f, 0x8b]
    /// Largest uncompressed archive read: far above a host's probe files (a few hundred KiB).
    static let limit = 256 << 20
    static let gzipCandidates = ["/bin/gzip", "/usr/bin/gzip"]

    package static func load(_ path: String) throws -> TarArchive {
        var bytes = try ProbeRoot.readBytes(path)
        if bytes.starts(with: gzipMagic) { bytes = try gunzip(path) }
        return try TarArchive(bytes: bytes, source: path)
    }

    static func gunzip(_ path: String) throws -> [UInt8] {
        guard let gzip = gzipCandidates.first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw InputError(source: path, message: "a gzip-compressed archive, and no gzip in /bin or /usr/bin to open it; install gzip or give the uncompressed .tar (gzip -dc \(path) > host.tar)")
        }
        guard let input = FileHandle(forReadingAtPath: path) else {
            throw InputError(source: path, message: "cannot open this file")
        }
        defer { try? input.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gzip)
        process.arguments = ["-dc"]
        let output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw InputError(source: path, message: "cannot run \(gzip): \(error)")
        }
        var bytes: [UInt8] = []
        var tooLarge = false
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            bytes.append(contentsOf: chunk)
            if bytes.count > limit { tooLarge = true; process.terminate(); break }
        }
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if tooLarge {
            throw InputError(source: path, message: "uncompresses to more than 256 MiB; not an archive of a host's probe files")
        }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let reason = complaint.split(separator: "\n").last.map { String($0.prefix(200)) } ?? "exit status \(process.terminationStatus)"
            throw InputError(source: path, message: "gzip cannot uncompress this file: \(reason)")
        }
        return bytes
    }
}
