import LayoutCore
import LayoutMachines
/// The pc/q35 placement as a GLPK MIP, solved in lexicographic stages.
///
/// Every placement choice of one scenario is made here, together: boot RAM below and above the
/// first hole, the cold DIMMs, the planned hot-add DIMMs and room for every host's programmable
/// windows. Variables count small exact integers: `low` and `above` in placement units, DIMM
/// sizes in memory blocks (`q` is boot RAM in blocks, so the block granularity is explicit and
/// branch and bound branches on it), per free gap a binary `use`, per planned DIMM and gap a
/// binary `at`, per window candidate a binary `room`. No coordinates and no ordering binaries:
/// RAM fills each region from its fixed start, positions follow from QEMU's derivation and are
/// computed afterwards in UInt64 (GLPKNumerics.md in LayoutSolver.docc explains why coordinate
/// and big-M ordering models are inexact or slow in GLPK). The one coordinate is `dev`, where
/// DIMMs after the above RAM begin, in 1 GiB (or block) units.
///
/// Stages, each fixing the optimum of the one before:
/// 1. fewest cold DIMMs (they need ACPI memory hotplug in the guest; boot RAM does not);
/// 2. most boot RAM;
/// 3. lowest top: the highest gap used by any DIMM, then the least RAM in it (no DIMM: the least above 4 GiB);
/// 4. closest to QEMU's default: the most RAM below 4 GiB (QEMU's own low-RAM size);
/// 5. deterministic tie-break: DIMM RAM, and planned DIMMs, in the lowest gaps first.
package struct PlacementMIP {
    package struct Statistics: Equatable, Sendable {
        package var rows = 0
        package var columns = 0
        package var binaries = 0
        package var solves = 0
        package var glpkSeconds = 0.0
        package var timedOut = false
        /// The largest relative gap of a stage that stopped at the time limit with an incumbent.
        package var worstGap: Double?
    }

    package enum Outcome {
        case solved(PlacementAnswer)
        case infeasible
    }

    package let input: PlacementInput
    package let options: MIPOptions
    /// The solver behind the model: GLPK unless a test puts another one in.
    package var backend: any MIPBackend = GLPKMIPBackend()
    /// When the whole solve must end; each GLPK call gets at most what is left.
    package var deadline: SolveDeadline? = nil
    /// Solve over the gaps that can matter first (see GapBound); off only to test that it changes nothing.
    package var pruneGaps = true
    /// Each gap's index in the full input, when this model holds only some of its gaps.
    package var gapRanks: [Int]? = nil

    package func solve(statistics: inout Statistics) throws -> Outcome {
        if pruneGaps, let bound = GapBound(input) {
            if bound.isInfeasible { return .infeasible }
            // The bounds are about cold DIMMs and boot RAM, which planned DIMMs and windows only
            // constrain further; an answer meeting them has every DIMM below `top`, so with those
            // the model keeps every gap below `top`, where all optimal answers lie.
            let kept = input.planned.isEmpty && input.windows.isEmpty ? bound.kept : Array(0..<min(bound.top, input.gaps.count))
            if kept.count < input.gaps.count {
                var reduced = input
                reduced.gaps = kept.map { input.gaps[$0] }
                var trial = statistics
                let outcome = try PlacementMIP(input: reduced, options: options, backend: backend, deadline: deadline, pruneGaps: false, gapRanks: kept).solveModel(statistics: &trial)
                if case .solved(let answer) = outcome {
                    let full = PlacementAnswer(
                        below: answer.below, above: answer.above, dimms: answer.dimms.map { (kept[$0.gap], $0.size) },
                        planned: answer.planned.map { kept[$0] }, afterAboveStart: answer.afterAboveStart)
                    if bound.isMet(by: full, unit: input.unit) {
                        statistics = trial
                        return .solved(full)
                    }
                }
                statistics.solves = trial.solves
                statistics.glpkSeconds = trial.glpkSeconds
            }
        }
        return try solveModel(statistics: &statistics)
    }

    private func solveModel(statistics: inout Statistics) throws -> Outcome {
        let unit = input.unit, block = input.dimmUnit
        let totalUnits = input.totalRAM / unit
        var lowMin = (input.lowMin + unit - 1) / unit
        let lowMax = input.hasLowRAM ? input.lowMax / unit : 0
        if input.hasLowRAM { lowMin = max(lowMin, 1) }
        guard lowMin <= lowMax || !input.hasLowRAM else { return .infeasible }
        let ratio = block / unit
        guard ratio > 0, input.planned.allSatisfy({ $0 % block == 0 }) else { return .infeasible }
        let planned = input.planned.map { $0 / block }
        var aboveMost = min(input.aboveCapacity / unit, totalUnits)
        if let most = input.aboveMost { aboveMost = min(aboveMost, most / unit) }
        let aboveLeast = input.aboveLeast.map { ($0 + unit - 1) / unit } ?? 0
        guard aboveLeast <= aboveMost else { return .infeasible }
        let capacity = input.gaps.reduce(lowMax + aboveMost) { $0 + $1.capacity / block * ratio }
        guard capacity >= totalUnits else { return .infeasible }

        var model = MIPModel(sense: .minimize)
        let low = model.addVariable("low", kind: .integer, lower: Double(input.hasLowRAM ? lowMin : 0), upper: Double(lowMax))
        let above = model.addVariable("above", kind: .integer, lower: Double(aboveLeast), upper: Double(aboveMost))
        // Boot RAM is the total less whole blocks of DIMM RAM: `q` blocks plus the remainder.
        let remainder = totalUnits % ratio
        let q = model.addVariable("q", kind: .integer, lower: 0, upper: Double(totalUnits / ratio))
        if let modulus = input.aboveModulus {
            // Boot RAM ends on the alignment the scenario's memory-block rule needs: above = m·k + r.
            let steps = model.addVariable("end-steps", kind: .integer, lower: 0, upper: Double(aboveMost / (modulus / unit) + 1))
            let residue = model.addVariable("end-residue", kind: .integer, lower: Double(input.aboveResidues.lowerBound / unit), upper: Double(input.aboveResidues.upperBound / unit))
            model.addConstraint("boot-end", [(above, 1), (steps, -Double(modulus / unit)), (residue, -1)], lower: 0, upper: 0)
        }
        model.addConstraint("boot-blocks", [(low, 1), (above, 1), (q, -Double(ratio))], lower: Double(remainder), upper: Double(remainder))
        var use: [Int] = [], dimm: [Int] = []
        for (index, gap) in input.gaps.enumerated() {
            let most = min(gap.capacity / block, totalUnits / ratio)
            use.append(model.addVariable("use\(index)", kind: .binary, lower: 0, upper: 1))
            dimm.append(model.addVariable("dimm\(index)", kind: .integer, lower: 0, upper: Double(most)))
            model.addConstraint("cap\(index)", [(dimm[index], 1), (use[index], -Double(most))], upper: 0)
            model.addConstraint("min\(index)", [(dimm[index], 1), (use[index], -1)], lower: 0)
        }
        model.addConstraint("ram", [(q, 1)] + dimm.map { ($0, 1.0) }, lower: Double(totalUnits / ratio), upper: Double(totalUnits / ratio))
        if !use.isEmpty { model.addConstraint("slots", use.map { ($0, 1.0) }, upper: Double(max(0, input.coldDIMMSlots))) }
        // The scenario's branch may bound all boot RAM (q35's low-RAM default depends on it).
        if let most = input.bootMost { model.addConstraint("boot-most", [(low, 1), (above, 1)], upper: Double(most / unit)) }
        if let least = input.bootLeast { model.addConstraint("boot-least", [(low, 1), (above, 1)], lower: Double((least + unit - 1) / unit)) }
        // Cuts that every integer solution meets (see GapBound): without them the LP relaxation
        // spreads DIMM RAM fractionally, and with DIMMs of `ratio` units GLPK spent the whole time
        // limit proving that boot RAM cannot reach the next multiple (512 GiB on 10,000 hosts).
        if let bound = GapBound(input) {
            model.addConstraint("boot-cut", [(low, 1), (above, 1)], upper: Double(bound.boot))
            if bound.dimms > 0 { model.addConstraint("dimm-cut", use.map { ($0, 1.0) }, lower: Double(bound.dimms)) }
        }

        // Planned hot-add DIMMs: each in one gap that can hold it; a gap's cold DIMM and planned
        // DIMMs share its room. Equal sizes are interchangeable, so they go in gap order.
        var at: [[Int: Int]] = []
        for (index, size) in planned.enumerated() {
            var row: [Int: Int] = [:]
            for (gapIndex, gap) in input.gaps.enumerated() where gap.capacity / block >= size {
                row[gapIndex] = model.addVariable("at\(index)-\(gapIndex)", kind: .binary, lower: 0, upper: 1)
            }
            guard !row.isEmpty else { return .infeasible }
            model.addConstraint("planned\(index)", row.values.sorted().map { ($0, 1.0) }, lower: 1, upper: 1)
            at.append(row)
        }
        for later in planned.indices {
            guard let earlier = planned.indices.last(where: { $0 < later && planned[$0] == planned[later] }) else { continue }
            let terms = at[earlier].map { ($0.value, Double($0.key)) } + at[later].map { ($0.value, -Double($0.key)) }
            model.addConstraint("planned-order\(later)", terms.sorted { $0.0 < $1.0 }, upper: 0)
        }
        /// Blocks a gap holds: its cold DIMM and the planned DIMMs in it.
        func used(_ gapIndex: Int) -> [(Int, Double)] {
            [(dimm[gapIndex], 1)] + planned.indices.compactMap { index in at[index][gapIndex].map { ($0, Double(planned[index])) } }
        }
        for gapIndex in input.gaps.indices where !input.gaps[gapIndex].followsAboveRAM && !planned.isEmpty {
            model.addConstraint("fit\(gapIndex)", used(gapIndex), upper: Double(input.gaps[gapIndex].capacity / block))
        }

        // The room after the above RAM: its DIMMs start at `dev` (in blocks), at or after QEMU's
        // device-memory base `base`, the 1 GiB boundary after the above RAM. Later than the base
        // only to leave a window below them, so `dev` comes in blocks, not in GiB.
        let step = block
        var dev: Int?
        var occupied: Int?
        var devLimit: UInt64 = 0
        if let roomIndex = input.gaps.firstIndex(where: \.followsAboveRAM) {
            let room = input.gaps[roomIndex]
            // Bounded by the room itself, so no coefficient grows past the room's size in blocks
            // (GLPKNumerics.md: big-M coefficients above about 2^26 let answers slip).
            // At least the block holding QEMU's base, which the above RAM may push to the GiB
            // boundary past the room's end.
            devLimit = (room.end / Sizes.gib + 1) * Sizes.gib / step + 1
            let start = model.addVariable("dev", kind: .integer, lower: Double(input.scenario.aboveStart / step), upper: Double(devLimit))
            let taken = model.addVariable("occupied", kind: .binary, lower: 0, upper: 1)
            let base = model.addVariable("dev-base", kind: .integer, lower: Double(input.scenario.aboveStart / Sizes.gib), upper: Double(room.end / Sizes.gib + 1))
            model.addConstraint("dev-base", [(base, Double(Sizes.gib / unit)), (above, -1)], lower: Double(input.scenario.aboveStart / unit))
            model.addConstraint("dev-after-base", [(start, Double(step / unit)), (base, -Double(Sizes.gib / unit))], lower: 0)
            let big = Double(devLimit * (step / block))
            model.addConstraint("dev-fit", [(start, Double(step / block)), (taken, big)] + used(roomIndex), upper: Double(room.end / block) + big)
            let most = Double(room.capacity / block)
            model.addConstraint("occupied", [(taken, -most)] + used(roomIndex), upper: 0)
            dev = start
            occupied = taken
        }

        // Programmable windows: at least one candidate per window is clear of guest RAM. RAM fills
        // each region from its fixed start, so "clear" bounds that region's fill (PlacementRules.md).
        var seats: [WindowSeat: [Int]] = [:]
        for (windowIndex, window) in input.windows.enumerated() {
            var choices: [Int] = []
            for (candidateIndex, candidate) in window.candidates.enumerated() {
                let startsAfter = candidate.start, endsAt = candidate.end ?? .max
                let intersectsRoom = input.gaps.first(where: \.followsAboveRAM).map { $0.start < endsAt && startsAfter < $0.end } ?? false
                // Inside the room after the above RAM the window goes after that room's DIMMs or before them.
                for variant in intersectsRoom ? [0, 1] : [0] {
                    let choice = model.addVariable("room\(windowIndex)-\(candidateIndex)-\(variant)", kind: .binary, lower: 0, upper: 1)
                    choices.append(choice)
                    seats[WindowSeat(window: windowIndex, candidate: candidateIndex), default: []].append(choice)
                    if input.hasLowRAM, startsAfter < input.lowMax {
                        let most = startsAfter / unit
                        model.addConstraint("w-low", [(low, 1), (choice, Double(lowMax))], upper: Double(most + lowMax))
                    }
                    let aboveStart = input.scenario.aboveStart
                    if aboveMost > 0, startsAfter < aboveStart + aboveMost * unit, endsAt > aboveStart {
                        let most = startsAfter > aboveStart ? (startsAfter - aboveStart) / unit : 0
                        model.addConstraint("w-above", [(above, 1), (choice, Double(aboveMost))], upper: Double(most + aboveMost))
                    }
                    for (gapIndex, gap) in input.gaps.enumerated() where !gap.followsAboveRAM && gap.start < endsAt && startsAfter < gap.end {
                        let most = startsAfter > gap.start ? (startsAfter - gap.start) / block : 0
                        let big = Double(gap.capacity / block)
                        model.addConstraint("w-gap", used(gapIndex) + [(choice, big)], upper: Double(most) + big)
                    }
                    if intersectsRoom, let dev, let occupied, let roomIndex = input.gaps.firstIndex(where: \.followsAboveRAM) {
                        if variant == 0 {
                            // After the room's DIMMs: dev + used <= window start, when the room is used.
                            let big = Double(devLimit * (step / block) + input.gaps[roomIndex].capacity / block)
                            model.addConstraint("w-after", [(dev, Double(step / block)), (choice, big), (occupied, big)] + used(roomIndex), upper: Double(startsAfter / block) + 2 * big)
                        } else if endsAt <= input.gaps[roomIndex].end {
                            // Before them: the room's DIMMs begin at or after the window's end.
                            let end = endsAt / step + (endsAt % step == 0 ? 0 : 1)
                            model.addConstraint("w-before", [(dev, 1), (choice, -Double(end))], lower: 0)
                        } else {
                            // A window reaching past the room leaves no room for DIMMs after it.
                            model.addConstraint("w-before", [(occupied, 1), (choice, 1)], upper: 1)
                        }
                    }
                }
            }
            guard !choices.isEmpty else { return .infeasible }
            model.addConstraint("window\(windowIndex)", choices.map { ($0, 1.0) }, lower: 1)
        }
        // The part of a gap after a window candidate holds DIMMs only with the window there.
        for (gapIndex, gap) in input.gaps.enumerated() {
            guard let seat = gap.afterWindow else { continue }
            let chosen = (seats[seat] ?? []).map { ($0, -1.0) }
            model.addConstraint("after-window\(gapIndex)", [(use[gapIndex], 1)] + chosen, upper: 0)
            for row in at {
                if let variable = row[gapIndex] { model.addConstraint("after-window-planned\(gapIndex)", [(variable, 1)] + chosen, upper: 0) }
            }
        }

        // The highest gap any DIMM, cold or planned, uses.
        let topGap = model.addVariable("top", kind: .integer, lower: 0, upper: Double(input.gaps.count))
        for (index, variable) in use.enumerated() {
            model.addConstraint("top\(index)", [(topGap, 1), (variable, -Double(index + 1))], lower: 0)
        }
        for row in at {
            for (gapIndex, variable) in row {
                model.addConstraint("top-planned", [(topGap, 1), (variable, -Double(gapIndex + 1))], lower: 0)
            }
        }
        statistics.rows = model.constraints.count
        statistics.columns = model.variables.count
        statistics.binaries = model.binaryCount

        func stage(_ name: String, _ objective: [Int: Double], sense: MIPModel.Sense) throws -> Double? {
            model.sense = sense
            model.setObjective(objective)
            var callOptions = options
            if let deadline {
                // Past the deadline with the earlier stages solved: keep their answer, unproven.
                if deadline.hasPassed, !lastValues.isEmpty { statistics.timedOut = true; return nil }
                callOptions.timeLimitMilliseconds = max(1, min(options.timeLimitMilliseconds, deadline.remainingMilliseconds))
            }
            let solution = try backend.solve(model, options: callOptions)
            statistics.solves += 1
            statistics.glpkSeconds += solution.seconds
            switch solution.status {
            case .optimal: break
            case .feasible:
                statistics.timedOut = true
                statistics.worstGap = max(statistics.worstGap ?? 0, solution.gap ?? .infinity)
            case .infeasible: return nil
            case .noSolutionInTime:
                // A later stage that finds nothing in time leaves the earlier stages' answer.
                guard lastValues.isEmpty else { statistics.timedOut = true; return nil }
                throw deadline?.timedOut ?? SolveTimedOut(seconds: Double(options.timeLimitMilliseconds) / 1000)
            }
            let value = solution.objective.rounded()
            let terms = objective.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            model.addConstraint("fix-\(name)", terms, lower: value, upper: value)
            lastValues = solution.values
            return value
        }

        var lastValues: [Double] = []
        guard try stage("dimms", Dictionary(uniqueKeysWithValues: use.map { ($0, 1.0) }), sense: .minimize) != nil else { return .infeasible }
        _ = try stage("boot", [low: 1, above: 1], sense: .maximize)
        let top = Int(try stage("topgap", [topGap: 1], sense: .minimize) ?? 0)
        _ = try stage("topfill", top == 0 ? [above: 1] : Dictionary(used(top - 1), uniquingKeysWith: +), sense: .minimize)
        _ = try stage("low", [low: 1], sense: .maximize)
        if !dimm.isEmpty {
            let count = Double(dimm.count)
            var weights = Dictionary(uniqueKeysWithValues: dimm.enumerated().map { ($1, count - Double(gapRanks?[$0] ?? $0)) })
            for row in at {
                for (gapIndex, variable) in row { weights[variable] = count - Double(gapRanks?[gapIndex] ?? gapIndex) }
            }
            _ = try stage("order", weights, sense: .maximize)
        }
        if let dev { _ = try stage("dev", [dev: 1], sense: .minimize) }

        func integer(_ variable: Int) -> UInt64 { UInt64(max(0, lastValues[variable].rounded())) }
        var dimms: [(gap: Int, size: UInt64)] = []
        for index in input.gaps.indices where integer(use[index]) == 1 && integer(dimm[index]) > 0 {
            dimms.append((index, integer(dimm[index]) * block))
        }
        let placedAt: [Int] = at.map { row in row.keys.sorted().first { integer(row[$0] ?? 0) == 1 } ?? -1 }
        guard !placedAt.contains(-1) else { return .infeasible }
        let roomUsed = occupied.map { integer($0) == 1 } ?? false
        return .solved(PlacementAnswer(
            below: integer(low) * unit, above: integer(above) * unit, dimms: dimms, planned: placedAt,
            afterAboveStart: roomUsed ? dev.map { integer($0) * step } : nil))
    }
}
