// Parsers for QEMU's HMP `info mtree -f` (flat views) and `info mtree` (region trees), as printed by
// QEMU 7.2 (no LayoutSolver types). Line formats (memory.c: mtree_print_flatview / mtree_print_mr):
//
//   flat:      "  0000000000100000-000000007fffffff (prio 0, ram): pc.ram @0000000000100000"
//   tree:      "    0000000100000000-000000017fffffff (prio 0, ram): alias ram-above-4g @pc.ram 0000000080000000-00000000ffffffff"
//              "    0000000100000000-000000037fffffff (prio 0, i/o): device-memory"
//
// Addresses are inclusive, as printed. The tree prints absolute addresses (parent base + offset).
// Region names may contain spaces ("platform bus"). Output from human-monitor-command uses "\r\n";
// both parsers accept either line ending.

import Foundation

/// One range of a rendered FlatView.
struct FlatRange: Equatable, Hashable, Sendable, CustomStringConvertible {
    var start: UInt64
    /// Inclusive, as printed.
    var end: UInt64
    var priority: Int
    /// As printed: "ram", "rom", "i/o", "romd", "ramd", ... (a non-volatile region has an "nv-" prefix).
    var type: String
    /// The memory region's name (the alias *target* in a flat view, e.g. "pc.ram").
    var name: String
    /// Offset into the region, when printed as "@0000000080000000" (nil means 0).
    var offset: UInt64?

    /// Size in bytes. Wraps to 0 for a range covering all 2^64 addresses.
    var size: UInt64 { end &- start &+ 1 }
    func contains(_ address: UInt64) -> Bool { start <= address && address <= end }

    /// The line as QEMU prints it (without indentation), e.g.
    /// "0000000100000000-000000017fffffff (prio 0, ram): pc.ram @0000000080000000".
    var description: String {
        var s = "\(hex16(start))-\(hex16(end)) (prio \(priority), \(type)): \(name)"
        if let offset { s += " @\(hex16(offset))" }
        return s
    }
}

struct FlatView: Sendable {
    /// The N of "FlatView #N".
    var number: Int
    /// Every address space sharing this view, e.g. ["memory", "cpu-memory-0"].
    var addressSpaces: [String]
    /// "Root memory region: system" (nil when printed as "(none)").
    var rootRegion: String?
    var ranges: [FlatRange]

    var ramRanges: [FlatRange] { ranges.ramRanges }
    func range(containing address: UInt64) -> FlatRange? { ranges.first { $0.contains(address) } }
}

/// One node of the non-flat `info mtree` output.
struct MemoryRegionNode: Equatable, Sendable, CustomStringConvertible {
    struct Alias: Equatable, Sendable {
        /// Name of the aliased region ("pc.ram").
        var target: String
        /// Range within the target, inclusive.
        var start: UInt64
        var end: UInt64
    }

    var start: UInt64
    /// Inclusive, as printed.
    var end: UInt64
    var priority: Int
    var type: String
    var name: String
    var alias: Alias?
    /// False when printed with " [disabled]" (only `info mtree -D` prints those).
    var enabled: Bool
    var children: [MemoryRegionNode]

    var size: UInt64 { end &- start &+ 1 }
    var isAlias: Bool { alias != nil }

    /// Depth-first search of this node and its descendants.
    func first(named name: String) -> MemoryRegionNode? {
        if self.name == name { return self }
        for c in children { if let hit = c.first(named: name) { return hit } }
        return nil
    }

    /// This node and all descendants, depth first.
    var flattened: [MemoryRegionNode] { [self] + children.flatMap(\.flattened) }

    var description: String {
        var s = "\(hex16(start))-\(hex16(end)) (prio \(priority), \(type)): "
        if let alias {
            s += "alias \(name) @\(alias.target) \(hex16(alias.start))-\(hex16(alias.end))"
        } else {
            s += name
        }
        if !enabled { s += " [disabled]" }
        return s
    }
}

/// One section of `info mtree`: the header lines ("address-space: memory", possibly several that
/// share one tree, or "memory-region: pc.ram") and the root regions below them.
struct MemoryRegionTree: Sendable {
    var addressSpaces: [String]
    var memoryRegions: [String]
    var roots: [MemoryRegionNode]

    func first(named name: String) -> MemoryRegionNode? {
        for r in roots { if let hit = r.first(named: name) { return hit } }
        return nil
    }

    var allNodes: [MemoryRegionNode] { roots.flatMap(\.flattened) }
}

enum MemoryTreeError: Error, CustomStringConvertible {
    case addressSpaceNotFound(String, available: [String])
    case malformedLine(String)

