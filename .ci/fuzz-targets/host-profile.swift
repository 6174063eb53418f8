// fuzz-sources: Sources/LayoutCore
// fuzz-corpus: Profiles Examples/fleets
//
// Host profiles and the fleet normalization built from them. Oracles: every rejection is an
// InputError naming the file, a JSON path and a line; an accepted profile keeps the schema's
// rules (widths, ranges, aligned windows), and its merged hole set is sorted, disjoint, covers
// every hole and is exactly the complement of its gaps.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHostProfile(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let host: HostProfile
    do {
        host = try HostProfileParser.parse(bytes, source: "fuzz.json")
    } catch let error as InputError {
        precondition(error.source == "fuzz.json" && !error.message.isEmpty)
        precondition(error.path.isEmpty || error.path.hasPrefix("$"), "path \(error.path)")
        precondition(error.line.map { $0 >= 1 } ?? true)
        return 0
    } catch {
        preconditionFailure("a profile was rejected with \(type(of: error)), not InputError: \(error)")
    }
    precondition((32...64).contains(host.cpuPhysBits) && (32...64).contains(host.iommuAddressBits))
    precondition(!host.name.isEmpty && host.count >= 1)
    for window in host.programmable {
        precondition(window.size > 0 && window.align.isPowerOfTwo)
        if let base = window.defaultBase { precondition(base % window.align == 0) }
    }
    for strict in [false, true] {
        let fleet: Fleet
        do {
            fleet = try Fleet(hosts: [host], strictRelaxable: strict)
        } catch {
            preconditionFailure("one valid host is not a fleet: \(error)")
        }
        let ranges = fleet.forbidden.ranges
        for (earlier, later) in zip(ranges, ranges.dropFirst()) {
            precondition(earlier.end.map { $0 < later.start } ?? false, "merged holes \(earlier) and \(later) touch or are out of order")
        }
        for hole in fleet.holes {
            precondition(fleet.forbidden.overlapping(hole.range).count == 1 && fleet.forbidden.contains(hole.range.start) && fleet.forbidden.contains(hole.range.last))
        }
        let everything = AddressRange(start: 0, last: .max)!
        var covered: [AddressRange] = fleet.forbidden.gaps(within: everything)
        precondition(covered.allSatisfy { !fleet.forbidden.intersects($0) }, "a gap overlaps a hole")
        covered += ranges
        covered.sort { $0.start < $1.start }
        precondition(covered.first?.start == 0 && covered.last?.last == .max)
        for (earlier, later) in zip(covered, covered.dropFirst()) {
            precondition(earlier.end == later.start, "gaps and holes do not tile the address space at \(earlier) / \(later)")
        }
    }
    return 0
}
