import LayoutCore
import LayoutMachines
import Foundation

/// A layout that survived QEMU's derivation and the exact check, with its objective.
package struct PlacementCandidate {
    package var layout: GuestLayout
    /// Lexicographic: DIMMs, -boot RAM, top address, knobs set away from QEMU's defaults.
    package var objective: [UInt64]
}

/// What every machine's planner provides so the shared search (MIP, derivation, exact check,
/// ceiling tightening) can run it: the MIP's inputs for a scenario and the knobs for an answer.
package protocol MachinePlanner {
    /// What a scenario fixes besides the placement (x86: the vCPU vendors and the 64-bit hole).
    associatedtype Variant

    var fleet: Fleet { get }
    var spec: VMSpec { get }
    var options: SolveOptions { get }
    /// The placement granule: 2 MiB, or the hugepage size.
    var unit: UInt64 { get }

    /// Bytes the map needs above the RAM the MIP places: PCI holes, hotplug room, slot alignment.
    func roomAboveRAM(_ variant: Variant) throws -> UInt64
    /// The MIP's inputs, or nil when RAM cannot start where QEMU puts it.
    func planInput(scenario: PlacementScenario, ramCeiling: UInt64) -> PlacementInput?
    /// Knobs for the MIP's answer, placed by QEMU's derivation.
    func realize(_ answer: PlacementAnswer, input: PlacementInput, variant: Variant) -> Result<GuestLayout, RealizeFailure>
    /// How many knobs the layout sets away from QEMU's defaults (the last objective).
    func awayFromDefaults(_ layout: GuestLayout) -> UInt64
}

extension MachinePlanner {
    /// Solves one scenario; tightens the RAM ceiling when QEMU's derived map runs past the scenario's
    /// ceiling (device memory and the 64-bit hole come after the RAM the MIP places).
    package func candidate(scenario: PlacementScenario, variant: Variant, statistics: inout SolveStatistics) throws -> Result<PlacementCandidate, NoLayoutExists.Conflict> {
        var reserveAbove = (try? roomAboveRAM(variant)) ?? .max
        var lastProblem = "no placement"
        for _ in 0..<12 {
            guard reserveAbove < scenario.ceiling, scenario.ceiling - reserveAbove > scenario.aboveStart else {
                return .failure(.init(message: "\(scenario): the PCI holes and hotplug room do not fit below \(Hex.format(scenario.ceiling))", hosts: fleet.hostsWithNarrowestCPU, holes: [], family: .cpuWidth))
            }
            let ramCeiling = scenario.ceiling - reserveAbove
            guard let input = planInput(scenario: scenario, ramCeiling: ramCeiling) else {
                return .failure(.init(message: "\(scenario): guest RAM cannot start where it must", hosts: [], holes: fleet.holes(overlapping: AddressRange(start: scenario.aboveStart, last: scenario.aboveStart)!) + fleet.holes(overlapping: AddressRange(start: 0, last: 0)!), family: .hostHole))
            }
            let started = Date()
            let mip = PlacementMIP(input: input, options: mipOptions, backend: options.backend)
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

    package var mipOptions: MIPOptions {
        var mip = MIPOptions()
        mip.timeLimitMilliseconds = Int(min(max(options.timeLimitSeconds, 0.001), 86_400) * 1000)
        return mip
    }

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
        for gap in fleet.forbidden.gaps(within: AddressRange(start: bound, last: ceiling - 1)!) {
            guard let start = try? gap.start.alignedUp(dimmUnit) else { continue }
            let end = (gap.end ?? UInt64.max).alignedDown(dimmUnit)
            guard end > start, end - start >= dimmUnit else { continue }
            gaps.append(DIMMGap(gap: gap, start: start, capacity: end - start))
        }
        return gaps
    }
}
