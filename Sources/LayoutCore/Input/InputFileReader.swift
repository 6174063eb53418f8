import Foundation

/// Reads one input file (a host profile, a VM spec, a request) and says what the path is when it
/// is not a readable JSON file: a symbolic-link loop, a dangling link, a folder, a device, a socket.
///
/// Inputs are bounded: a file larger than `sizeLimit` is refused before it is read (its size is
/// known from stat(2)); standard input and FIFOs, whose size is not, are read up to the limit and
/// refused past it. The limit (256 MiB) is above the largest valid input the benchmark measures
/// (a 1.5-million-region profile of about 100 MB) and keeps the parser's peak memory bounded.
package enum InputFileReader {
    /// 256 MiB. `LAYOUTSOLVE_INPUT_LIMIT` (bytes) changes it, for a test or an unusual fleet.
    package static var sizeLimit: Int {
        // getenv(3), not ProcessInfo's environment: that builds a dictionary of the whole
        // environment on every call, which was half the cost of reading a 10,000-host fleet.
        if let raw = getenv("LAYOUTSOLVE_INPUT_LIMIT"), let value = Int(String(cString: raw)), value > 0 { return value }
        return 256 << 20
    }

    package static func read(_ path: String) throws -> [UInt8] {
        let limit = sizeLimit
        if path == "-" { return try readStream(STDIN_FILENO, source: "<stdin>", limit: limit) }
        var status = stat()
        guard stat(path, &status) == 0 else { throw InputError(source: path, message: describeFailure(path, errno)) }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            if status.st_size > limit {
                throw InputError(source: path, message: "is \(status.st_size) bytes, larger than the input limit of \(limit) bytes (\(limit >> 20) MiB); no host profile or VM spec is that large")
            }
        case S_IFIFO:
            // Opening a FIFO blocks until a writer comes; a caller that wants a pipe passes `-`.
            throw InputError(source: path, message: "is a FIFO (named pipe), not a JSON file; use - for standard input")
        case S_IFDIR:
            throw InputError(source: path, message: "is a folder; expected a JSON file")
        case S_IFCHR:
            // /dev/stdin on a terminal is fine to read; /dev/zero or /dev/urandom never ends.
            if isatty(STDIN_FILENO) == 1, path == "/dev/stdin" || path == "/dev/fd/0" || path == "/proc/self/fd/0" { break }
            throw InputError(source: path, message: "is a character device, not a JSON file")
        case S_IFBLK:
            throw InputError(source: path, message: "is a block device, not a JSON file")
        case S_IFSOCK:
            throw InputError(source: path, message: "is a socket, not a JSON file")
        default:
            throw InputError(source: path, message: "is not a regular file")
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw InputError(source: path, message: describeFailure(path, errno)) }
        defer { close(descriptor) }
        return try readStream(descriptor, source: path, limit: limit, expected: status.st_mode & S_IFMT == S_IFREG ? Int(status.st_size) : 0)
    }

    /// What stat(2) or open(2) failing on a path means, in words.
    package static func describeFailure(_ path: String, _ code: Int32) -> String {
        switch code {
        case ELOOP: return "is a symbolic-link loop"
        case ENOENT:
            var link = stat()
            if lstat(path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " (\(quotedForMessage($0)))" } ?? ""
                return "no such file: a symbolic link to a file that does not exist\(target)"
            }
            return "no such file or folder"
        case ENOTDIR: return "no such file: a part of the path before the file name is not a folder"
        case EACCES, EPERM: return "is not readable (permission denied)"
        case ENAMETOOLONG: return "is too long a path"
        default: return "cannot be read: \(String(cString: strerror(code)))"
        }
    }

    /// Why a path that `FileManager.fileExists` says is absent is absent.
    package static func describeMissing(_ path: String) -> String {
        var status = stat()
        return stat(path, &status) == 0 ? "no such file or folder" : describeFailure(path, errno)
    }

    static func readStream(_ descriptor: Int32, source: String, limit: Int, expected: Int = 0) throws -> [UInt8] {
        // A regular file of known size is read straight into its array (no 64 KiB chunk to zero
        // and copy per file: that was a visible share of reading a 10,000-host fleet). One byte
        // more than stat(2) said is asked for, so a file that grew is noticed and read on below.
        var bytes = try readKnownSize(descriptor, source: source, expected: min(expected, limit))
        if expected > 0, bytes.count <= expected { return bytes }
        bytes.reserveCapacity(min(expected, limit) + 1)
        if bytes.count > limit {
            throw InputError(source: source, message: "is larger than the input limit of \(limit) bytes (\(limit >> 20) MiB); no host profile or VM spec is that large")
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Foundation.read(descriptor, base, buffer.count)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw InputError(source: source, message: describeFailure(source, errno))
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit {
                throw InputError(source: source, message: "is larger than the input limit of \(limit) bytes (\(limit >> 20) MiB); no host profile or VM spec is that large")
            }
        }
    }

    /// Up to `expected + 1` bytes in one allocation; fewer at end of file.
    private static func readKnownSize(_ descriptor: Int32, source: String, expected: Int) throws -> [UInt8] {
        guard expected > 0 else { return [] }
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            while initialized < buffer.count {
                let count = Foundation.read(descriptor, base + initialized, buffer.count - initialized)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if count == 0 { return }
                initialized += count
            }
        }
        if failure != 0 { throw InputError(source: source, message: describeFailure(source, failure)) }
        return bytes
    }
}
