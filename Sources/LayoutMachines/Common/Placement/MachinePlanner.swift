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
    package func objective(of layout: GuestLayout) -> [UInt64] {
        [UInt64(layout.dimmCount), UInt64.max - layout.bootRAM, layout.topAddress, awayFromDefaults(layout)]
    }

    /// DIMMs are sized and placed on 1 GiB boundaries (or the hugepage size, if larger): Linux
    /// onlines hot-plugged memory only in whole memory blocks (128 MiB to 2 GiB on x86_64, up to
    /// 1 GiB sections on older arm64 kernels), and QEMU itself reserves 1 GiB per slot for this.
    package var dimmUnit: UInt64 { max(unit, Sizes.gib) }

    /// Free gaps from `bound` (where device memory can start at the latest) up to `ceiling`,
    /// aligned to the DIMM granule: where one DIMM each can go.
    package func dimmGaps(from bound: UInt64, below ceiling: UInt64) -> [DIMMGap] {
        guard bound < ceiling else { return [] }
        var gaps: [DIMMGap] = []
        for gap in fleet.forbidden.gaps(within: AddressRange(spanning: bound, ceiling - 1)) {
            guard let start = try? gap.start.alignedUp(dimmUnit) else { continue }
            let end = (gap.end ?? UInt64.max).alignedDown(dimmUnit)
            guard end > start, end - start >= dimmUnit else { continue }
            gaps.append(DIMMGap(gap: gap, start: start, capacity: end - start))
        }
        return gaps
    }

    /// DIMM addresses for the MIP's sizes: each in its gap, after device memory starts and after the one before.
    package func placeDIMMs(_ answer: PlacementAnswer, input: PlacementInput, from deviceMemoryStart: UInt64) throws -> [DIMM] {
        var cursor = deviceMemoryStart
        var dimms: [DIMM] = []
        for (index, piece) in answer.dimms.enumerated() {
            let gap = input.gaps[piece.gap]
            let address = try max(gap.start, cursor).alignedUp(dimmUnit)
            guard let range = AddressRange(start: address, size: piece.size), gap.gap.contains(range) else {
                throw RealizeFailure("DIMM of \(ByteCount.format(piece.size)) does not fit in gap \(gap.gap) after device memory starts")
            }
            dimms.append(DIMM(id: "ls-dimm\(index)", address: address, size: piece.size))
            cursor = try address.checkedAdd(piece.size)
        }
        return dimms
    }

    /// Room the hot-add plan needs above the RAM: its DIMMs.
    package var plannedHotplugBytes: UInt64 {
        spec.plannedDIMMSizes.reduce(UInt64(0)) { $0 &+ $1 }
    }

    /// Addresses for the planned hot-add DIMMs: first fit after the cold DIMMs, on the DIMM
    /// granule, clear of every host hole, below `ceiling`.
    package func planHotplug(after dimms: [DIMM], deviceMemoryStart: UInt64, ceiling: UInt64) throws -> [DIMM] {
        var cursor = try dimms.last.map { try $0.address.checkedAdd($0.size) } ?? deviceMemoryStart
        var plan: [DIMM] = []
        for (index, size) in spec.plannedDIMMSizes.enumerated() {
            var address = try cursor.alignedUp(dimmUnit)
            while true {
                guard let range = AddressRange(start: address, size: size), range.last < ceiling else {
                    throw RealizeFailure("no room for planned hot-add DIMM \(index) (\(ByteCount.format(size))) clear of every host hole below \(Hex.format(ceiling))")
                }
                guard let clash = fleet.forbidden.overlapping(range).last else { break }
                guard let next = clash.end else { throw RealizeFailure("no room for planned hot-add DIMM \(index) past \(clash)") }
                address = try next.alignedUp(dimmUnit)
            }
            plan.append(DIMM(id: "ls-hp\(index)", address: address, size: size))
            cursor = address + size
        }
        return plan
    }

    /// `maxmem`: boot RAM, the DIMMs and the user's hotplug room, padded so that device memory
    /// (which QEMU sizes from maxmem and slots) reaches past the last DIMM.
    package func maxmemCovering(_ dimms: [DIMM], boot: UInt64, deviceMemoryStart: UInt64, slots: Int) throws -> UInt64 {
        let dimmBytes = dimms.reduce(UInt64(0)) { $0 + $1.size }
        var maxmem = try boot.checkedAdd(dimmBytes).checkedAdd(spec.userHotplugBytes)
        if let last = dimms.last {
            let lastEnd = try last.address.checkedAdd(last.size)
            let deviceMemoryEnd = try deviceMemoryStart.checkedAdd(maxmem - boot).checkedAdd(UInt64(slots) * Sizes.gib)
            if lastEnd > deviceMemoryEnd { maxmem = try maxmem.checkedAdd((lastEnd - deviceMemoryEnd).alignedUp(unit)) }
        }
        return maxmem
    }
}
