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

    package init(aboveStart: UInt64, regime: String, ceiling: UInt64) {
        self.aboveStart = aboveStart
        self.regime = regime
        self.ceiling = ceiling
    }

    package var description: String {
        "above-4g at \(Hex.format(aboveStart)), \(regime), ceiling \(Hex.format(ceiling))"
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
}

/// The MIP's answer for one scenario, in bytes.
package struct PlacementAnswer: Equatable {
    package var below: UInt64
    package var above: UInt64
    /// (gap index in `PlacementInput.gaps`, size) for each DIMM, in gap order.
    package var dimms: [(gap: Int, size: UInt64)]

    package static func == (lhs: PlacementAnswer, rhs: PlacementAnswer) -> Bool {
        lhs.below == rhs.below && lhs.above == rhs.above && lhs.dimms.map(\.gap) == rhs.dimms.map(\.gap) && lhs.dimms.map(\.size) == rhs.dimms.map(\.size)
    }

    package init(below: UInt64, above: UInt64, dimms: [(gap: Int, size: UInt64)]) {
        self.below = below
        self.above = above
        self.dimms = dimms
    }
}
