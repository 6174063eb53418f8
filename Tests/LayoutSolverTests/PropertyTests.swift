import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver
import FleetGenerator

@Suite("Random fleets: an independent check and an exhaustive search agree with the solver")
struct PropertyTests {
    let gib: UInt64 = 1 << 30

    func randomHost(_ index: Int, alignedHoles: Bool, using generator: inout SplitMix64) -> HostProfile {
        var reserved: [(UInt64, UInt64, ReservedType)] = []
        if Int.random(in: 0..<4, using: &generator) == 0 {
            let start = UInt64.random(in: 16...1900, using: &generator) << 20
            reserved.append((start, start + UInt64.random(in: 1...64, using: &generator) * 4096 - 1, .direct))
        }
        for _ in 0..<Int.random(in: 0...3, using: &generator) {
            if alignedHoles {
                let start = UInt64.random(in: 5...120, using: &generator) * gib
                reserved.append((start, start + UInt64.random(in: 1...12, using: &generator) * gib - 1, .reserved))
            } else {
                let start = UInt64.random(in: (5 << 10)...(120 << 10), using: &generator) << 20
                reserved.append((start, start + UInt64.random(in: 1...(12 << 10), using: &generator) * (1 << 20) - 1, .reserved))
            }
        }
        if Int.random(in: 0..<5, using: &generator) == 0 { reserved.append((0x3c00_0000, 0x407f_ffff, .directRelaxable)) }
        let amd = Int.random(in: 0..<3, using: &generator) == 0
        if amd { reserved.append(Fixture.amdHT) }
        return Fixture.x86Host("h\(index)", vendor: amd ? "amd" : "intel", cpuBits: Int.random(in: 40...48, using: &generator), iommuBits: Int.random(in: 39...48, using: &generator), reserved: reserved)
    }

    func randomVM(using generator: inout SplitMix64) -> VMSpec {
        // Now and then a guest big enough for QEMU's AMD 1 TiB rule to matter.
        let ram = (Int.random(in: 0..<6, using: &generator) == 0 ? UInt64.random(in: 900...1100, using: &generator) : UInt64.random(in: 1...160, using: &generator)) * gib
        var vm = VMSpec(ram: ram, cpuVendor: Bool.random(using: &generator) ? .intel : .amd)
        if Bool.random(using: &generator) {
            vm.maxmem = ram + UInt64.random(in: 1...16, using: &generator) * gib
            vm.slots = Int.random(in: 1...3, using: &generator)
        }
        if Int.random(in: 0..<4, using: &generator) == 0 { vm.ramAlign = gib; vm.ram = ram }
        return vm
    }

    /// Checks a layout from first principles: RAM adds up, the knobs re-derive the same regions,
    /// and no DMA target touches any host's blocking region or width.
    func independentlyChecked(_ solution: Solution, hosts: [HostProfile], vm: VMSpec) {
        let layout = solution.layout.guest
        guard let knobs = layout.knobs.pc else { Issue.record("not q35"); return }
        let ramBytes = layout.regions.filter { $0.kind == .ram || $0.kind == .dimm }.reduce(UInt64(0)) { $0 + $1.range.size! }
        #expect(ramBytes == vm.ram)
        #expect(PCMachineModel.regions(of: try! PCMachineModel.derive(knobs), chipset: knobs.chipset, p2p: vm.p2p) == layout.regions)
        for host in hosts {
            #expect(layout.physBits <= host.cpuPhysBits)
            #expect(layout.topAddress < UInt64(1) << UInt64(host.cpuPhysBits))
            for target in layout.regions where target.kind == .ram || target.kind == .dimm {
                #expect(target.range.last < UInt64(1) << UInt64(host.iommuAddressBits))
                for region in host.reserved where region.type != .directRelaxable {
                    #expect(!(region.range.start <= target.range.last && target.range.start <= region.range.last), "\(host.name) \(region.label) vs \(target.name) \(target.range)")
                }
            }
        }
    }

    /// Several seeds: each found different corner cases while the solver was written.
    static let seeds: [UInt64] = [42, 1234, 31337]

    @Test(arguments: seeds)
    func everyLayoutPassesAnIndependentCheck(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        var solved = 0
        for _ in 0..<150 {
            let hosts = (0..<Int.random(in: 1...4, using: &generator)).map { randomHost($0, alignedHoles: false, using: &generator) }
            let vm = randomVM(using: &generator)
            do {
                let solution = try Solver.solve(hosts: hosts, vm: vm)
                independentlyChecked(solution, hosts: hosts, vm: vm)
                solved += 1
            } catch is NoLayoutExists {
                continue
            }
        }
        #expect(solved > 75, "too few feasible instances to mean anything: \(solved)")
    }

    @Test(arguments: seeds)
    func exhaustiveSearchAgreesOnFeasibilityAndObjective(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        var compared = 0, feasible = 0, withDIMMs = 0, shortenedLow = 0
        for _ in 0..<120 {
            let hosts = (0..<Int.random(in: 1...3, using: &generator)).map { randomHost($0, alignedHoles: true, using: &generator) }
            var vm = randomVM(using: &generator)
            vm.ramAlign = nil
            // Guests whose boot RAM ends below 64 GiB (128 MiB memory blocks), the judge's usual size.
            if vm.ram + 4 * gib >= 64 * gib { vm.ram = (vm.ram >> 30) % 59 * gib + gib; vm.maxmem = vm.maxmem.map { _ in vm.ram + 4 * gib } }
            let verdict = ExhaustiveJudge(hosts: hosts, vm: vm).judge()
            if case .notJudged = verdict { continue }
            var options = SolveOptions()
            options.diagnosesFailures = false
            do {
                let layout = try Solver.solve(hosts: hosts, vm: vm, options: options).layout
                let low = layout.guest.regions.first { $0.kind == .ram && $0.range.start == 0 }?.range.size ?? 0
                let away = layout.guest.knobs.pc.map { ($0.maxRamBelow4G != nil ? 1 : 0) + ($0.pciHole64Size != nil ? 1 : 0) } ?? 0
                let found = ExhaustiveJudge.Score(dimms: layout.dimmCount, boot: layout.bootRAM, top: layout.topAddress, awayFromDefaults: away, low: low)
                let described = "vm \(vm.ram >> 30) GiB \(vm.cpuVendor!) slots \(vm.slots) maxmem \(vm.maxmem.map { $0 >> 30 } ?? 0), hosts \(hosts.map { "\($0.cpuVendor) cpu\($0.cpuPhysBits) iommu\($0.iommuAddressBits) \($0.reserved.map(\.range))" })"
                guard case .best(let expected) = verdict else {
                    Issue.record("solver found \(found) where the exhaustive search found nothing: \(described)")
                    continue
                }
                #expect(found == expected, "solver \(found), exhaustive \(expected), \(described)")
                feasible += 1
                if layout.dimmCount > 0 { withDIMMs += 1 }
                if let knobs = layout.guest.knobs.pc, knobs.maxRamBelow4G != nil { shortenedLow += 1 }
            } catch let error as NoLayoutExists {
                if case .best(let expected) = verdict {
                    Issue.record("exhaustive search found \(expected) where the solver found none: \(error.conflicts.first?.message ?? "")")
                }
            }
            compared += 1
        }
        // The instances must exercise the hard parts, or agreement means little.
        #expect(compared >= 100 && feasible > 40 && withDIMMs >= 10 && shortenedLow >= 5, "feasible \(feasible), with DIMMs \(withDIMMs), shortened low RAM \(shortenedLow)")
    }
}
