import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutPlacement
@testable import LayoutSolver
import FleetGenerator

/// Every "no layout" answer names a constraint family that, lifted, lets a layout fit: each named
/// family is lifted here, by this test's own reading of what the family means, and solved again.
@Suite("No-layout answers name a family whose lifting lets a layout fit")
struct LiftTests {
    let gib: UInt64 = 1 << 30

    /// The inputs with `family` lifted, as a person acting on the answer would lift it.
    func lifted(_ family: ConstraintFamily, hosts: [HostProfile], vm: VMSpec, conflict: NoLayoutExists.Conflict) -> [(hosts: [HostProfile], vm: VMSpec)] {
        var vm = vm, hosts = hosts
        switch family {
        case .memoryBlock: vm.memoryBlockSize = max(vm.ramAlign ?? 0, 2 << 20)
        case .hugepageAlignment: vm.ramAlign = nil
        case .slots: vm.slots = 0
        case .pciHole: vm.p2p = false
        case .programmableWindow: hosts = hosts.map { var host = $0; host.programmable = []; return host }
        case .iommuWidth: hosts = hosts.map { var host = $0; host.iommuAddressBits = 64; return host }
        case .cpuWidth: hosts = hosts.map { var host = $0; host.cpuPhysBits = 52; return host }
        case .amdRelocation: return [CPUVendor.amd, .intel].map { vendor in var pinned = vm; pinned.cpuVendor = vendor; return (hosts, pinned) }
        case .hostHole:
            let named = Set(conflict.holes.map(\.range))
            hosts = hosts.map { host in
                var host = host
                host.reserved = host.reserved.filter { named.isEmpty ? !$0.type.blocksDMA(strictRelaxable: false) : !named.contains($0.range) }
                return host
            }
        case .qemuRule, .other: return []
        }
        return [(hosts, vm)]
    }

    @Test(arguments: PropertyTests.seeds)
    func everyNamedFamilyLiftedLetsALayoutFit(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed ^ 0x5eed)
        let properties = PropertyTests()
        var refused = 0, named = 0
        var families: [ConstraintFamily: Int] = [:]
        for _ in 0..<150 {
            var hosts = (0..<Int.random(in: 1...3, using: &generator)).map { properties.randomHost($0, alignedHoles: Bool.random(using: &generator), using: &generator) }
            var vm = properties.randomVM(using: &generator)
            if Int.random(in: 0..<4, using: &generator) == 0 { vm.hotplug = [HotplugRequest(count: Int.random(in: 1...3, using: &generator), size: UInt64.random(in: 1...4, using: &generator) * 2 * gib)] }
            if Int.random(in: 0..<5, using: &generator) == 0 { vm.memoryBlockSize = 2 * gib }
            if Int.random(in: 0..<6, using: &generator) == 0 { vm.p2p = true }
            if Int.random(in: 0..<5, using: &generator) == 0 {
                hosts[0].programmable = [ProgrammableRegion(type: .swMSI, size: 1 << 20, align: 1 << 20, within: AddressRange(spanning: 0, 0xffff_ffff), defaultBase: 0, path: "$.programmable[0]")]
            }
            let error: NoLayoutExists
            do {
                _ = try Solver.solve(hosts: hosts, vm: vm)
                continue
            } catch let none as NoLayoutExists {
                error = none
            }
            refused += 1
            let liftable = error.conflicts.filter { ![.qemuRule, .other].contains($0.family) }
            #expect(!liftable.isEmpty, "no liftable family named: \(error)")
            // Each named family alone, or, when the answer says they only work together, all of them.
            let together = liftable.contains { $0.message.contains("together with lifting") }
            if together {
                var inputs = [(hosts, vm)]
                for conflict in liftable {
                    inputs = inputs.flatMap { lifted(conflict.family, hosts: $0.0, vm: $0.1, conflict: conflict) }
                }
                let fits = inputs.contains { (try? Solver.solve(hosts: $0.0, vm: $0.1)) != nil }
                #expect(fits, "lifting \(liftable.map(\.family.rawValue)) together does not let a layout fit: \(error)")
                if fits { named += 1; for conflict in liftable { families[conflict.family, default: 0] += 1 } }
                continue
            }
            for conflict in liftable {
                let fits = lifted(conflict.family, hosts: hosts, vm: vm, conflict: conflict).contains { (hosts, vm) in
                    (try? Solver.solve(hosts: hosts, vm: vm)) != nil
                }
                #expect(fits, "lifting \(conflict.family.rawValue) does not let a layout fit: \(conflict.message)")
                if fits { named += 1; families[conflict.family, default: 0] += 1 }
            }
        }
        #expect(refused >= 15, "too few refusals to mean anything: \(refused)")
        print("seed \(seed): \(refused) refusals, \(named) named families lifted: \(families.map { "\($0.key.rawValue) \($0.value)" }.sorted())")
    }
}
