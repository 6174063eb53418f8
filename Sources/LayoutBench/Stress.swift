import FleetGenerator
import Foundation
import LayoutSolver

/// `LayoutBench stress`: random hard instances in process, to find the solver's worst case rather
/// than its typical one: up to 50 distinct holes (many of them spaced 1-3 GiB apart above 4 GiB,
/// so a VM needs tens of DIMMs), RAM that is no whole number of GiB, pc, q35 and virt, planned
/// hot-add DIMMs and programmable windows. Prints how each ended, the slowest solves and the
/// largest MIP; exits 1 if any solve ran out of time.
enum Stress {
    typealias Generator = SplitMix64

    static let mib: UInt64 = 1 << 20, gib: UInt64 = 1 << 30

    static func instance(_ random: inout Generator) -> (hosts: [HostProfile], vm: VMSpec) {
        let machine = ["q35", "q35", "pc", "virt"][Int.random(in: 0..<4, using: &random)]
        let arm = machine == "virt"
        let base: UInt64 = arm ? gib : 4 * gib
        let holeBudget = Int.random(in: 1...50, using: &random)
        let hostCount = Int.random(in: 1...4, using: &random)
        var holes: [[ReservedRegion]] = Array(repeating: [], count: hostCount)
        var cursor = base + UInt64.random(in: 1...8, using: &random) * gib
        for index in 0..<holeBudget {
            let range: AddressRange
            if Int.random(in: 0..<8, using: &random) == 0 {
                // A firmware region below 4 GiB (RMRR-like) or inside virt's first GiBs.
                let start = (arm ? gib : 0) + UInt64.random(in: 1...(arm ? 4000 : 3000), using: &random) * mib
                range = AddressRange(constantStart: start, size: UInt64.random(in: 1...64, using: &random) * mib)
            } else {
                cursor += UInt64.random(in: 1...3, using: &random) * gib + UInt64.random(in: 0...7, using: &random) * 128 * mib
                range = AddressRange(constantStart: cursor, size: [2 * mib, 64 * mib, 300 * mib, gib][Int.random(in: 0..<4, using: &random)])
                cursor = range.last + 1
            }
            holes[index % hostCount].append(ReservedRegion(range: range, type: .reserved, path: "$.reserved[\(holes[index % hostCount].count)]"))
        }
        if Bool.random(using: &random) {
            // Nothing free past the last gap: the VM must spread over the gaps, one DIMM each.
            holes[0].append(ReservedRegion(range: AddressRange(spanning: cursor + gib, (1 << 46) - 1), type: .reserved, path: "$.reserved[\(holes[0].count)]"))
        }
        let hosts = (0..<hostCount).map { index in
            var programmable: [ProgrammableRegion] = []
            if Int.random(in: 0..<4, using: &random) == 0 {
                // A window that may go anywhere from where RAM starts (the class that used to be fixed there).
                programmable.append(ProgrammableRegion(type: .swMSI, size: mib, align: mib, within: AddressRange(spanning: arm ? gib : 0, 0xffff_ffff), defaultBase: arm ? gib : 0, path: "$.programmable[0]"))
            }
            let vendor: HostCPUVendor = arm ? .arm : (Bool.random(using: &random) ? .intel : .amd)
            return HostProfile(
                name: "h\(index)", arch: arm ? .aarch64 : .x86_64, cpuVendor: vendor, cpuPhysBits: [46, 48, 52][Int.random(in: 0..<3, using: &random)],
                iommuKind: arm ? .armSMMUv3 : (vendor == .amd ? .amdVi : .intelVTd), iommuAddressBits: [39, 48, 48][Int.random(in: 0..<3, using: &random)],
                reserved: holes[index], programmable: programmable)
        }
        // RAM up to ~64 DIMMs' worth, often no whole number of GiB.
        let ram = UInt64.random(in: 1...64, using: &random) * gib + (Bool.random(using: &random) ? UInt64.random(in: 1...511, using: &random) * 2 * mib : 0)
        var vm = VMSpec(machine: MachineKind(rawValue: machine), ram: ram)
        if Bool.random(using: &random) {
            vm.hotplug = [HotplugRequest(count: Int.random(in: 1...3, using: &random), size: UInt64.random(in: 1...4, using: &random) * gib)]
        }
        if !arm, Bool.random(using: &random) { vm.cpuVendor = Bool.random(using: &random) ? .intel : .amd }
        return (hosts, vm)
    }

