import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutPlacement
import FleetGenerator

/// The solver against a brute-force judge of the documented rules (``ExhaustiveJudge``) on small
/// random instances with planned hot-add DIMMs and programmable windows, on q35 and pc with both
/// vCPU vendors, and on virt: feasibility and every objective stage must agree.
@Suite("Exhaustive judge: hotplug plans and programmable windows on q35, pc and virt")
struct ExhaustiveJudgeTests {
    static let gib: UInt64 = 1 << 30
    static let mib: UInt64 = 1 << 20
    /// Holes, RAM and window sizes are multiples of this, which keeps the judge's space small.
    static let grain: UInt64 = 256 << 20

    enum Family: String, CaseIterable { case q35, pc, virt }

    static func instance(_ family: Family, using random: inout SplitMix64) -> (hosts: [HostProfile], vm: VMSpec) {
        let arm = family == .virt
        let ramBase: UInt64 = arm ? gib : 0
        let hostCount = Int.random(in: 1...3, using: &random)
        var hosts: [HostProfile] = []
        for index in 0..<hostCount {
            var reserved: [ReservedRegion] = []
            func add(_ start: UInt64, _ size: UInt64) {
                reserved.append(ReservedRegion(range: AddressRange(constantStart: start, size: size), type: .reserved, path: "$.reserved[\(reserved.count)]"))
            }
            if Int.random(in: 0..<3, using: &random) == 0 {
                // A firmware region where boot RAM goes (an RMRR below 4 GiB, an ITS doorbell inside virt's RAM).
                add(ramBase + UInt64.random(in: 1...11, using: &random) * grain, UInt64.random(in: 1...2, using: &random) * grain)
            }
            for _ in 0..<Int.random(in: 0...2, using: &random) {
                // Holes where DIMMs and above-4G RAM go.
                add((arm ? 2 * gib : 4 * gib) + UInt64.random(in: 0...40, using: &random) * grain, UInt64.random(in: 1...8, using: &random) * grain)
            }
            let amd = !arm && Int.random(in: 0..<3, using: &random) == 0
            if amd { add(0xfd_0000_0000, 0x3_0000_0000) }
            if !arm { add(0xfee0_0000, mib) }
            var programmable: [ProgrammableRegion] = []
            if Int.random(in: 0..<3, using: &random) == 0 {
                // A software MSI window allowed a few places, sometimes from where RAM starts.
                let size = [mib, 64 * mib, grain][Int.random(in: 0..<3, using: &random)]
                let from = Bool.random(using: &random) ? ramBase : ramBase + UInt64.random(in: 1...12, using: &random) * grain
                let places = UInt64.random(in: 1...6, using: &random)
                programmable.append(ProgrammableRegion(type: .swMSI, size: size, align: size, within: AddressRange(constantStart: from, size: size * places),
                                                       defaultBase: Bool.random(using: &random) ? from : nil, path: "$.programmable[0]"))
            }
            let vendor: HostCPUVendor = arm ? .arm : (amd ? .amd : .intel)
            hosts.append(HostProfile(
                name: "h\(index)", arch: arm ? .aarch64 : .x86_64, cpuVendor: vendor, cpuPhysBits: [36, 39, 40, 46][Int.random(in: 0..<4, using: &random)],
                iommuKind: arm ? .armSMMUv3 : (amd ? .amdVi : .intelVTd), iommuAddressBits: [36, 39, 48][Int.random(in: 0..<3, using: &random)],
                reserved: reserved, programmable: programmable, file: "h\(index).json"))
        }
        var vm = VMSpec(machine: MachineKind(rawValue: family.rawValue), ram: UInt64.random(in: 2...22, using: &random) * grain / 2)
        if arm {
            vm.memoryBlockSize = [nil, 128 * mib, 512 * mib][Int.random(in: 0..<3, using: &random)]
            if let block = vm.memoryBlockSize ?? Optional(gib), vm.ram % block != 0 { vm.ram = (vm.ram / block + 1) * block }
        } else {
            vm.cpuVendor = [CPUVendor.intel, .amd, nil][Int.random(in: 0..<3, using: &random)]
        }
        let block = vm.memoryBlockSize ?? (arm ? gib : 128 * mib)
        if Int.random(in: 0..<3, using: &random) == 0 {
            vm.hotplug = [HotplugRequest(count: Int.random(in: 1...2, using: &random), size: UInt64.random(in: 1...4, using: &random) * max(block, grain))]
        }
        if Int.random(in: 0..<4, using: &random) == 0 {
            // Hotplug room: now and then enough for QEMU's AMD 1 TiB rule to matter.
            vm.maxmem = vm.ram + (Int.random(in: 0..<3, using: &random) == 0 ? 1000 * gib : UInt64.random(in: 1...8, using: &random) * gib)
            vm.slots = Int.random(in: 1...2, using: &random)
        }
        return (hosts, vm)
    }

