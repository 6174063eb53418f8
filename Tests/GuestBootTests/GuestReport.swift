// Parses what the guest's /init printed on the serial console (see Initramfs.initScript) into
// address ranges. Addresses are UInt64 with inclusive ends as the kernel prints them; a line that
// does not parse is an error, not skipped, so a changed kernel format cannot silently pass.

import Foundation

struct ReportParseError: Error, CustomStringConvertible {
    var section: String
    var line: String
    var description: String { "guest report section \(section): cannot parse \"\(line)\"" }
}

/// Inclusive range [first, last], as /proc/iomem and sysfs print them.
struct GuestRange: Equatable, Hashable, Comparable, CustomStringConvertible {
    var first: UInt64
    var last: UInt64
    /// Half-open [start, end) with end > start; nil when end is 0 or would not fit.
    init?(start: UInt64, end: UInt64) {
        guard end > start else { return nil }
        first = start
        last = end - 1
    }
    init(first: UInt64, last: UInt64) { self.first = first; self.last = last }
    var description: String { "0x\(String(first, radix: 16))-0x\(String(last, radix: 16))" }
    /// Byte count; nil for the full 2^64 range.
    var size: UInt64? { last - first == UInt64.max ? nil : last - first + 1 }
    func contains(_ other: GuestRange) -> Bool { first <= other.first && other.last <= last }
    static func < (a: GuestRange, b: GuestRange) -> Bool { (a.first, a.last) < (b.first, b.last) }
}

struct IOMemEntry: Equatable {
    var range: GuestRange
    var name: String
    /// 0 for top-level entries; nested entries are indented by two spaces per level.
    var depth: Int
}

struct PCIResource: Equatable {
    var device: String
    var bar: Int
    var range: GuestRange
    var flags: UInt64
    /// Linux include/linux/ioport.h: IORESOURCE_MEM 0x200, IORESOURCE_MEM_64 0x100000.
    var isMemory: Bool { flags & 0x200 != 0 }
    var is64Bit: Bool { flags & 0x10_0000 != 0 }
}

struct MemoryBlock: Equatable {
    var index: UInt64
    var online: Bool
}

/// One report (`boot` or `hotplug`) of one guest.
struct GuestReport {
    var iomem: [IOMemEntry] = []
    /// /sys/firmware/memmap (x86 only): the firmware's e820 plus hot-added ranges.
    var firmwareMap: [(range: GuestRange, type: String)] = []
    var blockSize: UInt64 = 0
    var blocks: [MemoryBlock] = []
    var pci: [PCIResource] = []
    var e820Lines: [String] = []

    /// Top-level "System RAM" ranges, sorted.
    var systemRAM: [GuestRange] {
        iomem.filter { $0.depth == 0 && $0.name == "System RAM" }.map(\.range).sorted()
    }

    /// Sections between `@@BEGIN name tag` and `@@END name tag` for the given tag.
    static func sections(in console: String, tag: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        var current: String?
        // The serial console ends lines with "\r\n", which Swift treats as one Character.
        for raw in console.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = String(raw)
            let words = line.split(separator: " ")
            if words.count == 3, words[0] == "@@BEGIN", words[2] == tag { current = String(words[1]); result[String(words[1])] = []; continue }
            if words.count == 3, words[0] == "@@END", words[2] == tag { current = nil; continue }
            // Kernel messages share the console; they start with "[" and never belong to a section.
            if let c = current, !line.hasPrefix("[") { result[c, default: []].append(line) }
        }
        return result
    }

    init(console: String, tag: String) throws {
        let s = Self.sections(in: console, tag: tag)
        for name in ["iomem", "blocksize", "blocks", "pci"] where s[name] == nil {
            throw ReportParseError(section: name, line: "(section missing for tag \(tag))")
        }
        for line in s["iomem"] ?? [] where !line.isEmpty {
            // "  00100000-7ffdffff : System RAM"
            let indent = line.prefix { $0 == " " }.count
            let body = line.dropFirst(indent)
            guard let colon = body.range(of: " : "),
                  let range = Self.hexRange(String(body[..<colon.lowerBound]), separator: "-")
            else { throw ReportParseError(section: "iomem", line: line) }
            iomem.append(IOMemEntry(range: range, name: String(body[colon.upperBound...]), depth: indent / 2))
        }
        for line in s["memmap"] ?? [] where !line.isEmpty {
            let w = line.split(separator: " ", maxSplits: 2)
            guard w.count == 3, let a = Self.hex(w[0]), let b = Self.hex(w[1]), a <= b
            else { throw ReportParseError(section: "memmap", line: line) }
            firmwareMap.append((GuestRange(first: a, last: b), String(w[2])))
        }
        guard let bs = (s["blocksize"] ?? []).first.flatMap({ Self.hex(Substring($0)) }), bs > 0 else {
            throw ReportParseError(section: "blocksize", line: (s["blocksize"] ?? []).joined(separator: "|"))
        }
        blockSize = bs
        for line in s["blocks"] ?? [] where !line.isEmpty {
            let w = line.split(separator: " ")
            guard w.count == 2, let n = UInt64(w[0]), w[1] == "0" || w[1] == "1"
            else { throw ReportParseError(section: "blocks", line: line) }
            blocks.append(MemoryBlock(index: n, online: w[1] == "1"))
        }
        var device = ""
        var bar = 0
        for line in s["pci"] ?? [] where !line.isEmpty {
            if line.hasPrefix("device ") {
                device = String(line.split(separator: " ")[1])
                bar = 0
                continue
            }
            let w = line.split(separator: " ")
            guard w.count == 3, let a = Self.hex(w[0]), let b = Self.hex(w[1]), let f = Self.hex(w[2])
            else { throw ReportParseError(section: "pci", line: line) }
            // sysfs prints unused resources as all zeros.
            if !(a == 0 && b == 0) && a <= b {
                pci.append(PCIResource(device: device, bar: bar, range: GuestRange(first: a, last: b), flags: f))
            }
            bar += 1
        }
        e820Lines = s["e820"] ?? []
    }

    static func hex(_ s: Substring) -> UInt64? {
        let t = s.hasPrefix("0x") ? s.dropFirst(2) : s
        return t.isEmpty ? nil : UInt64(t, radix: 16)
    }

    static func hexRange(_ s: String, separator: Character) -> GuestRange? {
        let parts = s.split(separator: separator)
        guard parts.count == 2, let a = hex(parts[0]), let b = hex(parts[1]), a <= b else { return nil }
        return GuestRange(first: a, last: b)
    }
}