    /// The case as files `layoutsolve` reads: h0.json… and vm.json.
    static func write(hosts: [HostProfile], vm: VMSpec, to folder: String) {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for host in hosts { FileManager.default.createFile(atPath: "\(folder)/\(host.name).json", contents: Data(HostProfileJSON.render(host).utf8)) }
        var members = ["\"schema\": \"layoutsolve/vm/v1\"", "\"machine\": \"\(vm.machine.rawValue)\"", "\"ram\": \"\(vm.ram >> 20)M\""]
        if let vendor = vm.cpuVendor { members.append("\"cpu_vendor\": \"\(vendor.rawValue)\"") }
        if !vm.hotplug.isEmpty { members.append("\"hotplug\": [" + vm.hotplug.map { "{\"count\": \($0.count), \"size\": \"\($0.size >> 20)M\"}" }.joined(separator: ", ") + "]") }
        FileManager.default.createFile(atPath: "\(folder)/vm.json", contents: Data(("{" + members.joined(separator: ", ") + "}\n").utf8))
    }

    static func run(_ arguments: ArraySlice<String>) -> Never {
        var arguments = arguments
        var cases = 300, seed: UInt64 = 1, timeLimit = 30.0, dump: String?
        while let flag = arguments.popFirst() {
            switch flag {
            case "--cases": cases = Int(value(after: flag, in: &arguments)) ?? cases
            case "--seed": seed = UInt64(value(after: flag, in: &arguments)) ?? seed
            case "--time-limit": timeLimit = Double(value(after: flag, in: &arguments)) ?? timeLimit
            case "--dump": dump = value(after: flag, in: &arguments)
            default: fail("unknown stress option \(flag)")
            }
        }
        var random = Generator(seed: seed)
        var outcomes: [String: Int] = [:]
        var slowest: [(seconds: Double, index: Int, note: String)] = []
        var largest = (rows: 0, columns: 0, binaries: 0, index: 0)
        var timedOut = 0
        for index in 0..<cases {
            let (hosts, vm) = instance(&random)
            if let dump { write(hosts: hosts, vm: vm, to: "\(dump)/case\(index)") }
            let started = Date()
            var note = "\(vm.machine.rawValue) \(ByteCount.format(vm.ram)) \(vm.hotplug.isEmpty ? "" : "+\(vm.plannedDIMMSizes.count) planned "), \(Set(hosts.map(\.cpuVendor.rawValue)).sorted().joined(separator: "+")), \(hosts.count) hosts, \(Set(hosts.flatMap { $0.reserved.map(\.range) }).count) holes"
            do {
                let solution = try Solver.solve(hosts: hosts, vm: vm, options: SolveOptions(timeLimitSeconds: timeLimit))
                let statistics = solution.statistics
                outcomes[statistics.hitTimeLimit ? "layout (time limit, unproven)" : "layout", default: 0] += 1
                if statistics.hitTimeLimit { timedOut += 1 }
                note += ", \(solution.layout.guest.dimmCount) DIMMs, above-4g at \(Hex.format(solution.layout.guest.regions.first { $0.kind == .ram && $0.range.start >= 1 << 32 }?.range.start ?? 0))"
                if statistics.rows * statistics.columns > largest.rows * largest.columns {
                    largest = (statistics.rows, statistics.columns, statistics.binaries, index)
                }
            } catch is NoLayoutExists {
                outcomes["no layout", default: 0] += 1
            } catch is SolveTimedOut {
                outcomes["timed out", default: 0] += 1
                timedOut += 1
            } catch {
                outcomes["error: \(type(of: error))", default: 0] += 1
            }
            let seconds = Date().timeIntervalSince(started)
            slowest.append((seconds, index, note))
            slowest.sort { $0.seconds > $1.seconds }
            if slowest.count > 5 { slowest.removeLast() }
        }
        print("stress: \(cases) cases, seed \(seed), time limit \(timeLimit) s")
        for (outcome, count) in outcomes.sorted(by: { $0.key < $1.key }) { print("  \(outcome): \(count)") }
        print("  largest MIP: \(largest.rows)×\(largest.columns) (\(largest.binaries) binaries), case \(largest.index)")
        for entry in slowest { print(String(format: "  %.3f s  case %d: %@", entry.seconds, entry.index, entry.note)) }
        exit(timedOut > 0 ? 1 : 0)
    }
}