    var description: String {
        switch self {
        case let .addressSpaceNotFound(name, available):
            return "no view for address space \"\(name)\" in info mtree output (found: \(available.joined(separator: ", ")))"
        case let .malformedLine(line):
            return "cannot parse info mtree line: \(line)"
        }
    }
}

enum MemoryTree {
    // MARK: flat view (`info mtree -f`)

    /// All FlatViews of `info mtree -f` output.
    static func parseFlatViews(_ text: String) throws -> [FlatView] {
        var views: [FlatView] = []
        var current: FlatView?
        for raw in lines(text) {
            let line = raw.trimmingTrailingCR()
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("FlatView #") {
                if let c = current { views.append(c) }
                let n = Int(trimmed.dropFirst("FlatView #".count)) ?? views.count
                current = FlatView(number: n, addressSpaces: [], rootRegion: nil, ranges: [])
                continue
            }
            guard current != nil else { continue }
            if trimmed.hasPrefix("AS \"") {
                // AS "memory", root: system
                let rest = trimmed.dropFirst(4)
                if let q = rest.firstIndex(of: "\"") { current!.addressSpaces.append(String(rest[..<q])) }
            } else if trimmed.hasPrefix("Root memory region: ") {
                let r = String(trimmed.dropFirst("Root memory region: ".count))
                current!.rootRegion = r == "(none)" ? nil : r
            } else if let parsed = try parseRangeLine(line) {
                let (name, offset) = splitOffset(parsed.rest)
                current!.ranges.append(FlatRange(
                    start: parsed.start, end: parsed.end, priority: parsed.priority,
                    type: parsed.type, name: name, offset: offset))
            }
            // Anything else ("No rendered FlatView", dispatch-tree lines of -d) is ignored.
        }
        if let c = current { views.append(c) }
        return views
    }

    /// The FlatView that lists `AS "<addressSpace>"` in its header (default: "memory", the system
    /// address space; on q35 FlatView #0/#1 may be "I/O" or "cpu-smm-0" instead).
    static func flatView(addressSpace: String = "memory", in text: String) throws -> FlatView {
        let views = try parseFlatViews(text)
        if let v = views.first(where: { $0.addressSpaces.contains(addressSpace) }) { return v }
        throw MemoryTreeError.addressSpaceNotFound(addressSpace, available: views.flatMap(\.addressSpaces))
    }

    /// Shorthand for `flatView(addressSpace:in:).ranges`.
    static func flatRanges(_ text: String, addressSpace: String = "memory") throws -> [FlatRange] {
        try flatView(addressSpace: addressSpace, in: text).ranges
    }

    /// Merges neighbours (a.end + 1 == b.start) of the same region name and type whose offsets into
    /// the region are contiguous (b.offset == a.offset + a.size, nil counting as 0). Priority is
    /// taken from the first range. Input order is kept (QEMU prints ranges sorted by address).
    static func merge(_ ranges: [FlatRange]) -> [FlatRange] {
        var out: [FlatRange] = []
        for r in ranges {
            if var last = out.last,
               last.end != .max, last.end + 1 == r.start,
               last.name == r.name, last.type == r.type,
               (last.offset ?? 0) &+ last.size == (r.offset ?? 0) {
                last.end = r.end
                out[out.count - 1] = last
            } else {
                out.append(r)
            }
        }
        return out
    }

    // MARK: region tree (`info mtree`)

    /// All sections of `info mtree` output.
    static func parseTrees(_ text: String) throws -> [MemoryRegionTree] {
        var trees: [MemoryRegionTree] = []
        var current: MemoryRegionTree?
        var inHeader = false
        // Stack of (indent, node) whose children are still being collected.
        var stack: [(indent: Int, node: MemoryRegionNode)] = []

        func popTo(indent: Int) {
            while let top = stack.last, top.indent >= indent {
                stack.removeLast()
                if stack.isEmpty {
                    current?.roots.append(top.node)
                } else {
                    stack[stack.count - 1].node.children.append(top.node)
                }
            }
        }
        func finishTree() {
            popTo(indent: 0)
            if let c = current { trees.append(c) }
            current = nil
        }

        for raw in lines(text) {
            let line = raw.trimmingTrailingCR()
            let isAS = line.hasPrefix("address-space: ")
            let isMR = line.hasPrefix("memory-region: ")
            if isAS || isMR {
                if !inHeader { finishTree(); current = MemoryRegionTree(addressSpaces: [], memoryRegions: [], roots: []) }
                inHeader = true
                let name = String(line.dropFirst(isAS ? "address-space: ".count : "memory-region: ".count))
                if isAS { current!.addressSpaces.append(name) } else { current!.memoryRegions.append(name) }
                continue
            }
            inHeader = false
            guard current != nil, let p = try parseRangeLine(line) else { continue }
            var name = p.rest
            var enabled = true
            if name.hasSuffix(" [disabled]") {
                enabled = false
                name = String(name.dropLast(" [disabled]".count))
            }
            var alias: MemoryRegionNode.Alias?
            if name.hasPrefix("alias ") {
                // alias NAME @TARGET START-END
                let body = name.dropFirst("alias ".count)
                guard let sp = body.lastIndex(of: " "),
                      let at = body[..<sp].range(of: " @", options: .backwards)
                else { throw MemoryTreeError.malformedLine(String(line)) }
                let rangeText = body[body.index(after: sp)...].split(separator: "-")
                guard rangeText.count == 2,
                      let aStart = UInt64(rangeText[0], radix: 16), let aEnd = UInt64(rangeText[1], radix: 16)
                else { throw MemoryTreeError.malformedLine(String(line)) }
                alias = .init(target: String(body[at.upperBound..<sp]), start: aStart, end: aEnd)
                name = String(body[..<at.lowerBound])
            }
            let node = MemoryRegionNode(
                start: p.start, end: p.end, priority: p.priority, type: p.type, name: name,
                alias: alias, enabled: enabled, children: [])
            popTo(indent: p.indent)
            stack.append((p.indent, node))
        }
        finishTree()
        return trees
    }

