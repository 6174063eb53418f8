import LayoutCore
import LayoutMachines
/// The pc/q35 placement as a GLPK MIP, solved in lexicographic stages.
///
/// Variables, all in units of the placement granule so every number GLPK sees is a small exact
/// integer: `low` and `above` (boot RAM below and above 4 GiB), and per free gap a binary `use`
/// and an integer `dimm` size. No coordinates and no ordering binaries: positions follow from
/// QEMU's derivation and are computed afterwards in UInt64 (GLPKNumerics.md in LayoutSolver.docc explains why
/// coordinate and big-M ordering models are inexact or slow in GLPK).
///
/// Stages, each fixing the optimum of the one before:
/// 1. fewest DIMMs (cold-plugged DIMMs need ACPI memory hotplug in the guest; boot RAM does not);
/// 2. most boot RAM;
/// 3. lowest top: the highest gap used, then the least RAM in it (no DIMM: the least above 4 GiB);
/// 4. closest to QEMU's default: the most RAM below 4 GiB (QEMU's own low-RAM size);
/// 5. deterministic tie-break: DIMM RAM in the lowest gaps first.
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
            if bound.kept.count < input.gaps.count {
                var reduced = input
                reduced.gaps = bound.kept.map { input.gaps[$0] }
                var trial = statistics
                let outcome = try PlacementMIP(input: reduced, options: options, backend: backend, deadline: deadline, pruneGaps: false, gapRanks: bound.kept).solveModel(statistics: &trial)
                if case .solved(let answer) = outcome {
                    let full = PlacementAnswer(below: answer.below, above: answer.above, dimms: answer.dimms.map { (bound.kept[$0.gap], $0.size) })
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
        let totalUnits = input.totalRAM / input.unit
        let lowMin = (input.lowMin + input.unit - 1) / input.unit
        let lowMax = input.lowMax / input.unit
        guard lowMin <= lowMax, lowMax >= 1 || !input.hasLowRAM else { return .infeasible }
        let ratio = input.dimmUnit / input.unit
        let capacity = input.gaps.reduce(lowMax + input.aboveCapacity / input.unit) { $0 + $1.capacity / input.dimmUnit * ratio }
        guard capacity >= totalUnits else { return .infeasible }

        var model = MIPModel(sense: .minimize)
        let low = model.addVariable("low", kind: .integer, lower: Double(max(lowMin, input.hasLowRAM ? 1 : 0)), upper: Double(input.hasLowRAM ? lowMax : 0))
        let above = model.addVariable("above", kind: .integer, lower: 0, upper: Double(min(input.aboveCapacity / input.unit, totalUnits)))
        var use: [Int] = []
        var dimm: [Int] = []
        for (index, gap) in input.gaps.enumerated() {
            // DIMM sizes count in DIMM units; `ratio` converts them to placement units below.
            let most = min(gap.capacity / input.dimmUnit, totalUnits / ratio)
            use.append(model.addVariable("use\(index)", kind: .binary, lower: 0, upper: 1))
            dimm.append(model.addVariable("dimm\(index)", kind: .integer, lower: 0, upper: Double(most)))
            model.addConstraint("cap\(index)", [(dimm[index], 1), (use[index], -Double(most))], upper: 0)
            model.addConstraint("min\(index)", [(dimm[index], 1), (use[index], -1)], lower: 0)
        }
        model.addConstraint("ram", [(low, 1), (above, 1)] + dimm.map { ($0, Double(ratio)) }, lower: Double(totalUnits), upper: Double(totalUnits))
        // The scenario's branch may bound all boot RAM (q35's low-RAM default depends on it).
        if let most = input.bootMost { model.addConstraint("boot-most", [(low, 1), (above, 1)], upper: Double(most / input.unit)) }
        if let least = input.bootLeast { model.addConstraint("boot-least", [(low, 1), (above, 1)], lower: Double((least + input.unit - 1) / input.unit)) }
        // Cuts that every integer solution meets (see GapBound): without them the LP relaxation
        // spreads DIMM RAM fractionally, and with DIMMs of `ratio` units GLPK spent the whole time
        // limit proving that boot RAM cannot reach the next multiple (512 GiB on 10,000 hosts).
        if let bound = GapBound(input) {
            model.addConstraint("boot-cut", [(low, 1), (above, 1)], upper: Double(bound.boot))
            if bound.dimms > 0 { model.addConstraint("dimm-cut", use.map { ($0, 1.0) }, lower: Double(bound.dimms)) }
        }
        let topGap = model.addVariable("top", kind: .integer, lower: 0, upper: Double(input.gaps.count))
        for (index, variable) in use.enumerated() {
            model.addConstraint("top\(index)", [(topGap, 1), (variable, -Double(index + 1))], lower: 0)
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
        _ = try stage("topfill", top == 0 ? [above: 1] : [dimm[top - 1]: 1], sense: .minimize)
        _ = try stage("low", [low: 1], sense: .maximize)
        if !dimm.isEmpty {
            let count = Double(dimm.count)
            _ = try stage("order", Dictionary(uniqueKeysWithValues: dimm.enumerated().map { ($1, count - Double(gapRanks?[$0] ?? $0)) }), sense: .maximize)
        }

        func integer(_ variable: Int) -> UInt64 { UInt64(max(0, lastValues[variable].rounded())) }
        var dimms: [(gap: Int, size: UInt64)] = []
        for index in input.gaps.indices where integer(use[index]) == 1 && integer(dimm[index]) > 0 {
            dimms.append((index, integer(dimm[index]) * input.dimmUnit))
        }
        return .solved(PlacementAnswer(below: integer(low) * input.unit, above: integer(above) * input.unit, dimms: dimms))
    }
}
