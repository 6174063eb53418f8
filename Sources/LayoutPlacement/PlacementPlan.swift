import LayoutCore
import LayoutMachines
/// One way QEMU's pc/q35 derivation can go, fixed before the MIP runs: where above-4G RAM starts
/// and which branch of QEMU's low-RAM rule applies. The MIP is linear inside a scenario.
package struct PlacementScenario: Equatable, CustomStringConvertible {
    package enum Regime: Equatable {
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

        package var summary: String {
            switch self {
            case .q35Small: return "boot RAM < 2.75 GiB"
            case .q35Large: return "boot RAM >= 2.75 GiB"
            case .i440fxSplit: return "at most 3 GiB below 4 GiB"
            case .i440fxAllLow: return "all boot RAM below 4 GiB"
            case .virt: return "boot RAM from 1 GiB"
            }
        }
    }

    package var aboveStart: UInt64
    package var regime: Regime
    /// The highest address any part of the guest map may reach (exclusive).
    package var ceiling: UInt64

    package var description: String {
        "above-4g at \(Hex.format(aboveStart)), \(regime.summary), ceiling \(Hex.format(ceiling))"
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
}
