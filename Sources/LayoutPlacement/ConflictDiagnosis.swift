import Foundation
import LayoutCore
import LayoutMachines

/// Says which constraint family is binding when no layout exists, by the model itself: each family
/// is lifted on its own (finer memory blocks, no hugepages, no programmable windows, a pinned vCPU
/// vendor, wider IOMMUs or CPUs, no host holes, fewer user slots, no p2p) and the search runs again.
/// A family whose lifting lets a layout fit is named; the machine's own explanation keeps its
/// numbers where it names the same family, and a generic sentence never stands for a known cause.
enum ConflictDiagnosis {
    struct Lift {
        var family: ConstraintFamily
        var hosts: [HostProfile]
        var vm: VMSpec
        var message: String
        var conflictHosts: [String]
        var holes: [Hole]
    }

    static func refine(_ original: NoLayoutExists, fleet: Fleet, vm: VMSpec, options: SolveOptions, deadline: SolveDeadline,
                       solve: ([HostProfile], VMSpec, SolveOptions) throws -> Void) -> NoLayoutExists {
        let candidates = lifts(fleet: fleet, vm: vm, original: original)
        func fits(_ combined: [Lift]) -> Bool {
            guard !deadline.hasPassed, var hosts = combined.first?.hosts, var lifted = combined.first?.vm else { return false }
            // Each lift changes one thing; applied together they change them all.
            for lift in combined.dropFirst() {
                hosts = zip(hosts, lift.hosts).map { merge($0, $1, into: fleet) }
                lifted = merge(lifted, lift.vm, base: vm)
            }
            var limited = options
            limited.timeLimitSeconds = max(0.001, Double(deadline.remainingMilliseconds) / 1000)
            return (try? solve(hosts, lifted, limited)) != nil
        }
        var binding = candidates.filter { fits([$0]) }
        var together = false
        if binding.isEmpty {
            // No family alone: the first pair that fits, in the order above.
            search: for (index, first) in candidates.enumerated() {
                for second in candidates[(index + 1)...] where second.family != first.family && fits([first, second]) {
                    binding = [first, second]
                    together = true
                    break search
                }
            }
        }
        if binding.isEmpty {
            // Nor a pair: every family at once (one lift each), named together if that fits.
            var seen = Set<ConstraintFamily>()
            let all = candidates.filter { seen.insert($0.family).inserted }
            if all.count > 2, fits(all) {
                binding = all
                together = true
            }
        }
        guard !binding.isEmpty else { return original }
        let families = Set(binding.map(\.family))
        func others(than family: ConstraintFamily) -> String {
            Array(Set(binding.map(\.family)).subtracting([family])).map(\.rawValue).sorted().joined(separator: ", ")
        }
        // The machine's own explanation keeps its numbers where it names a binding family.
        var conflicts = original.conflicts.filter { families.contains($0.family) }.map { conflict in
            var conflict = conflict
            if together { conflict.message += " (not enough alone: together with lifting \(others(than: conflict.family)), named here too, a layout fits)" }
            return conflict
        }
        for lift in binding where !conflicts.contains(where: { $0.family == lift.family }) {
            let message = together ? lift.message.replacingOccurrences(of: "; with ", with: "; together with lifting \(others(than: lift.family)) (named here too), with ") : lift.message
            conflicts.append(.init(message: message, hosts: lift.conflictHosts, holes: lift.holes, family: lift.family))
        }
        return NoLayoutExists(vmName: original.vmName, conflicts: conflicts)
    }

    /// One host with both lifts applied: each lift changed only its own members.
    static func merge(_ first: HostProfile, _ second: HostProfile, into fleet: Fleet) -> HostProfile {
        guard let original = fleet.hosts.first(where: { $0.name == first.name }) else { return first }
        var host = first
        if second.iommuAddressBits != original.iommuAddressBits { host.iommuAddressBits = second.iommuAddressBits }
        if second.cpuPhysBits != original.cpuPhysBits { host.cpuPhysBits = second.cpuPhysBits }
        if second.reserved != original.reserved { host.reserved = second.reserved }
        if second.programmable != original.programmable { host.programmable = second.programmable }
        return host
    }

    /// One VM spec with both lifts applied.
    static func merge(_ first: VMSpec, _ second: VMSpec, base: VMSpec) -> VMSpec {
        var vm = first
        if second.memoryBlockSize != base.memoryBlockSize { vm.memoryBlockSize = second.memoryBlockSize }
        if second.ramAlign != base.ramAlign { vm.ramAlign = second.ramAlign }
        if second.cpuVendor != base.cpuVendor { vm.cpuVendor = second.cpuVendor }
        if second.slots != base.slots { vm.slots = second.slots }
        if second.p2p != base.p2p { vm.p2p = second.p2p }
        return vm
    }