    static let seeds: [UInt64] = [7, 2024, 99991]

    @Test(arguments: Family.allCases, seeds)
    func solverAgreesWithTheJudge(family: Family, seed: UInt64) throws {
        var random = SplitMix64(seed: seed &* 31 &+ UInt64(Family.allCases.firstIndex(of: family)!))
        var notJudged: [String: Int] = [:]
        var judged = 0, feasible = 0, withDIMMs = 0, withPlan = 0, withWindows = 0, disagreements: [String] = []
        for index in 0..<200 {
            let (hosts, vm) = Self.instance(family, using: &random)
            let verdict = ExhaustiveJudge(hosts: hosts, vm: vm).judge()
            if case .notJudged(let why) = verdict { notJudged[why, default: 0] += 1; continue }
            judged += 1
            let described = "case \(index): \(vm.machine.rawValue) \(ByteCount.format(vm.ram)) vendor \(vm.cpuVendor?.rawValue ?? "-") block \(vm.memoryBlockSize.map(ByteCount.format) ?? "-") plan \(vm.plannedDIMMSizes.map(ByteCount.format)) maxmem \(vm.maxmem.map(ByteCount.format) ?? "-") slots \(vm.slots); "
                + hosts.map { "\($0.name) \($0.cpuVendor.rawValue) cpu\($0.cpuPhysBits) iommu\($0.iommuAddressBits) \($0.reserved.map(\.range)) \($0.programmable.map { "w\(Hex.format($0.size))@\($0.within)" })" }.joined(separator: "; ")
            var options = SolveOptions()
            options.diagnosesFailures = false
            do {
                let layout = try Solver.solve(hosts: hosts, vm: vm, options: options).layout.guest
                let low = layout.regions.first { $0.kind == .ram && $0.range.start == 0 }?.range.size ?? 0
                let away = layout.knobs.pc.map { ($0.maxRamBelow4G != nil ? 1 : 0) + ($0.pciHole64Size != nil ? 1 : 0) } ?? 0
                let found = ExhaustiveJudge.Score(dimms: layout.dimmCount, boot: layout.bootRAM, top: layout.topAddress, awayFromDefaults: away, low: low)
                guard case .best(let expected) = verdict else {
                    disagreements.append("\(described)\n  solver \(found) where the judge found no layout")
                    continue
                }
                if found != expected { disagreements.append("\(described)\n  solver \(found)\n  judge  \(expected)") }
                feasible += 1
                if found.dimms > 0 { withDIMMs += 1 }
                if !vm.hotplug.isEmpty { withPlan += 1 }
                if hosts.contains(where: { !$0.programmable.isEmpty }) { withWindows += 1 }
            } catch let error as NoLayoutExists {
                if case .best(let expected) = verdict { disagreements.append("\(described)\n  solver: no layout (\(error.conflicts.first?.message ?? ""))\n  judge  \(expected)") }
            } catch {
                disagreements.append("\(described)\n  solver failed: \(error)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements:\n\(disagreements.prefix(5).joined(separator: "\n"))")
        // The instances must exercise the hard parts, or agreement means little.
        #expect(judged >= 150 && feasible >= 60 && withDIMMs >= 5 && withPlan >= 15 && withWindows >= 15,
                "not judged \(notJudged), judged \(judged), feasible \(feasible), with DIMMs \(withDIMMs), with a plan \(withPlan), with windows \(withWindows)")
    }
}
