// A newc cpio writer (the format the kernel unpacks into its initramfs: Linux init/initramfs.c,
// Documentation/driver-api/early-userspace/buffer-format.rst). Written here, as on the `rehearse`
// branch's Tests/GuestBootTests/Initramfs.swift, so no cpio(1) and no root (mknod) are needed;
// extended with directories created on demand, symlinks and streaming to a file.

import Foundation

struct NewcWriter {
    private let handle: FileHandle
    private var inode: UInt32 = 1
    private var written: UInt64 = 0
    private var directories: Set<String> = []

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data()) else {
            throw RehearsalError.preparation(step: "creating \(path)", output: "")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    /// Adds `name`'s parent directories that were not added yet (mode 0755).
    mutating func parents(of name: String) throws {
        var components = name.split(separator: "/").map(String.init)
        components.removeLast()
        var path = ""
        for c in components {
            path = path.isEmpty ? c : path + "/" + c
            if directories.insert(path).inserted { try entry(path, mode: 0o040755) }
        }
    }

    mutating func directory(_ name: String) throws {
        try parents(of: name + "/x")
    }

    mutating func file(_ name: String, data: Data, executable: Bool = true) throws {
        try parents(of: name)
        try entry(name, mode: executable ? 0o100755 : 0o100644, data: data)
    }

    mutating func symlink(_ name: String, target: String) throws {
        try parents(of: name)
        try entry(name, mode: 0o120777, data: Data(target.utf8))
    }

    mutating func characterDevice(_ name: String, major: UInt32, minor: UInt32) throws {
        try parents(of: name)
        try entry(name, mode: 0o020600, rdevMajor: major, rdevMinor: minor)
    }

    /// Writes the trailer and closes the file; returns the archive's size in bytes.
    mutating func finish() throws -> UInt64 {
        try entry("TRAILER!!!", mode: 0)
        try handle.close()
        return written
    }

    private mutating func entry(_ name: String, mode: UInt32, data: Data = Data(), rdevMajor: UInt32 = 0, rdevMinor: UInt32 = 0) throws {
        guard data.count <= Int(UInt32.max) else { throw RehearsalError.preparation(step: "cpio entry \(name)", output: "larger than 4 GiB") }
        let nameBytes = Data(name.utf8) + Data([0])
        // 13 eight-digit hex fields after the magic: ino, mode, uid, gid, nlink, mtime, filesize,
        // devmajor, devminor, rdevmajor, rdevminor, namesize, check.
        let fields: [UInt32] = [inode, mode, 0, 0, 1, 0, UInt32(data.count), 0, 0, rdevMajor, rdevMinor, UInt32(nameBytes.count), 0]
        inode += 1
        var header = "070701"
        for f in fields { header += String(format: "%08X", f) }
        var chunk = Data(header.utf8) + nameBytes
        chunk.append(contentsOf: [UInt8](repeating: 0, count: (4 - chunk.count % 4) % 4))
        try write(chunk)
        try write(data)
        try write(Data(repeating: 0, count: (4 - data.count % 4) % 4))
    }

    private mutating func write(_ data: Data) throws {
        guard !data.isEmpty else { return }
        try handle.write(contentsOf: data)
        written += UInt64(data.count)
    }
}