    /// The tree of the section headed `address-space: <addressSpace>` (default "memory").
    static func tree(addressSpace: String = "memory", in text: String) throws -> MemoryRegionTree {
        let trees = try parseTrees(text)
        if let t = trees.first(where: { $0.addressSpaces.contains(addressSpace) }) { return t }
        throw MemoryTreeError.addressSpaceNotFound(addressSpace, available: trees.flatMap(\.addressSpaces))
    }

    // MARK: helpers

    struct RangeLine {
        var indent: Int
        var start: UInt64
        var end: UInt64
        var priority: Int
        var type: String
        var rest: String
    }

    /// Parses "<indent>START-END (prio P, TYPE): REST". Returns nil for lines that are not range
    /// lines at all; throws for lines that look like one but do not parse (so format drift fails loudly).
    static func parseRangeLine(_ line: Substring) throws -> RangeLine? {
        let indent = line.prefix { $0 == " " }.count
        let body = line.dropFirst(indent)
        guard let first = body.first, first.isHexDigit, body.contains("(prio ") else { return nil }
        func fail() -> MemoryTreeError { .malformedLine(String(line)) }
        guard let dash = body.firstIndex(of: "-"),
              let start = UInt64(body[..<dash], radix: 16) else { throw fail() }
        let afterDash = body[body.index(after: dash)...]
        guard let space = afterDash.firstIndex(of: " "),
              let end = UInt64(afterDash[..<space], radix: 16) else { throw fail() }
        var rest = afterDash[space...]
        guard rest.hasPrefix(" (prio ") else { throw fail() }
        rest = rest.dropFirst(" (prio ".count)
        guard let comma = rest.firstIndex(of: ","), let prio = Int(rest[..<comma]) else { throw fail() }
        rest = rest[rest.index(after: comma)...].drop { $0 == " " }
        guard let close = rest.range(of: "): ") else { throw fail() }
        let type = String(rest[..<close.lowerBound])
        return RangeLine(indent: indent, start: start, end: end, priority: prio, type: type,
                         rest: String(rest[close.upperBound...]))
    }

    /// "pc.ram @0000000080000000" -> ("pc.ram", 0x80000000); "m0" -> ("m0", nil).
    static func splitOffset(_ rest: String) -> (String, UInt64?) {
        if let at = rest.range(of: " @", options: .backwards) {
            let hex = rest[at.upperBound...]
            if !hex.isEmpty, hex.allSatisfy(\.isHexDigit), let v = UInt64(hex, radix: 16) {
                return (String(rest[..<at.lowerBound]), v)
            }
        }
        return (rest, nil)
    }

    /// Splits on "\n" and "\r\n" ("\r\n" is a single Character in Swift, so splitting on the
    /// Character "\n" alone would not split HMP output at all).
    private static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }
}

extension Array where Element == FlatRange {
    /// Ranges whose type is exactly "ram" (ROM, ROMD and I/O excluded).
    var ramRanges: [FlatRange] { filter { $0.type == "ram" } }
    /// See `MemoryTree.merge`.
    func merged() -> [FlatRange] { MemoryTree.merge(self) }
    func named(_ name: String) -> [FlatRange] { filter { $0.name == name } }
}

extension Substring {
    fileprivate func trimmingTrailingCR() -> Substring {
        hasSuffix("\r") ? dropLast() : self
    }
}

extension MemoryTree {
    /// 16 lowercase hex digits, as QEMU prints addresses.
    static func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 16 - s.count)) + s
    }
}

private func hex16(_ v: UInt64) -> String { MemoryTree.hex16(v) }