    /// Each family that applies to this VM and fleet, lifted alone.
    static func lifts(fleet: Fleet, vm: VMSpec, original: NoLayoutExists) -> [Lift] {
        let hosts = fleet.hosts
        let unit = max(vm.ramAlign ?? 0, 2 << 20)
        var list: [Lift] = []
        if vm.memoryBlockSize != unit {
            var finer = vm
            finer.memoryBlockSize = unit
            list.append(Lift(
                family: .memoryBlock, hosts: hosts, vm: finer,
                message: "DIMMs come in whole guest memory blocks (\(vm.memoryBlockSize.map { "memory_block_size \(ByteCount.format($0))" } ?? (vm.machine.rawValue == "virt" ? "1 GiB on arm64" : "x86_64: 128 MiB while boot RAM ends below 64 GiB, up to 2 GiB above")), and the room between host holes does not hold the VM's RAM and planned DIMMs in such blocks; with \(ByteCount.format(unit)) blocks a layout fits (if the guest's /sys/devices/system/memory/block_size_bytes is smaller, set memory_block_size)",
                conflictHosts: hostNames(fleet.holes), holes: []))
        }
        if let align = vm.ramAlign, align > 2 << 20, vm.ram % (2 << 20) == 0 {
            var small = vm
            small.ramAlign = nil
            list.append(Lift(
                family: .hugepageAlignment, hosts: hosts, vm: small,
                message: "hugepage-backed RAM (ram_align \(ByteCount.format(align))) is sized and placed in whole pages, and the room between host holes does not hold it in those units; with 2 MiB pages a layout fits",
                conflictHosts: hostNames(fleet.holes.filter { $0.range.start < 1 << 32 }), holes: Array(fleet.holes.filter { $0.range.start < 1 << 32 }.prefix(6))))
        }
        let windowHosts = hosts.filter { !$0.programmable.isEmpty }
        if !windowHosts.isEmpty {
            list.append(Lift(
                family: .programmableWindow, hosts: hosts.map { var host = $0; host.programmable = []; return host }, vm: vm,
                message: "the programmable windows of " + windowHosts.map { "\($0.name) (\($0.programmable.map { "\(ByteCount.format($0.size)) within \($0.within)" }.joined(separator: ", ")))" }.joined(separator: "; ") + " cannot all be placed clear of the guest's RAM; without them a layout fits",
                conflictHosts: windowHosts.map(\.name), holes: []))
        }
        if vm.cpuVendor == nil, fleet.vendors.contains(.intel), fleet.vendors.contains(.amd) {
            for vendor in [CPUVendor.amd, .intel] {
                var pinned = vm
                pinned.cpuVendor = vendor
                list.append(Lift(
                    family: .amdRelocation, hosts: hosts, vm: pinned,
                    message: "hosts of both CPU vendors and no cpu_vendor: the map must stay below QEMU's AMD relocation threshold 0xfd00000000, where the VM does not fit; with cpu_vendor \"\(vendor.rawValue)\" a layout fits",
                    conflictHosts: hosts.map(\.name), holes: []))
            }
        }
        let narrowIOMMU = hosts.filter { $0.iommuAddressBits < 64 }
        if !narrowIOMMU.isEmpty {
            list.append(Lift(
                family: .iommuWidth, hosts: hosts.map { var host = $0; host.iommuAddressBits = 64; return host }, vm: vm,
                message: "the narrowest IOMMU address width (\(fleet.hostsWithNarrowestIOMMU.joined(separator: ", ")): \(fleet.minIOMMUBits) bits) leaves too little DMA-addressable room; with wider IOMMUs a layout fits",
                conflictHosts: fleet.hostsWithNarrowestIOMMU,
                holes: fleet.holes.filter { if case .beyondIOMMUWidth(let bits) = $0.reason { return bits == fleet.minIOMMUBits } else { return false } }))
        }
        let cpuMost = vm.machine.rawValue == "virt" ? 48 : 52
        if hosts.contains(where: { $0.cpuPhysBits < cpuMost }) {
            list.append(Lift(
                family: .cpuWidth, hosts: hosts.map { var host = $0; host.cpuPhysBits = max(host.cpuPhysBits, cpuMost); return host }, vm: vm,
                message: "the guest map, with the 64-bit PCI hole and device memory after the RAM, does not fit below the narrowest CPU width (\(fleet.hostsWithNarrowestCPU.joined(separator: ", ")): \(fleet.minCPUPhysBits) bits); with wider CPUs a layout fits",
                conflictHosts: fleet.hostsWithNarrowestCPU, holes: []))
        }
        if vm.slots > 0 {
            var fewer = vm
            fewer.slots = 0
            list.append(Lift(
                family: .slots, hosts: hosts, vm: fewer,
                message: "QEMU's 256 memory slots cannot hold the VM's own \(vm.slots) slot(s), its \(vm.plannedDIMMSizes.count) planned DIMM(s) and the DIMMs the layout needs; with fewer slots of its own a layout fits",
                conflictHosts: [], holes: []))
        }
        if vm.p2p {
            var plain = vm
            plain.p2p = false
            list.append(Lift(
                family: .pciHole, hosts: hosts, vm: plain,
                message: "with p2p the PCI windows are DMA targets and overlap host holes; without p2p a layout fits",
                conflictHosts: hostNames(fleet.holes), holes: []))
        }
        let blocking = fleet.holes.filter { if case .reserved = $0.reason { return true } else { return false } }
        if !blocking.isEmpty {
            // Every blocking region is lifted, so every one is named (the text shows the first eight).
            let holes = blocking
            list.append(Lift(
                family: .hostHole, hosts: hosts.map { var host = $0; host.reserved = host.reserved.filter { !$0.type.blocksDMA(strictRelaxable: fleet.strictRelaxable) }; return host }, vm: vm,
                message: "host holes lie where the guest's RAM must go; without them a layout fits",
                conflictHosts: hostNames(holes), holes: holes))
        }
        return list
    }

    static func hostNames(_ holes: [Hole]) -> [String] { Array(Set(holes.map(\.host))).sorted() }
}
