@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutPlacement

/// A brute-force judge of the placement rules (PlacementRules.md) for small pc, q35 and virt
/// instances, with planned hot-add DIMMs and programmable windows, written without the solver's
/// planning code (no scenarios, gaps, candidates or MIP). It enumerates the knobs themselves and lets
/// the machine model (QEMU's derivation, tested against real QEMU) say what map they give:
///
/// - every programmable window's place, out of every aligned place inside its `within` clear of its
///   host's own holes (an instance keeps these few); the placed windows are holes for the guest;
/// - boot RAM, largest first, in whole memory blocks less than the VM's RAM;
/// - every `max-ram-below-4g` from 128 MiB to 4 GiB in 128 MiB steps, and none (pc, q35);
/// - every arrangement of cold DIMMs and planned DIMMs in address order, each starting where device
///   memory starts, where the item before it ends or where a hole ends (any valid arrangement moves
///   down to one of these without crossing a hole, and two touching cold DIMMs are one DIMM);
/// - the smallest `maxmem` that covers them, or (AMD) that makes QEMU relocate RAM to 1 TiB.
///
/// It keeps the best map by the documented objective: fewest cold DIMMs, most boot RAM, lowest top,
/// fewest knobs away from QEMU's defaults, most RAM from address 0.
struct ExhaustiveJudge {
    struct Score: Comparable, CustomStringConvertible {
        var dimms: Int
        var boot: UInt64
        var top: UInt64
        var awayFromDefaults: Int
        var low: UInt64
        var knobs = ""

        static func < (a: Score, b: Score) -> Bool {
            (a.dimms, b.boot, a.top, a.awayFromDefaults, b.low) < (b.dimms, a.boot, b.top, b.awayFromDefaults, a.low)
        }
        static func == (a: Score, b: Score) -> Bool { !(a < b) && !(b < a) }
        var description: String { "dimms \(dimms), boot \(Hex.format(boot)), top \(Hex.format(top)), away \(awayFromDefaults), low \(Hex.format(low)) [\(knobs)]" }
    }

    enum Verdict {
        case best(Score)
        case none
        /// Outside what this judge covers: no verdict.
        case notJudged(String)
    }

    let hosts: [HostProfile]
    let vm: VMSpec
    /// Derivations that do not depend on the DIMMs, remembered: the search asks for them often.
    final class Memo {
        var relocating: [String: UInt64?] = [:]
        var deviceEnd: [String: UInt64?] = [:]
    }
    let memo = Memo()

    init(hosts: [HostProfile], vm: VMSpec) {
        self.hosts = hosts
        self.vm = vm
    }
    let gib: UInt64 = 1 << 30
    let unit: UInt64 = 2 << 20
    let lowStep: UInt64 = 128 << 20

    var isVirt: Bool { vm.machine == .virt }

    /// The guest's memory block: the spec's, else Linux's rule for small guests (x86_64 below 64 GiB
    /// of boot memory: 128 MiB; arm64: 1 GiB, safe for every page size).
    var block: UInt64 { vm.memoryBlockSize ?? (isVirt ? gib : 128 << 20) }

    /// Each host's blocking ranges: its non-relaxable reserved regions, and everything from 2^width.
    func blocking(_ host: HostProfile) -> [AddressRange] {
        var ranges = host.reserved.filter { $0.type != .directRelaxable }.map(\.range)
        if host.iommuAddressBits < 64 { ranges.append(AddressRange(start: 1 << UInt64(host.iommuAddressBits), last: .max)!) }
        return ranges
    }

    /// Every aligned place for `window` inside `within` clear of its host's own reserved regions.
    func places(for window: ProgrammableRegion, on host: HostProfile) -> [AddressRange] {
        let own = host.reserved.filter { $0.type != .directRelaxable }.map(\.range)
        var found: [AddressRange] = []
        var start = window.within.start % window.align == 0 ? window.within.start : (window.within.start / window.align + 1) * window.align
        while let range = AddressRange(start: start, size: window.size), range.last <= window.within.last {
            if !own.contains(where: { $0.overlaps(range) }) { found.append(range) }
            guard found.count <= 64 else { return found }
            let (next, overflow) = start.addingReportingOverflow(window.align)
            if overflow { break }
            start = next
        }
        return found
    }

