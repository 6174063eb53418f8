import LayoutCore
import LayoutMachines
import Foundation

/// A layout that survived QEMU's derivation and the exact check, with its objective.
package struct PlacementCandidate {
    package var layout: GuestLayout
    /// Lexicographic: DIMMs, -boot RAM, top address, knobs set away from QEMU's defaults, -low RAM.
    package var objective: [UInt64]
}

extension MachinePlanner {
    /// The best layout over the machine's scenarios: the first tier that has one wins, and inside it
    /// the lexicographic objective decides. Throws the machine's explanation when none fits.
    package func search(options: SolveOptions, deadline: SolveDeadline, statistics: inout SolveStatistics) throws -> GuestLayout {
        guard spec.ram % unit == 0 else {
            throw InputError(source: "vm", path: "$.ram", message: "ram \(ByteCount.format(spec.ram)) is not a multiple of the placement granule \(ByteCount.format(unit)) (2 MiB, or ram_align)")
        }
        try precheck()
        var failures: [NoLayoutExists.Conflict] = []
        for tier in searchTiers() {
            var best: PlacementCandidate?
            for (scenario, variant) in tier {
                if deadline.hasPassed {
                    // Out of time: the best verified layout so far, said to be unproven; else nothing.
                    guard let best else { throw deadline.timedOut }
                    statistics.hitTimeLimit = true
                    return best.layout
                }
                statistics.scenarios += 1
                switch try candidate(scenario: scenario, variant: variant, options: options, deadline: deadline, statistics: &statistics) {
                case .success(let found):
                    if let current = best, !found.objective.lexicographicallyPrecedes(current.objective) { continue }
                    best = found
                case .failure(let conflict):
                    failures.append(conflict)
                }
            }
            if let best { return best.layout }
        }
        throw explain(failures)
    }

    /// Solves one scenario; tightens the RAM ceiling when QEMU's derived map runs past the scenario's
    /// ceiling (device memory and the 64-bit hole come after the RAM the MIP places).
    package func candidate(scenario: PlacementScenario, variant: Variant, options: SolveOptions, deadline: SolveDeadline, statistics: inout SolveStatistics) throws -> Result<PlacementCandidate, NoLayoutExists.Conflict> {
        var reserveAbove = (try? roomAboveRAM(variant)) ?? .max
        var lastProblem = "no placement"
        for _ in 0..<12 {
            guard reserveAbove < scenario.ceiling, scenario.ceiling - reserveAbove > scenario.aboveStart else {
                return .failure(.init(message: "\(scenario): the PCI holes and hotplug room do not fit below \(Hex.format(scenario.ceiling))", hosts: fleet.hostsWithNarrowestCPU, holes: [], family: .cpuWidth))
            }
            let ramCeiling = scenario.ceiling - reserveAbove
            guard var input = planInput(scenario: scenario, variant: variant, ramCeiling: ramCeiling) else {
                return .failure(.init(message: "\(scenario): guest RAM cannot start where it must", hosts: [], holes: fleet.holes(overlapping: AddressRange(spanning: scenario.aboveStart, scenario.aboveStart)) + fleet.holes(overlapping: AddressRange(spanning: 0, 0)), family: .hostHole))
            }
            if let size = input.planned.first(where: { $0 % input.dimmUnit != 0 }) {
                return .failure(.init(message: "\(scenario): a planned hot-add DIMM of \(ByteCount.format(size)) is not a whole number of \(ByteCount.format(input.dimmUnit)) memory blocks (\(scenario.block.summary))", hosts: [], holes: [], family: .memoryBlock))
            }
            input.windows = WindowRoom.candidates(fleet: fleet, input: input)
            input.gaps = WindowRoom.gapsAfterWindows(input.gaps, windows: input.windows, block: input.dimmUnit)
            let started = Date()
            let mip = PlacementMIP(input: input, options: mipOptions(options), backend: options.backend, deadline: deadline)
            var mipStatistics = PlacementMIP.Statistics()
            let outcome = try mip.solve(statistics: &mipStatistics)
            statistics.glpkSeconds += mipStatistics.glpkSeconds
            statistics.modelSeconds += max(0, Date().timeIntervalSince(started) - mipStatistics.glpkSeconds)
            statistics.rows = max(statistics.rows, mipStatistics.rows)
            statistics.columns = max(statistics.columns, mipStatistics.columns)
            statistics.binaries = max(statistics.binaries, mipStatistics.binaries)
            statistics.glpkSolves += mipStatistics.solves
            statistics.hitTimeLimit = statistics.hitTimeLimit || mipStatistics.timedOut
            if let gap = mipStatistics.worstGap { statistics.optimalityGap = max(statistics.optimalityGap ?? 0, gap) }
            guard case .solved(let answer) = outcome else {
                return .failure(.init(message: "\(scenario): not enough DMA-addressable room for \(ByteCount.format(spec.ram))", hosts: [], holes: []))
            }
            let verifyStarted = Date()
            defer { statistics.verifySeconds += Date().timeIntervalSince(verifyStarted) }
            switch realize(answer, input: input, variant: variant) {
            case .success(let layout):
                if layout.topAddress >= scenario.ceiling {
                    reserveAbove = (try? reserveAbove.checkedAdd((layout.topAddress - scenario.ceiling + 1).alignedUp(Sizes.gib))) ?? .max
                    lastProblem = "the map reaches \(Hex.format(layout.topAddress)), past \(Hex.format(scenario.ceiling))"
                    continue
                }
                let violations = LayoutVerifier.violations(of: layout, on: fleet.hosts, strictRelaxable: fleet.strictRelaxable)
                guard violations.isEmpty else { throw VerifierRejectedLayout(violations: violations) }
                return .success(PlacementCandidate(layout: layout, objective: objective(of: layout)))
            case .failure(let problem):
                return .failure(.init(message: "\(scenario): \(problem.message)", hosts: [], holes: [], family: .qemuRule))
            }
        }
        return .failure(.init(message: "\(scenario): \(lastProblem)", hosts: fleet.hostsWithNarrowestCPU, holes: [], family: .cpuWidth))
    }

    package func mipOptions(_ options: SolveOptions) -> MIPOptions {
        var mip = MIPOptions()
        mip.timeLimitMilliseconds = Int(min(max(options.timeLimitSeconds, 0.001), 86_400) * 1000)
        return mip
    }
}
