import LayoutCore

/// What a machine's planner provides so the shared search (MIP, derivation, exact check, ceiling
/// tightening, in LayoutPlacement) can run it: the scenarios to try, the MIP's inputs for each,
/// the knobs for an answer, and the reasons when nothing fits. Nothing here calls a solver.
package protocol MachinePlanner {
    /// What a scenario fixes besides the placement (x86: the vCPU vendors, the 64-bit hole, QEMU's branch).
    associatedtype Variant

    var fleet: Fleet { get }
    var spec: VMSpec { get }
    /// The placement granule: 2 MiB, or the hugepage size.
    var unit: UInt64 { get }

    /// Refusals that need no search (a window the machine cannot move over a host hole).
    func precheck() throws
    /// The scenarios, in tiers: the search keeps the best layout of the first tier that has one.
    func searchTiers() -> [[(scenario: PlacementScenario, variant: Variant)]]
    /// Bytes the map needs above the RAM the MIP places: PCI holes, hotplug room, slot alignment.
    func roomAboveRAM(_ variant: Variant) throws -> UInt64
    /// The MIP's inputs, or nil when RAM cannot start where QEMU puts it.
    func planInput(scenario: PlacementScenario, variant: Variant, ramCeiling: UInt64) -> PlacementInput?
    /// Knobs for the MIP's answer, placed by QEMU's derivation.
    func realize(_ answer: PlacementAnswer, input: PlacementInput, variant: Variant) -> Result<GuestLayout, RealizeFailure>
    /// How many knobs the layout sets away from QEMU's defaults (the last objective).
    func awayFromDefaults(_ layout: GuestLayout) -> UInt64
    /// Why no layout exists, in numbers, given every scenario's failure.
    func explain(_ failures: [NoLayoutExists.Conflict]) -> NoLayoutExists
}

/// A scenario's answer cannot be turned into knobs QEMU accepts, and why.
package struct RealizeFailure: Error {
    package let message: String
    package init(_ message: String) { self.message = message }

    /// Runs a realization: QEMU's refusals and arithmetic errors become the failure's reason.
    package static func catching(_ body: () throws -> GuestLayout) -> Result<GuestLayout, RealizeFailure> {
        do {
            return .success(try body())
        } catch let failure as RealizeFailure {
            return .failure(failure)
        } catch let rejection as QEMURejection {
            return .failure(RealizeFailure(rejection.message))
        } catch {
            return .failure(RealizeFailure(String(describing: error)))
        }
    }
}

extension MachinePlanner {
    /// The documented objective across scenarios: fewest DIMMs, most boot RAM, lowest top, fewest
    /// knobs away from QEMU's defaults, most RAM at address 0 (QEMU's own low-RAM size).
    package func objective(of layout: GuestLayout) -> [UInt64] {
        let low = layout.regions.first { $0.kind == .ram && $0.range.start == 0 }?.range.size ?? 0
        return [UInt64(layout.dimmCount), UInt64.max - layout.bootRAM, layout.topAddress, awayFromDefaults(layout), UInt64.max - low]
    }

    /// Free gaps from `bound` (where device memory can start at the latest) up to `ceiling`,
    /// aligned to the memory block: where one cold DIMM each, and planned DIMMs, can go.
    package func dimmGaps(from bound: UInt64, below ceiling: UInt64, block: UInt64) -> [DIMMGap] {
        guard bound < ceiling else { return [] }
        var gaps: [DIMMGap] = []
        for gap in fleet.forbidden.gaps(within: AddressRange(spanning: bound, ceiling - 1)) {
            guard let start = try? gap.start.alignedUp(block) else { continue }
            let end = (gap.end ?? UInt64.max).alignedDown(block)
            guard end > start, end - start >= block else { continue }
            gaps.append(DIMMGap(gap: gap, start: start, capacity: end - start))
        }
        return gaps
    }