    func judge() -> Verdict {
        guard vm.ramAlign == nil, vm.pciHole64 == nil, vm.pciHole32 == nil, !vm.p2p, vm.viommu == .none, vm.qemu == .default else { return .notJudged("spec knobs outside the judge") }
        guard vm.ram % block == 0 else { return .notJudged("RAM not whole blocks") }
        let windows = hosts.flatMap { host in host.programmable.map { (host: host.name, places: places(for: $0, on: host)) } }
        guard windows.allSatisfy({ $0.places.count <= 24 }) else { return .notJudged("too many window places") }
        if windows.contains(where: { $0.places.isEmpty }) { return .none }
        let merged = Self.merge(hosts.flatMap(blocking))
        // Where an item may start: where a hole or a window place ends (a window sits between items
        // like a hole, so moving items down to these loses no layout that has windows).
        let boundaries = Array(Set(merged.filter { $0.last != .max }.map { $0.last + 1 } + windows.flatMap { $0.places.map { $0.last + 1 } })).sorted()
        let context = Context(merged: merged, boundaries: boundaries, windows: windows.map(\.places),
                              cpuLimit: UInt64(1) << UInt64(min(hosts.map(\.cpuPhysBits).min() ?? 52, 52)))
        guard let best = search(context: context) else { return .none }
        if !isVirt, best.boot + 4 * gib >= 64 * gib { return .notJudged("boot memory may end past 64 GiB") }
        return .best(best)
    }

    func search(context: Context) -> Score? {
        let blocks = vm.ram / block
        // Two cold DIMMs never touch (they would be one), so each starts at its own boundary.
        let maxCold = min(Int(blocks) - 1, context.boundaries.count + 1 + vm.plannedDIMMSizes.count)
        guard maxCold >= 0 else { return nil }
        for coldCount in 0...max(maxCold, 0) {
            var best: Score?
            // Boot RAM largest first: the first amount that fits is the optimum for this DIMM count.
            for dimmBlocks in stride(from: UInt64(coldCount), to: blocks, by: 1) {
                if coldCount == 0 && dimmBlocks > 0 { break }
                let boot = vm.ram - dimmBlocks * block
                for low in lowKnobs(boot: boot, context: context) {
                    for found in layouts(boot: boot, coldCount: coldCount, coldBytes: dimmBlocks * block, lowKnob: low, context: context) where best == nil || found < best! {
                        best = found
                    }
                }
                if best != nil { return best }
            }
        }
        return nil
    }

    struct Context {
        /// Every host's blocking ranges, merged.
        var merged: [AddressRange]
        var boundaries: [UInt64]
        /// Each window's possible places.
        var windows: [[AddressRange]]
        var cpuLimit: UInt64
    }

    /// No `max-ram-below-4g`, and the smallest value for each other split QEMU makes of `boot`
    /// (larger values with the same split give the same map and the same score). Values: every
    /// 128 MiB, and every place low RAM can end at a hole or a window place (2 MiB aligned).
    func lowKnobs(boot: UInt64, context: Context) -> [UInt64?] {
        guard !isVirt else { return [nil] }
        var splits: Set<UInt64> = []
        var knobs: [UInt64?] = []
        let edges = context.merged.flatMap { [$0.start, $0.last == .max ? 0 : $0.last + 1] } + context.windows.flatMap { $0.flatMap { [$0.start, $0.last + 1] } }
        let values = Set(stride(from: lowStep, through: 4 * gib, by: Int(lowStep)).map { UInt64($0) } + edges.map { $0 & ~(unit - 1) }.filter { $0 > 0 && $0 <= 4 * gib })
        for knob in [nil] + values.sorted().map(Optional.some) {
            guard let split = (try? PCMachineModel.derive(pcKnobs(boot: boot, lowKnob: knob, maxmem: nil, slots: 0, vendor: vendors[0], dimms: [], plan: [])))?.below4GSize,
                  splits.insert(split).inserted else { continue }
            knobs.append(knob)
        }
        return knobs
    }

