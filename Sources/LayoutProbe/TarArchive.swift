import LayoutCore

/// The files, folders and symlinks of a tar archive, as `probe --root host.tar.gz` reads them.
/// Reads POSIX ustar, GNU (`L`/`K` long names) and pax (`x` path/linkpath) headers: what GNU tar,
/// BusyBox tar and bsdtar write. Folders above an entry exist even without their own header,
/// since `tar -cf - sys/class/iommu/dmar0/...` stores no parent entries.
package struct TarArchive: Sendable {
    package enum Node: Sendable, Equatable {
        case file([UInt8])
        case folder
        case symlink(String)
    }

    /// Absolute host paths (`/proc/cpuinfo`) to what the archive holds there.
    package private(set) var nodes: [String: Node] = ["/": .folder]

    /// The file named in messages.
    package let source: String

    package static let blockSize = 512

    /// Parses an uncompressed archive; `source` names it in errors.
    package init(bytes: [UInt8], source: String) throws {
        self.source = source
        var offset = 0
        var longName: String?
        var longLink: String?
        var paxPath: String?
        var paxLink: String?
        var sawEnd = false
        while offset + Self.blockSize <= bytes.count {
            let header = bytes[offset..<(offset + Self.blockSize)]
            if header.allSatisfy({ $0 == 0 }) { sawEnd = true; break }
            guard Self.checksumMatches(header) else {
                throw InputError(source: source, message: offset == 0
                    ? "not a tar archive (--root takes a folder, a .tar or a .tar.gz, such as probe --collector writes)"
                    : "damaged tar archive: the header at byte \(offset) has a wrong checksum")
            }
            let size = try Self.size(header, at: offset, source: source)
            let dataStart = offset + Self.blockSize
            let (dataEnd, overflow) = dataStart.addingReportingOverflow(size)
            guard !overflow, dataEnd <= bytes.count else {
                throw InputError(source: source, message: "truncated tar archive: an entry at byte \(offset) holds \(size) bytes past the end")
            }
            let data = Array(bytes[dataStart..<dataEnd])
            let type = header[header.startIndex + 156]
            var name = Self.string(header, 0, 100)
            if Self.string(header, 257, 6) == "ustar" && header[header.startIndex + 262] == 0 {
                let prefix = Self.string(header, 345, 155)
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            let link = Self.string(header, 157, 100)
            switch type {
            case UInt8(ascii: "L"): longName = Self.cString(data)
            case UInt8(ascii: "K"): longLink = Self.cString(data)
            case UInt8(ascii: "x"):
                let records = Self.paxRecords(data)
                paxPath = records["path"] ?? paxPath
                paxLink = records["linkpath"] ?? paxLink
            case UInt8(ascii: "g"): break
            default:
                let path = Self.normalized(paxPath ?? longName ?? name)
                let target = paxLink ?? longLink ?? link
                longName = nil; longLink = nil; paxPath = nil; paxLink = nil
                guard let path else { break }
                switch type {
                case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): insert(path, .file(data))
                case UInt8(ascii: "1"):
                    // A hard link names an earlier member; it holds that member's bytes.
                    if let targetPath = Self.normalized(target), case .file(let contents)? = nodes[targetPath] { insert(path, .file(contents)) }
                case UInt8(ascii: "2"): insert(path, .symlink(target))
                case UInt8(ascii: "5"): insert(path, .folder)
                default: break // devices and FIFOs: nothing the probe reads
                }
            }
            offset = dataStart + (size + Self.blockSize - 1) / Self.blockSize * Self.blockSize
        }
        if offset == 0 && !sawEnd {
            throw InputError(source: source, message: "not a tar archive (--root takes a folder, a .tar or a .tar.gz, such as probe --collector writes)")
        }
        if !sawEnd && offset < bytes.count {
            throw InputError(source: source, message: "truncated tar archive: \(bytes.count - offset) bytes left, less than one header")
        }
    }

    mutating func insert(_ path: String, _ node: Node) {
        var parent = path
        while let slash = parent.lastIndex(of: "/"), parent != "/" {
            parent = slash == parent.startIndex ? "/" : String(parent[..<slash])
            if nodes[parent] == nil { nodes[parent] = .folder }
        }
        if node == .folder, nodes[path] != nil { return }
        nodes[path] = node
    }

    /// `./sys/x/` and `sys/x` both as `/sys/x`; nil for the archive's root itself or a path
    /// that climbs out of it.
    package static func normalized(_ path: String) -> String? {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." && !part.isEmpty {
            if part == ".." { return nil }
            parts.append(part)
        }
        return parts.isEmpty ? nil : "/" + parts.joined(separator: "/")
    }

    // MARK: lookups, following symlinks inside the archive as the kernel would on disk

    /// The node at `hostPath` after following symlinks in every component (and in the last one
    /// when `followLast`); nil when nothing is there or a link leads out of the archive.
    package func resolve(_ hostPath: String, followLast: Bool = true) -> (path: String, node: Node)? {
        var pending = hostPath.split(separator: "/").map(String.init)
        var current: [String] = []
        var hops = 0
        while !pending.isEmpty {
            let part = pending.removeFirst()
            if part == "." || part.isEmpty { continue }
            if part == ".." { if !current.isEmpty { current.removeLast() }; continue }
            let candidate = "/" + (current + [part]).joined(separator: "/")
            guard let node = nodes[candidate] else { return nil }
            if case .symlink(let target) = node, followLast || !pending.isEmpty {
                hops += 1
                guard hops <= 40 else { return nil } // ELOOP, as Linux's MAXSYMLINKS
                if target.hasPrefix("/") { current = [] }
                pending = target.split(separator: "/").map(String.init) + pending
                continue
            }
            current.append(part)
        }
        let path = "/" + current.joined(separator: "/")
        guard let node = nodes[path] else { return nil }
        return (path, node)
    }

    /// The names directly inside a folder.
    package func children(of folder: String) -> [String] {
        let prefix = folder == "/" ? "/" : folder + "/"
        return nodes.keys.compactMap { key in
            guard key.hasPrefix(prefix), key != folder else { return nil }
            let rest = key.dropFirst(prefix.count)
            return rest.contains("/") ? nil : String(rest)
        }.sorted()
    }

    // MARK: header fields

    static func string(_ header: ArraySlice<UInt8>, _ start: Int, _ length: Int) -> String {
        let base = header.startIndex + start
        let field = header[base..<(base + length)]
        return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func cString(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The size field: octal digits, or base-256 (high bit set) for sizes past 8 GiB, which no
    /// file the probe reads has.
    static func size(_ header: ArraySlice<UInt8>, at offset: Int, source: String) throws -> Int {
        let base = header.startIndex + 124
        let field = header[base..<(base + 12)]
        guard let first = field.first, first & 0x80 == 0 else {
            throw InputError(source: source, message: "the tar entry at byte \(offset) is larger than 8 GiB; not a copy of sysfs and procfs files")
        }
        let digits = String(decoding: field.prefix { $0 != 0 && $0 != UInt8(ascii: " ") }.drop { $0 == UInt8(ascii: " ") }, as: UTF8.self)
        guard let size = Int(digits.isEmpty ? "0" : digits, radix: 8), size >= 0, size <= 64 << 20 else {
            throw InputError(source: source, message: "the tar entry at byte \(offset) has a size field \"\(digits.prefix(12))\" that is not an octal number up to 64 MiB")
        }
        return size
    }

    /// The header sum with the checksum field as spaces, as POSIX ustar defines it (unsigned;
    /// some old tars summed signed bytes, accepted too).
    static func checksumMatches(_ header: ArraySlice<UInt8>) -> Bool {
        let base = header.startIndex + 148
        let field = header[base..<(base + 8)]
        let digits = String(decoding: field.prefix { $0 != 0 && $0 != UInt8(ascii: " ") }.drop { $0 == UInt8(ascii: " ") }, as: UTF8.self)
        guard let stored = Int(digits, radix: 8) else { return false }
        var unsigned = 0, signed = 0
        for (index, byte) in header.enumerated() {
            let value = (148..<156).contains(index) ? UInt8(ascii: " ") : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        return stored == unsigned || stored == signed
    }

    /// pax records: `<length> <key>=<value>\n`, the length counting the whole record.
    static func paxRecords(_ data: [UInt8]) -> [String: String] {
        var records: [String: String] = [:]
        var index = 0
        while index < data.count {
            guard let space = data[index...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: data[index..<space], as: UTF8.self)), length > 0,
                  index + length <= data.count else { break }
            let record = data[(space + 1)..<(index + length)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
                let value = String(decoding: record[(equals + 1)...].dropLast(record.last == UInt8(ascii: "\n") ? 1 : 0), as: UTF8.self)
                records[key] = value
            }
            index += length
        }
        return records
    }
}
