@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

/// A brute-force reference for small q35 instances, written without the solver's planning code:
/// it merges holes itself, tries every subset of free gaps for DIMMs with a greedy fill, lets
/// QEMU's derivation place everything, checks the result against each host, and keeps the best
/// (fewest DIMMs, most boot RAM, lowest top).
struct ExhaustiveOracle {
    struct Score: Comparable, CustomStringConvertible {
        var dimms: Int
        var boot: UInt64
        var top: UInt64
        static func < (a: Score, b: Score) -> Bool { (a.dimms, b.boot, a.top) < (b.dimms, a.boot, b.top) }
        var description: String { "dimms \(dimms), boot \(Hex.format(boot)), top \(Hex.format(top))" }
    }

    let hosts: [HostProfile]
    let vm: VMSpec
    let gib: UInt64 = 1 << 30

    var unit: UInt64 { max(vm.ramAlign ?? 0, 2 << 20) }
    /// DIMMs come in Linux x86_64's 128 MiB memory blocks while boot RAM ends below 64 GiB; this
    /// oracle only judges such VMs (`search` says too large otherwise).
    var dimmUnit: UInt64 { max(unit, 128 << 20) }

    /// Every non-relaxable region and every width limit, merged by a plain sort.
    var holes: [AddressRange] {
        var ranges: [AddressRange] = []
        for host in hosts {
            ranges += host.reserved.filter { $0.type != .directRelaxable }.map(\.range)
            if host.iommuAddressBits < 64 { ranges.append(AddressRange(start: 1 << UInt64(host.iommuAddressBits), last: .max)!) }
        }
        ranges.sort(by: <)
        var merged: [AddressRange] = []
        for range in ranges {
            if let last = merged.last, range.start <= last.last || range.start == last.last + 1 {
                merged[merged.count - 1] = AddressRange(start: last.start, last: max(last.last, range.last))!
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    func isFree(_ range: AddressRange) -> Bool { !holes.contains { $0.overlaps(range) } }

    func firstHole(atOrAfter address: UInt64) -> UInt64? { holes.first { $0.last >= address }.map { max($0.start, address) } }

    enum Answer {
        case best(Score)
        case none
        /// Too many gaps to enumerate: no verdict.
        case tooLarge
    }

    func search() -> Answer {
        // Boot RAM could end at or past 64 GiB, where the guest's block size depends on that end.
        if vm.ram + 4 * gib >= 64 * gib { return .tooLarge }
        var tooLarge = false
        let found = best(tooLarge: &tooLarge)
        if tooLarge { return .tooLarge }
        return found.map(Answer.best) ?? .none
    }

    func best(tooLarge: inout Bool) -> Score? {
        let cpuLimit = UInt64(1) << UInt64(hosts.map(\.cpuPhysBits).min()!)
        let vendor = vm.cpuVendor ?? .intel
        var best: Score?
        for aboveStart in (vendor == .amd ? [4 * gib, 1 << 40] : [4 * gib]) {
            for small in [false, true] {
                guard let first = firstHole(atOrAfter: 0), first > 0 else { continue }
                let lowMax = min(small ? 0xb000_0000 : 0x8000_0000, first) & ~(unit - 1)
                let aboveEnd = holes.contains { $0.contains(aboveStart) } ? aboveStart : min(firstHole(atOrAfter: aboveStart) ?? cpuLimit, cpuLimit)
                let aboveCapacity = aboveEnd > aboveStart ? (aboveEnd - aboveStart) & ~(unit - 1) : 0
                let bound = (max(aboveEnd, aboveStart) + gib - 1) & ~(gib - 1)
                var gaps: [(start: UInt64, capacity: UInt64, last: UInt64)] = []
                var cursor = bound
                for hole in holes where hole.last >= bound && cursor < cpuLimit {
                    if hole.start > cursor {
                        let start = (cursor + dimmUnit - 1) & ~(dimmUnit - 1), end = min(hole.start, cpuLimit) & ~(dimmUnit - 1)
                        if end > start { gaps.append((start, end - start, hole.start - 1)) }
                    }
                    cursor = max(cursor, hole.last == .max ? .max : hole.last + 1)
                }
                guard gaps.count <= 8 else { tooLarge = true; return nil }
                for mask in 0..<(1 << gaps.count) {
                    let chosen = gaps.indices.filter { mask & (1 << $0) != 0 }
                    let k = UInt64(chosen.count)
                    guard vm.ram >= k * dimmUnit else { continue }
                    var boot = min(lowMax + aboveCapacity, vm.ram - k * dimmUnit)
                    if small { boot = min(boot, (0xb000_0000 - 1) & ~(unit - 1)) } else if boot < 0xb000_0000 { continue }
                    // DIMMs hold whole GiB: boot RAM gives up the remainder.
                    boot -= (vm.ram - boot) % dimmUnit == 0 ? 0 : dimmUnit - (vm.ram - boot) % dimmUnit
                    var rest = vm.ram - boot
                    guard boot > 0, k > 0 || rest == 0 else { continue }
                    var sizes = chosen.map { _ in dimmUnit }
                    rest -= k * dimmUnit
                    for (index, gap) in chosen.enumerated() where rest > 0 {
                        let more = min(rest, gaps[gap].capacity - dimmUnit)
                        sizes[index] += more
                        rest -= more
                    }
                    guard rest == 0 else { continue }
                    if let score = evaluate(boot: boot, lowMax: lowMax, aboveStart: aboveStart, gaps: chosen.map { gaps[$0] }, sizes: sizes, vendor: vendor, cpuLimit: cpuLimit),
                       best == nil || score < best! {
                        best = score
                    }
                }
            }
        }
        return best
    }

    func evaluate(boot: UInt64, lowMax: UInt64, aboveStart: UInt64, gaps: [(start: UInt64, capacity: UInt64, last: UInt64)], sizes: [UInt64], vendor: CPUVendor, cpuLimit: UInt64) -> Score? {
        let below = min(lowMax, boot)
        let lowDefault: UInt64 = boot >= 0xb000_0000 ? 0x8000_0000 : 0xb000_0000
        var cursor = (aboveStart + (boot - below) + gib - 1) & ~(gib - 1)
        var dimms: [PCMachineKnobs.DIMM] = []
        for (index, gap) in gaps.enumerated() {
            let address = (max(gap.start, cursor) + dimmUnit - 1) & ~(dimmUnit - 1)
            guard address + sizes[index] - 1 <= gap.last else { return nil }
            dimms.append(.init(id: "o\(index)", address: address, size: sizes[index]))
            cursor = address + sizes[index]
        }
        let slots = vm.slots + dimms.count
        var maxmem = boot + sizes.reduce(0, +) + vm.userHotplugBytes
        if let end = dimms.last.map({ $0.address + $0.size }) {
            let deviceEnd = ((aboveStart + (boot - below) + gib - 1) & ~(gib - 1)) + (maxmem - boot) + UInt64(slots) * gib
            if end > deviceEnd { maxmem += (end - deviceEnd + unit - 1) & ~(unit - 1) }
        }
        if aboveStart == 1 << 40 {
            // A layout planned above 1 TiB grows maxmem until QEMU's 4 GiB map reaches the HyperTransport range.
            if let used = try? PCMachineModel.maxUsedGPA(aboveStart: 4 * gib, aboveSize: boot - below, ram: boot, maxram: maxmem, slots: slots, hole64Size: 32 * gib, physBits: 52),
               used < 0xfd_0000_0000 {
                maxmem += (0xfd_0000_0000 - used + gib - 1) & ~(gib - 1)
            }
        }
        let knobs = PCMachineKnobs(ramSize: boot, maxRamBelow4G: below < min(lowDefault, boot) ? below : nil, maxmem: maxmem > boot ? maxmem : nil,
                             slots: slots, physBits: 52, vendor: vendor, dimmAlignment: unit, dimms: dimms)
        guard let derived = try? PCMachineModel.derive(knobs), derived.maxUsedGPA < cpuLimit else { return nil }
        var targets = [derived.below4G, derived.above4G].compactMap { $0 }
        targets += derived.dimms.map(\.range)
        guard targets.allSatisfy(isFree) else { return nil }
        return Score(dimms: dimms.count, boot: boot, top: derived.maxUsedGPA)
    }
}