    var vendors: [CPUVendor] {
        if let pinned = vm.cpuVendor { return [pinned] }
        let named = Set(hosts.map { $0.cpuVendor.rawValue == "amd" ? CPUVendor.amd : .intel })
        return [CPUVendor.intel, .amd].filter(named.contains)
    }

    /// Every valid layout with this boot RAM, low-RAM knob and cold DIMM count, scored.
    func layouts(boot: UInt64, coldCount: Int, coldBytes: UInt64, lowKnob: UInt64?, context: Context) -> [Score] {
        // Where device memory starts follows from where the boot RAM ends (and, for an AMD vCPU,
        // whether QEMU relocates it to 1 TiB, which the arrangement's maxmem decides).
        var starts: [UInt64] = []
        if isVirt {
            guard let derived = try? VirtModel.derive(virtKnobs(boot: boot, maxmem: nil, slots: 0, dimms: [], plan: [])),
                  !context.merged.contains(where: { $0.overlaps(derived.ram) }) else { return [] }
            guard windowsFit(beside: [derived.ram], context: context) else { return [] }
            starts = [((derived.ram.last + 1) + gib - 1) & ~(gib - 1)]
        } else {
            guard let derived = try? PCMachineModel.derive(pcKnobs(boot: boot, lowKnob: lowKnob, maxmem: nil, slots: 0, vendor: vendors[0], dimms: [], plan: [])) else { return [] }
            // Boot RAM that meets a hole fails whatever the DIMMs do.
            if let below = derived.below4G, context.merged.contains(where: { $0.overlaps(below) }) || !windowsFit(beside: [below], context: context) { return [] }
            for above in vendors.contains(.amd) ? [UInt64(4) << 30, 1 << 40] : [4 << 30] {
                if let range = AddressRange(start: above, size: derived.above4GSize), context.merged.contains(where: { $0.overlaps(range) }) { continue }
                starts.append((above + derived.above4GSize + gib - 1) & ~(gib - 1))
            }
        }
        var scores: [Score] = []
        let planned = vm.plannedDIMMSizes.sorted()
        for deviceStart in starts {
            var arrangement: [(address: UInt64, size: UInt64, cold: Bool)] = []
            arrange(from: deviceStart, coldLeft: coldCount, coldBytes: coldBytes, planned: planned, arrangement: &arrangement, context: context) { items in
                if let score = evaluate(boot: boot, lowKnob: lowKnob, items: items, relocate: !isVirt && deviceStart >= 1 << 40, context: context) { scores.append(score) }
            }
        }
        return scores
    }

    /// Calls `visit` with every arrangement of the remaining items from `cursor` upward.
    func arrange(
        from cursor: UInt64, coldLeft: Int, coldBytes: UInt64, planned: [UInt64],
        arrangement: inout [(address: UInt64, size: UInt64, cold: Bool)], context: Context,
        visit: ([(address: UInt64, size: UInt64, cold: Bool)]) -> Void
    ) {
        if coldLeft == 0 && planned.isEmpty { visit(arrangement); return }
        var starts = [cursor] + context.boundaries.filter { $0 > cursor }
        starts = starts.map { ($0 + block - 1) & ~(block - 1) }.filter { $0 < context.cpuLimit }
        starts = Array(Set(starts)).sorted()
        // The next item: a cold DIMM (the last one takes what is left), or one planned size.
        var choices: [(size: UInt64, cold: Bool)] = []
        if coldLeft == 1 { choices.append((coldBytes, true)) }
        if coldLeft > 1 {
            for blocks in 1...(coldBytes / block - UInt64(coldLeft - 1)) { choices.append((blocks * block, true)) }
        }
        for size in Set(planned) { choices.append((size, false)) }
        for start in starts {
            for choice in choices {
                if choice.cold, let previous = arrangement.last, previous.cold, previous.address + previous.size == start { continue }
                guard let range = AddressRange(start: start, size: choice.size), range.last < context.cpuLimit,
                      !context.merged.contains(where: { $0.overlaps(range) }) else { continue }
                var rest = planned
                if !choice.cold, let index = rest.firstIndex(of: choice.size) { rest.remove(at: index) }
                arrangement.append((start, choice.size, choice.cold))
                arrange(from: range.last + 1, coldLeft: choice.cold ? coldLeft - 1 : coldLeft, coldBytes: choice.cold ? coldBytes - choice.size : coldBytes,
                        planned: rest, arrangement: &arrangement, context: context, visit: visit)
                arrangement.removeLast()
            }
        }
    }