    /// The room after the RAM above the first hole, from `aboveStart` to the first hole after it
    /// (below `ceiling`), where device memory begins once that RAM ends; nil when it holds no block.
    package func roomAfterAboveRAM(aboveStart: UInt64, ceiling: UInt64, block: UInt64) -> DIMMGap? {
        let forbidden = fleet.forbidden
        guard aboveStart < ceiling, !forbidden.contains(aboveStart), let start = try? aboveStart.alignedUp(block) else { return nil }
        let gapEnd = min(forbidden.firstAddress(atOrAfter: aboveStart) ?? .max, ceiling)
        let end = gapEnd.alignedDown(block)
        guard end > start, end - start >= block else { return nil }
        return DIMMGap(gap: AddressRange(spanning: aboveStart, gapEnd - 1), start: start, capacity: end - start, followsAboveRAM: true)
    }

    /// Where DIMMs can go: the room after the RAM above the first hole (first, when it holds a
    /// block), then every free gap from `deviceMemoryBound` up to `ceiling` that is not that room.
    package func memoryDeviceGaps(aboveStart: UInt64, deviceMemoryBound: UInt64, ceiling: UInt64, block: UInt64) -> [DIMMGap] {
        let room = roomAfterAboveRAM(aboveStart: aboveStart, ceiling: ceiling, block: block)
        let later = dimmGaps(from: deviceMemoryBound, below: ceiling, block: block).filter { gap in room.map { !$0.gap.overlaps(gap.gap) } ?? true }
        return (room.map { [$0] } ?? []) + later
    }

    /// Addresses for the MIP's DIMMs: in each gap the cold DIMM first, then the planned DIMMs the
    /// MIP put there in plan order, from the gap's start (or where device memory starts, if later).
    /// - Returns: the cold DIMMs by address, and the planned ones in plan order.
    package func placeMemoryDevices(_ answer: PlacementAnswer, input: PlacementInput, from deviceMemoryStart: UInt64) throws -> (cold: [DIMM], planned: [DIMM]) {
        let block = input.dimmUnit
        var cold: [DIMM] = []
        var planned = [DIMM?](repeating: nil, count: input.planned.count)
        for (gapIndex, gap) in input.gaps.enumerated() {
            let pieces = answer.dimms.filter { $0.gap == gapIndex }.map { (id: Optional<Int>.none, size: $0.size) }
                + answer.planned.indices.filter { answer.planned[$0] == gapIndex }.map { (id: Optional($0), size: input.planned[$0]) }
            guard !pieces.isEmpty else { continue }
            let first = gap.followsAboveRAM ? (answer.afterAboveStart ?? deviceMemoryStart) : gap.start
            var cursor = try max(first, deviceMemoryStart).alignedUp(block)
            for piece in pieces {
                guard let range = AddressRange(start: cursor, size: piece.size), gap.gap.contains(range), range.last < input.scenario.ceiling else {
                    throw RealizeFailure("a DIMM of \(ByteCount.format(piece.size)) does not fit in gap \(gap.gap) after device memory starts at \(Hex.format(deviceMemoryStart))")
                }
                if let index = piece.id {
                    planned[index] = DIMM(id: "ls-hp\(index)", address: cursor, size: piece.size)
                } else {
                    cold.append(DIMM(id: "ls-dimm\(cold.count)", address: cursor, size: piece.size))
                }
                cursor = try cursor.checkedAdd(piece.size)
            }
        }
        let plan = planned.compactMap { $0 }
        guard plan.count == input.planned.count else { throw RealizeFailure("a planned hot-add DIMM has no gap") }
        return (cold, plan)
    }

    /// `maxmem`: boot RAM, the DIMMs and the user's hotplug room, padded so that device memory
    /// (which QEMU sizes from maxmem and slots) reaches past the last DIMM.
    package func maxmemCovering(_ dimms: [DIMM], boot: UInt64, deviceMemoryStart: UInt64, slots: Int) throws -> UInt64 {
        let dimmBytes = dimms.reduce(UInt64(0)) { $0 + $1.size }
        var maxmem = try boot.checkedAdd(dimmBytes).checkedAdd(spec.userHotplugBytes)
        if let last = dimms.max(by: { $0.address < $1.address }) {
            let lastEnd = try last.address.checkedAdd(last.size)
            let deviceMemoryEnd = try deviceMemoryStart.checkedAdd(maxmem - boot).checkedAdd(UInt64(slots) * Sizes.gib)
            if lastEnd > deviceMemoryEnd { maxmem = try maxmem.checkedAdd((lastEnd - deviceMemoryEnd).alignedUp(unit)) }
        }
        return maxmem
    }
}
