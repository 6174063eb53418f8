/// One way QEMU's q35 derivation can go, fixed before the MIP runs: where above-4G RAM starts
/// and which of QEMU's two low-RAM defaults applies. The MIP is linear inside a scenario.
struct Q35Scenario: Equatable, CustomStringConvertible {
    enum Regime: Equatable {
        /// Boot RAM below 2.75 GiB: QEMU's low RAM default is 2.75 GiB.
        case small
        /// Boot RAM of 2.75 GiB or more: QEMU's low RAM default is 2 GiB.
        case large
    }

    var aboveStart: UInt64
    var regime: Regime
    /// The highest address any part of the guest map may reach (exclusive).
    var ceiling: UInt64

    var description: String {
        "above-4g at \(Hex.format(aboveStart)), \(regime == .small ? "boot RAM < 2.75 GiB" : "boot RAM >= 2.75 GiB"), ceiling \(Hex.format(ceiling))"
    }
}

/// A free gap above 4 GiB where one solver DIMM can go: at most one per gap is ever needed,
/// because RAM is interchangeable and a DIMM can take any size the gap holds.
struct DIMMGap: Equatable {
    var gap: AddressRange
    /// The first usable, aligned address: never below where device memory can start.
    var start: UInt64
    /// Bytes a DIMM can use here, aligned.
    var capacity: UInt64
}

/// The numbers the q35 MIP is built from, in bytes; the MIP itself works in `unit`s.
struct Q35PlanInput {
    var scenario: Q35Scenario
    var unit: UInt64
    var totalRAM: UInt64
    /// Low RAM bounds (bytes): it must end at or below the first hole, and with p2p above the last hole under 4 GiB.
    var lowMin: UInt64
    var lowMax: UInt64
    /// Room for above-4G boot RAM from `scenario.aboveStart` up to the first hole.
    var aboveCapacity: UInt64
    var gaps: [DIMMGap]
}

/// The MIP's answer for one scenario, in bytes.
struct Q35PlanAnswer: Equatable {
    var below: UInt64
    var above: UInt64
    /// (gap index in `Q35PlanInput.gaps`, size) for each DIMM, in gap order.
    var dimms: [(gap: Int, size: UInt64)]

    static func == (lhs: Q35PlanAnswer, rhs: Q35PlanAnswer) -> Bool {
        lhs.below == rhs.below && lhs.above == rhs.above && lhs.dimms.map(\.gap) == rhs.dimms.map(\.gap) && lhs.dimms.map(\.size) == rhs.dimms.map(\.size)
    }
}