    /// Derives the map for these knobs with the smallest maxmem that holds them, checks it against
    /// every host, and scores it.
    func evaluate(boot: UInt64, lowKnob: UInt64?, items: [(address: UInt64, size: UInt64, cold: Bool)], relocate: Bool, context: Context) -> Score? {
        let dimms = items.filter(\.cold).enumerated().map { DIMM(id: "j\($0.offset)", address: $0.element.address, size: $0.element.size) }
        let plan = items.filter { !$0.cold }.enumerated().map { DIMM(id: "p\($0.offset)", address: $0.element.address, size: $0.element.size) }
        let slots = vm.slots + items.count
        let needed = boot + items.reduce(0) { $0 + $1.size } + vm.userHotplugBytes
        var maxmem = needed
        if relocate {
            // The smallest maxmem, in QEMU's 2 MiB steps, for which QEMU relocates RAM to 1 TiB.
            guard let found = smallestRelocating(from: maxmem, boot: boot, lowKnob: lowKnob, slots: slots) else { return nil }
            maxmem = found
        }
        // Grow maxmem by what the last item overshoots device memory (found from an empty
        // derivation; growing it keeps a relocation, which only needs the map to be large).
        if let end = items.map({ $0.address + $0.size }).max(), let deviceEnd = deviceMemoryEnd(boot: boot, lowKnob: lowKnob, maxmem: maxmem, slots: slots, vendor: relocate ? .amd : vendors[0]), end > deviceEnd {
            maxmem += (end - deviceEnd + unit - 1) & ~(unit - 1)
        }
        var regions: [GuestRegion] = []
        var top: UInt64 = 0
        var low: UInt64 = 0
        var away = 0
        if isVirt {
            guard let derived = try? VirtModel.derive(virtKnobs(boot: boot, maxmem: maxmem > boot ? maxmem : nil, slots: slots, dimms: dimms, plan: plan)) else { return nil }
            regions = VirtModel.regions(of: derived, gicVersion: 3, p2p: false)
            top = derived.highestGPA
        } else {
            var maps: [[GuestRegion]] = []
            for vendor in vendors {
                guard let derived = try? PCMachineModel.derive(pcKnobs(boot: boot, lowKnob: lowKnob, maxmem: maxmem > boot ? maxmem : nil, slots: slots, vendor: vendor, dimms: dimms, plan: plan)),
                      derived.relocatedAbove1TiB == relocate, derived.maxUsedGPA < context.cpuLimit else { return nil }
                maps.append(PCMachineModel.regions(of: derived, chipset: vm.machine == .pc ? .i440fx : .q35, p2p: false).filter { $0.name != "amd-ht-reserved" })
                top = derived.maxUsedGPA
                low = derived.below4GSize
            }
            guard maps.allSatisfy({ $0 == maps[0] }) else { return nil }
            regions = maps[0]
            away = lowKnob == nil ? 0 : 1
        }
        let targets = regions.filter(\.isDMATarget).map(\.range)
        guard !targets.contains(where: { target in context.merged.contains { $0.overlaps(target) } }) else { return nil }
        guard windowsFit(beside: targets, context: context) else { return nil }
        let knobs = "boot \(Hex.format(boot)) low \(lowKnob.map(Hex.format) ?? "-") maxmem \(Hex.format(maxmem)) slots \(slots) dimms \(dimms.map { "\(Hex.format($0.address))+\(Hex.format($0.size))" }) plan \(plan.map { "\(Hex.format($0.address))+\(Hex.format($0.size))" })"
        return Score(dimms: dimms.count, boot: boot, top: top, awayFromDefaults: away, low: low, knobs: knobs)
    }

