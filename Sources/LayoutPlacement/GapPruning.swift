import LayoutCore
import LayoutMachines
/// Which free gaps can hold a DIMM in an optimal layout, found without GLPK.
///
/// The MIP has a binary per free gap, and GLPK's time grows much faster than the gap count: a VM
/// against 2,000 usable 1 GiB gaps took 8 s, against 10,000 it found nothing in 60 s, although the
/// answer uses one DIMM in the one gap that can hold it. RAM is interchangeable, so the first three
/// stages have combinatorial bounds: at least `dimms` DIMMs (largest gaps first), at most `boot`
/// units of boot RAM, so exactly `dimmRAM` DIMM units to place; a gap too small to hold its share
/// next to the `dimms - 1` largest others is in no such solution, and no solution reaches below
/// `top`. The MIP is solved over the remaining gaps, `kept`, first. An answer that meets all three
/// bounds is optimal over every gap: a subset cannot do better than the whole, and the whole cannot
/// beat the bounds. The later stages then only see gaps that are in `kept` anyway, and the
/// tie-break weighs each gap by its original index, so the answer is the full model's. An answer
/// that misses a bound sends the search to the full model, as before. Any solution has at least
/// `dimmRAM` DIMM units, so when the model's least boot RAM exceeds `boot` there is none at all.
///
/// The bounds only need to be valid, not tight: a constraint the model adds can only make the true
/// optima worse than these, which costs a second solve, never a different answer.
package struct GapBound: Equatable {
    /// At least this many DIMMs in any solution (stage 1).
    package var dimms: Int
    /// At most this much boot RAM, in placement units, in any solution (stage 2): every solution
    /// places at least `dimmRAM` DIMM units. With `dimms`, a cut PlacementMIP adds to every model.
    package var boot: UInt64
    /// No such solution has its highest DIMM below gap `top - 1` (stage 3).
    package var top: Int
    /// Indices of the gaps below `top` that can hold a DIMM in such a solution, ascending.
    package var kept: [Int]
    /// Boot RAM cannot reach the model's lower bound (its `low` bound and q35's large-guest row)
    /// with even the least DIMM RAM, so no gap choice is feasible.
    package var isInfeasible: Bool

    package init?(_ input: PlacementInput) {
        let unit = input.unit
        let ratio = input.dimmUnit / unit
        guard ratio > 0 else { return nil }
        let total = input.totalRAM / unit
        // The model's own bounds on `low` and `above` and its regime row.
        var bootMost = (input.hasLowRAM ? input.lowMax / unit : 0) + min(input.aboveCapacity / unit, total)
        if let most = input.bootMost { bootMost = min(bootMost, most / unit) }
        bootMost = min(bootMost, total)
        // DIMM RAM counts in DIMM units of `ratio` placement units each, at least one per DIMM.
        let most = input.gaps.map { min($0.capacity / input.dimmUnit, total / ratio) }
        let largest = most.sorted(by: >)
        var dimmRAM = (total - bootMost + ratio - 1) / ratio
        var dimms = 0
        var held: UInt64 = 0
        while held < dimmRAM {
            guard dimms < largest.count, largest[dimms] > 0 else { return nil }
            held += largest[dimms]
            dimms += 1
        }
        dimmRAM = max(dimmRAM, UInt64(dimms))
        guard dimmRAM * ratio <= total else { return nil }
        self.dimms = dimms
        self.boot = total - dimmRAM * ratio
        var bootLeast = max((input.lowMin + unit - 1) / unit, input.hasLowRAM ? 1 : 0)
        if let least = input.bootLeast { bootLeast = max(bootLeast, (least + unit - 1) / unit) }
        self.isInfeasible = bootLeast > boot
        guard dimms > 0 else {
            self.top = 0
            self.kept = []
            return
        }
        // With the other DIMMs in the dimms - 1 largest gaps, a gap must hold at least the rest.
        let others = largest.prefix(dimms - 1).reduce(0, +)
        let share = max(1, dimmRAM > others ? dimmRAM - others : 1)
        // The first prefix whose `dimms` largest gaps hold `dimmRAM`: a min-heap of the largest.
        var heap = MinHeap()
        var sum: UInt64 = 0
        var top = 0
        var kept: [Int] = []
        for (index, size) in most.enumerated() {
            if size >= share { kept.append(index) }
            heap.push(size)
            sum += size
            if heap.count > dimms { sum -= heap.popMin() }
            if heap.count == dimms && sum >= dimmRAM {
                top = index + 1
                break
            }
        }
        guard top > 0 else { return nil }
        self.top = top
        self.kept = kept
    }

    /// Whether `answer`, with gap indices of the full input, meets every bound, and so is optimal
    /// over all gaps.
    package func isMet(by answer: PlacementAnswer, unit: UInt64) -> Bool {
        answer.dimms.count == dimms && (answer.below + answer.above) / unit == boot
            && ((answer.dimms.map(\.gap) + answer.planned).max().map { $0 + 1 } ?? 0) == top
    }
}

package struct MinHeap {
    private var values: [UInt64] = []
    package var count: Int { values.count }

    package mutating func push(_ value: UInt64) {
        values.append(value)
        var child = values.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard values[child] < values[parent] else { break }
            values.swapAt(child, parent)
            child = parent
        }
    }

    package mutating func popMin() -> UInt64 {
        let minimum = values[0]
        let last = values.removeLast()
        guard !values.isEmpty else { return minimum }
        values[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < values.count && values[left] < values[smallest] { smallest = left }
            if right < values.count && values[right] < values[smallest] { smallest = right }
            if smallest == parent { break }
            values.swapAt(parent, smallest)
            parent = smallest
        }
        return minimum
    }
}
