import LayoutCore
import LayoutMachines
/// One way a machine's derivation can go, fixed before the MIP runs: where the RAM above the
/// first hole (x86: above-4G RAM) starts, which branch of the machine's rules applies, and how
/// high the map may reach. The MIP is linear inside a scenario.
package struct PlacementScenario: Equatable, CustomStringConvertible {
    package var aboveStart: UInt64
    /// The machine's branch, in words (`boot RAM >= 2.75 GiB`); the machine's variant carries it typed.
    package var regime: String
    /// The highest address any part of the guest map may reach (exclusive).
    package var ceiling: UInt64
    /// The guest memory block DIMMs come in, and the range of boot-RAM ends it holds for.
    package var block: MemoryBlockRule

    package init(aboveStart: UInt64, regime: String, ceiling: UInt64, block: MemoryBlockRule) {
        self.aboveStart = aboveStart
        self.regime = regime
        self.ceiling = ceiling
        self.block = block
    }

    package var description: String {
        "above-4g at \(Hex.format(aboveStart)), \(regime), \(ByteCount.format(block.granule)) memory blocks, ceiling \(Hex.format(ceiling))"
    }
}

/// A free gap above 4 GiB where one solver DIMM can go: at most one per gap is ever needed,
/// because RAM is interchangeable and a DIMM can take any size the gap holds.
package struct DIMMGap: Equatable {
    package var gap: AddressRange
    /// The first usable, aligned address: never below where device memory can start.
    package var start: UInt64
    /// Bytes a DIMM can use here, aligned.
    package var capacity: UInt64
    /// The free room after the RAM above the first hole (above-4G RAM; virt's RAM): device memory
    /// starts at the 1 GiB boundary after that RAM, so where DIMMs here begin is the model's choice.
    package var followsAboveRAM = false
    /// Set for the part of a gap after one window candidate (`WindowRoom.gapsAfterWindows`): DIMMs
    /// go here only when the model puts that window there, before them.
    package var afterWindow: WindowSeat? = nil

    package init(gap: AddressRange, start: UInt64, capacity: UInt64, followsAboveRAM: Bool = false, afterWindow: WindowSeat? = nil) {
        self.gap = gap
        self.start = start
        self.capacity = capacity
        self.followsAboveRAM = followsAboveRAM
        self.afterWindow = afterWindow
    }

    /// The aligned end (exclusive) of the room.
    package var end: UInt64 { start + capacity }
}

/// One candidate place of one programmable window: indices into `PlacementInput.windows` and its
/// `candidates`.
package struct WindowSeat: Equatable, Hashable {
    package var window: Int
    package var candidate: Int

    package init(window: Int, candidate: Int) {
        self.window = window
        self.candidate = candidate
    }
}

/// Where one host's programmable window may go so that the layout leaves it room: each candidate
/// is clear of that host's own holes; the model keeps guest RAM out of at least one of them.
package struct WindowCandidates: Equatable {
    package var host: String
    package var path: String
    package var candidates: [AddressRange]

    package init(host: String, path: String, candidates: [AddressRange]) {
        self.host = host
        self.path = path
        self.candidates = candidates
    }
}

/// The numbers the placement MIP is built from, in bytes; the MIP itself works in `unit`s.
package struct PlacementInput {
    package var scenario: PlacementScenario
    package var unit: UInt64
    /// DIMMs are sized and placed on this boundary (a multiple of `unit`).
    package var dimmUnit: UInt64
    package var totalRAM: UInt64
    /// Low RAM bounds (bytes): it must end at or below the first hole, and with p2p above the last hole under 4 GiB.
    package var lowMin: UInt64
    package var lowMax: UInt64
    /// x86 guests always have RAM at address 0; Arm virt has none below its RAM base.
    package var hasLowRAM = true
    /// Room for above-4G boot RAM from `scenario.aboveStart` up to the first hole.
    package var aboveCapacity: UInt64
    package var gaps: [DIMMGap]
    /// Bounds on all boot RAM (low + above) that the scenario's branch implies, in bytes
    /// (q35 picks its low-RAM default by comparing boot RAM with 0xb0000000).
    package var bootMost: UInt64? = nil
    package var bootLeast: UInt64? = nil
    /// Bounds on the RAM above the first hole (bytes), from the memory-block rule's boot-RAM end.
    package var aboveMost: UInt64? = nil
    package var aboveLeast: UInt64? = nil
    /// The RAM above the first hole leaves this remainder divided by the modulus (bytes), so that
    /// boot RAM ends on the alignment the memory-block rule needs.
    package var aboveModulus: UInt64? = nil
    package var aboveResidues: ClosedRange<UInt64> = 0...0
    /// Planned hot-add DIMM sizes, in plan order: each needs a place in a gap, after that gap's cold DIMM.
    package var planned: [UInt64] = []
    /// How many cold DIMMs QEMU's 256 slots leave room for.
    package var coldDIMMSlots: Int = 256
    /// Each host's programmable windows that the layout must leave room for.
    package var windows: [WindowCandidates] = []

    /// Bounds the RAM above the first hole so boot RAM ends where the scenario's memory-block rule
    /// holds (x86: above-4G RAM decides the end; without it boot RAM ends below 4 GiB).
    /// - Returns: false when no amount of above RAM meets the rule.
    package mutating func applyBootEnd(of rule: MemoryBlockRule) -> Bool {
        let start = scenario.aboveStart
        if let below = rule.bootEndBelow {
            if start >= below {
                aboveMost = 0
                if !hasLowRAM { return false }
            } else {
                aboveMost = min(aboveMost ?? .max, (below - start - 1).alignedDown(unit))
            }
        }
        if let atLeast = rule.bootEndAtLeast {
            let least = atLeast > start ? (try? (atLeast - start).alignedUp(unit)) ?? .max : unit
            aboveLeast = max(aboveLeast ?? 0, least)
            if least > aboveCapacity { return false }
        }
        if let modulus = rule.bootEndModulus {
            // The end is aboveStart + above; x86's starts (4 GiB, 1 TiB) are multiples of every modulus.
            aboveModulus = modulus
            aboveResidues = rule.bootEndResidues
            if start % modulus != 0 || modulus % unit != 0 || aboveResidues.lowerBound % unit != 0 || aboveResidues.upperBound % unit != 0 { return false }
        }
        return true
    }
}

/// The MIP's answer for one scenario, in bytes.
package struct PlacementAnswer: Equatable {
    package var below: UInt64
    package var above: UInt64
    /// (gap index in `PlacementInput.gaps`, size) for each DIMM, in gap order.
    package var dimms: [(gap: Int, size: UInt64)]
    /// The gap index of each planned hot-add DIMM, in plan order.
    package var planned: [Int]
    /// Where DIMMs in the room after the above RAM begin (a gap with `followsAboveRAM`), when any go there.
    package var afterAboveStart: UInt64?

    package static func == (lhs: PlacementAnswer, rhs: PlacementAnswer) -> Bool {
        lhs.below == rhs.below && lhs.above == rhs.above && lhs.dimms.map(\.gap) == rhs.dimms.map(\.gap) && lhs.dimms.map(\.size) == rhs.dimms.map(\.size)
            && lhs.planned == rhs.planned && lhs.afterAboveStart == rhs.afterAboveStart
    }

    package init(below: UInt64, above: UInt64, dimms: [(gap: Int, size: UInt64)], planned: [Int] = [], afterAboveStart: UInt64? = nil) {
        self.below = below
        self.above = above
        self.dimms = dimms
        self.planned = planned
        self.afterAboveStart = afterAboveStart
    }
}