    /// Each host's window has a place clear of `targets`.
    func windowsFit(beside targets: [AddressRange], context: Context) -> Bool {
        context.windows.allSatisfy { places in places.contains { place in !targets.contains { $0.overlaps(place) } } }
    }

    func deviceMemoryEnd(boot: UInt64, lowKnob: UInt64?, maxmem: UInt64, slots: Int, vendor: CPUVendor) -> UInt64? {
        let key = "\(boot) \(lowKnob ?? 0) \(maxmem) \(slots) \(vendor)"
        if let known = memo.deviceEnd[key] { return known }
        let end = derivedDeviceMemoryEnd(boot: boot, lowKnob: lowKnob, maxmem: maxmem, slots: slots, vendor: vendor)
        memo.deviceEnd[key] = end
        return end
    }

    func derivedDeviceMemoryEnd(boot: UInt64, lowKnob: UInt64?, maxmem: UInt64, slots: Int, vendor: CPUVendor) -> UInt64? {
        if isVirt {
            return (try? VirtModel.derive(virtKnobs(boot: boot, maxmem: maxmem, slots: slots, dimms: [], plan: [])))?.deviceMemory.map { $0.last + 1 }
        }
        return (try? PCMachineModel.derive(pcKnobs(boot: boot, lowKnob: lowKnob, maxmem: maxmem, slots: slots, vendor: vendor, dimms: [], plan: [])))?.deviceMemory.map { $0.last + 1 }
    }

    /// QEMU relocates for every maxmem from a threshold up (the map only grows with it).
    func smallestRelocating(from maxmem: UInt64, boot: UInt64, lowKnob: UInt64?, slots: Int) -> UInt64? {
        let key = "\(boot) \(lowKnob ?? 0) \(slots)"
        let threshold: UInt64?
        if let known = memo.relocating[key] {
            threshold = known
        } else {
            threshold = relocationThreshold(from: boot, boot: boot, lowKnob: lowKnob, slots: slots)
            memo.relocating[key] = threshold
        }
        return threshold.map { max($0, maxmem) }
    }

    func relocationThreshold(from maxmem: UInt64, boot: UInt64, lowKnob: UInt64?, slots: Int) -> UInt64? {
        func relocates(_ value: UInt64) -> Bool {
            (try? PCMachineModel.derive(pcKnobs(boot: boot, lowKnob: lowKnob, maxmem: value, slots: slots, vendor: .amd, dimms: [], plan: [])))?.relocatedAbove1TiB ?? false
        }
        if relocates(maxmem) { return maxmem }
        var low = maxmem, high = maxmem + (2 << 40)
        guard relocates(high) else { return nil }
        while high - low > unit {
            let middle = low + ((high - low) / 2 & ~(unit - 1))
            if middle == low { break }
            if relocates(middle) { high = middle } else { low = middle }
        }
        return high
    }

    func pcKnobs(boot: UInt64, lowKnob: UInt64?, maxmem: UInt64?, slots: Int, vendor: CPUVendor, dimms: [DIMM], plan: [DIMM]) -> PCMachineKnobs {
        PCMachineKnobs(chipset: vm.machine == .pc ? .i440fx : .q35, ramSize: boot, maxRamBelow4G: lowKnob, maxmem: maxmem, slots: slots,
                       physBits: 52, vendor: vendor, dimmAlignment: unit, dimms: dimms, hotplugPlan: plan)
    }

    func virtKnobs(boot: UInt64, maxmem: UInt64?, slots: Int, dimms: [DIMM], plan: [DIMM]) -> VirtKnobs {
        VirtKnobs(ramSize: boot, maxmem: maxmem, slots: slots, ipaBits: hosts.map(\.cpuPhysBits).min() ?? 40, dimmAlignment: unit, dimms: dimms, hotplugPlan: plan)
    }

    static func merge(_ ranges: [AddressRange]) -> [AddressRange] {
        var merged: [AddressRange] = []
        for range in ranges.sorted(by: { $0.start < $1.start }) {
            if let last = merged.last, last.last == .max || range.start <= last.last + 1 {
                merged[merged.count - 1] = AddressRange(start: last.start, last: max(last.last, range.last))!
            } else {
                merged.append(range)
            }
        }
        return merged
    }
}
