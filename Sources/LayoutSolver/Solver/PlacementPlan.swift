/// One way QEMU's pc/q35 derivation can go, fixed before the MIP runs: where above-4G RAM starts
/// and which branch of QEMU's low-RAM rule applies. The MIP is linear inside a scenario.
struct PlacementScenario: Equatable, CustomStringConvertible {
    enum Regime: Equatable {
        /// q35, boot RAM below 2.75 GiB: QEMU's low RAM default is 2.75 GiB.
        case q35Small
        /// q35, boot RAM of 2.75 GiB or more: QEMU's low RAM default is 2 GiB.
        case q35Large
        /// pc, RAM split around 4 GiB: at most 3 GiB below (gigabyte_align).
        case i440fxSplit
        /// pc, all boot RAM below 4 GiB (max-ram-below-4g above the RAM size, possibly raised).
        case i440fxAllLow
        /// Arm virt: one piece of boot RAM from 1 GiB, nothing below it.
        case virt

        var summary: String {
            switch self {
            case .q35Small: return "boot RAM < 2.75 GiB"
            case .q35Large: return "boot RAM >= 2.75 GiB"
            case .i440fxSplit: return "at most 3 GiB below 4 GiB"
            case .i440fxAllLow: return "all boot RAM below 4 GiB"
            case .virt: return "boot RAM from 1 GiB"
            }
        }
    }

    var aboveStart: UInt64
    var regime: Regime
    /// The highest address any part of the guest map may reach (exclusive).
    var ceiling: UInt64

    var description: String {
        "above-4g at \(Hex.format(aboveStart)), \(regime.summary), ceiling \(Hex.format(ceiling))"
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

/// The numbers the placement MIP is built from, in bytes; the MIP itself works in `unit`s.
struct PlacementInput {
    var scenario: PlacementScenario
    var unit: UInt64
    /// DIMMs are sized and placed on this boundary (a multiple of `unit`).
    var dimmUnit: UInt64
    var totalRAM: UInt64
    /// Low RAM bounds (bytes): it must end at or below the first hole, and with p2p above the last hole under 4 GiB.
    var lowMin: UInt64
    var lowMax: UInt64
    /// x86 guests always have RAM at address 0; Arm virt has none below its RAM base.
    var hasLowRAM = true
    /// Room for above-4G boot RAM from `scenario.aboveStart` up to the first hole.
    var aboveCapacity: UInt64
    var gaps: [DIMMGap]
}

/// The MIP's answer for one scenario, in bytes.
struct PlacementAnswer: Equatable {
    var below: UInt64
    var above: UInt64
    /// (gap index in `PlacementInput.gaps`, size) for each DIMM, in gap order.
    var dimms: [(gap: Int, size: UInt64)]

    static func == (lhs: PlacementAnswer, rhs: PlacementAnswer) -> Bool {
        lhs.below == rhs.below && lhs.above == rhs.above && lhs.dimms.map(\.gap) == rhs.dimms.map(\.gap) && lhs.dimms.map(\.size) == rhs.dimms.map(\.size)
    }
}
