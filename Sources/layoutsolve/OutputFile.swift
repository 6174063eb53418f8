import Foundation
import LayoutSolver

/// Writes an answer to the path a file-writing option names (`--output`, `--svg`, `--junit`, …).
///
/// What happens depends on what the path is, never on what it is called:
/// - `-` (or no path) is standard output.
/// - A regular file, or a path that does not exist yet, is replaced atomically: the text goes to a
///   temporary file beside it that is renamed over it, so a reader never sees half an answer.
///   Through a symbolic link, the link's *target* is replaced and the link stays.
/// - `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`, character devices and FIFOs are
///   opened and written to directly: renaming over them would replace the device node or the pipe
///   with a regular file (a FIFO's reader would block forever, `/dev/stdout` would print nothing).
/// - Anything else — a directory, a block device, a socket, a file of the kernel's /proc or /sys,
///   a symbolic-link loop, a missing directory — is refused with a message saying what it is.
enum OutputFile {
    static func write(_ text: String, to path: String?, option: String = "--output") throws {
        let bytes = Array(text.utf8)
        guard let path, path != "-" else {
            try writeAll(bytes, to: STDOUT_FILENO, path: "<stdout>", option: option)
            return
        }
        let fail = { (message: String) in InputError(source: option, message: "cannot write the output: \(quoted(path)) \(message)") }
        if path.isEmpty { throw InputError(source: option, message: "cannot write the output: the path is empty; expected a file name, or - for standard output") }
        if isFileDescriptorPath(path) {
            try writeDirectly(bytes, path: path, option: option)
            return
        }
        var status = stat()
        if stat(path, &status) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                if let kernelFileSystem = pseudoFileSystem(path) {
                    throw fail("is a file of the kernel's \(kernelFileSystem), not a place for output")
                }
                try replaceAtomically(bytes, target: try resolvedTarget(path, option: option), mode: status.st_mode & 0o7777, option: option)
            case S_IFCHR, S_IFIFO:
                try writeDirectly(bytes, path: path, option: option)
            case S_IFDIR:
                throw fail("is a directory; expected a file name, or - for standard output")
            case S_IFBLK:
                throw fail("is a block device; refusing to write an answer over a disk")
            case S_IFSOCK:
                throw fail("is a socket; expected a file, a FIFO or a character device")
            default:
                throw fail("is not a regular file, FIFO or character device")
            }
            return
        }
        let reason = errno
        switch reason {
        case ELOOP:
            throw fail("is a symbolic-link loop")
        case ENOENT:
            // Either a new file, or a dangling symbolic link whose target is created.
            let target = try resolvedTarget(path, option: option)
            let directory = (target as NSString).deletingLastPathComponent
            var directoryStatus = stat()
            if stat(directory.isEmpty ? "." : directory, &directoryStatus) != 0 || directoryStatus.st_mode & S_IFMT != S_IFDIR {
                throw fail("cannot be created: its directory \(quoted(directory.isEmpty ? "." : directory)) does not exist")
            }
            try replaceAtomically(bytes, target: target, mode: nil, option: option)
        case ENOTDIR:
            throw fail("cannot be created: a part of the path before the file name is not a directory")
        case EACCES:
            throw fail("is not reachable: permission denied on one of its directories")
        default:
            throw fail("cannot be examined: \(String(cString: strerror(reason)))")
        }
    }

    /// `/dev/stdout` and friends name an already-open descriptor; Linux reopens them through
    /// /proc/self/fd (fs/proc/fd.c), which for a pipe is not a path a rename could reach.
    static func isFileDescriptorPath(_ path: String) -> Bool {
        if ["/dev/stdout", "/dev/stderr", "/dev/stdin"].contains(path) { return true }
        for prefix in ["/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/"] where path.hasPrefix(prefix) {
            return path.dropFirst(prefix.count).allSatisfy(\.isNumber)
        }
        return false
    }

    /// Regular-looking files that are the kernel's interfaces: renaming over them fails in strange
    /// ways (`/proc/version` says "no such file"), so they are refused by name.
    static func pseudoFileSystem(_ path: String) -> String? {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let real = (try? realPath(absolute)) ?? absolute
        if real == "/proc" || real.hasPrefix("/proc/") { return "/proc file system" }
        if real == "/sys" || real.hasPrefix("/sys/") { return "/sys file system" }
        return nil
    }

    static func realPath(_ path: String) throws -> String {
        guard let resolved = realpath(path, nil) else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EINVAL) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Follows symbolic links one at a time (the target may not exist yet), at most 40 of them as
    /// Linux does (MAXSYMLINKS in include/linux/namei.h).
    static func resolvedTarget(_ path: String, option: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            var status = stat()
            guard lstat(current, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(current, &buffer, buffer.count - 1)
            guard count >= 0 else { return current }
            let destination = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = destination.hasPrefix("/") ? destination : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(destination)
        }
        throw InputError(source: option, message: "cannot write the output: \(quoted(path)) is a symbolic-link loop")
    }

    static func replaceAtomically(_ bytes: [UInt8], target: String, mode: mode_t?, option: String) throws {
        let directory = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode ?? 0o666)
        guard descriptor >= 0 else {
            let reason = errno
            throw InputError(source: option, message: "cannot write the output: \(quoted(target)) is not writable: cannot create a file in its directory \(quoted(directory.isEmpty ? "." : directory)) (\(String(cString: strerror(reason))))")
        }
        do {
            // The umask must not narrow an existing file's permissions.
            if let mode { _ = fchmod(descriptor, mode) }
            try writeAll(bytes, to: descriptor, path: target, option: option)
            close(descriptor)
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        if rename(temporary, target) != 0 {
            let reason = errno
            unlink(temporary)
            throw InputError(source: option, message: "cannot write the output: \(quoted(target)) cannot be replaced: \(String(cString: strerror(reason)))")
        }
    }

    static func writeDirectly(_ bytes: [UInt8], path: String, option: String) throws {
        // O_TRUNC matters only when the descriptor behind /dev/fd/N is a regular file (as `tee` does).
        let descriptor = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = errno
            let what: String
            switch reason {
            case ENOENT: what = "does not exist (no such open file descriptor)"
            case EACCES: what = "is not writable (permission denied)"
            case ENXIO: what = "has no reader (a FIFO nobody reads)"
            default: what = "cannot be opened for writing (\(String(cString: strerror(reason))))"
            }
            throw InputError(source: option, message: "cannot write the output: \(quoted(path)) \(what)")
        }
        defer { close(descriptor) }
        try writeAll(bytes, to: descriptor, path: path, option: option)
    }

    static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String, option: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Foundation.write(descriptor, base.advanced(by: offset), buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = errno
                throw InputError(source: option, message: "cannot write the output: \(quoted(path)): writing failed: \(String(cString: strerror(reason)))")
            }
            offset += written
        }
    }

    /// At most 80 characters of a user's path, so a message stays one line.
    static func quoted(_ path: String) -> String {
        path.count <= 80 ? "'\(path)'" : "'\(path.prefix(77))...'"
    }
}
