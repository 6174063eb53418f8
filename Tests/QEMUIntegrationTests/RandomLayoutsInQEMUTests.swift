import FleetGenerator
import Foundation
import LayoutSolver
import Testing
import TestSupport

/// The property "no emitted argv makes a QEMU exit": seeded random fleets and VMs (q35, pc, virt;
/// random targets the binary has, holes, maxmem/slots, hugepage alignment, hot-add plans, p2p,
/// virtio-iommu) are solved, and each layout's arguments are started paused in every binary that
/// has its machine type. QMP must come up (no argument refused, no abort) and the RAM map must be
/// the predicted one. Slow (one QEMU per sample): LAYOUTSOLVE_SKIP_SLOW_TESTS=1 skips it.
@Suite("Random layouts start in real QEMU 7.2 and 10.0", .blocking, .enabled(if: !QEMUProcess.skipSlowTests(), "LAYOUTSOLVE_SKIP_SLOW_TESTS is set"))
struct RandomLayoutsInQEMUTests {
    static let gib = LayoutProof.gib
    /// Layouts started per binary; the seed is fixed so a failure reproduces. For a longer search
    /// set LAYOUTSOLVE_QEMU_SAMPLES and LAYOUTSOLVE_QEMU_SEED (decimal).
    static let samples = ProcessInfo.processInfo.environment["LAYOUTSOLVE_QEMU_SAMPLES"].flatMap { Int($0) } ?? 40
    static let seed: UInt64 = ProcessInfo.processInfo.environment["LAYOUTSOLVE_QEMU_SEED"].flatMap { UInt64($0) } ?? 0x5eed_0013

    static let x86Profiles = ["Profiles/intel-xeon-vtd48.json", "Profiles/intel-client-39.json", "Profiles/intel-server-rmrr.json", "Profiles/amd-epyc-7003.json"]
    static let armProfiles = ["Profiles/arm64-smmuv3.json", "Profiles/hisilicon-d05.json", "Profiles/nxp-lx2160a.json"]

    static func randomX86Host(_ index: Int, using g: inout SplitMix64) -> HostProfile {
        var reserved: [(UInt64, UInt64, ReservedType)] = []
        if Int.random(in: 0..<3, using: &g) == 0 {
            let start = UInt64.random(in: 16...1900, using: &g) << 20
            reserved.append((start, start + UInt64.random(in: 1...64, using: &g) * 4096 - 1, .direct))
        }
        for _ in 0..<Int.random(in: 0...2, using: &g) {
            let start = UInt64.random(in: (5 << 10)...(60 << 10), using: &g) << 20
            reserved.append((start, start + UInt64.random(in: 1...(4 << 10), using: &g) * (1 << 20) - 1, .reserved))
        }
        return LayoutProof.host("x\(index)", vendor: Bool.random(using: &g) ? "intel" : "amd", cpuBits: Int.random(in: 40...48, using: &g),
                                iommuBits: Int.random(in: 39...48, using: &g), reserved: reserved)
    }

    static func randomArmHost(_ index: Int, using g: inout SplitMix64) -> HostProfile {
        var reserved: [ReservedRegion] = []
        for _ in 0..<Int.random(in: 0...2, using: &g) {
            let start = UInt64.random(in: (2 << 10)...(40 << 10), using: &g) << 20
            let last = start + UInt64.random(in: 1...(2 << 10), using: &g) * (1 << 20) - 1
            reserved.append(ReservedRegion(range: AddressRange(start: start, last: last)!, type: .reserved))
        }
        let bits = [40, 44, 48].randomElement(using: &g)!
        return HostProfile(name: "a\(index)", arch: .aarch64, cpuVendor: "arm", cpuPhysBits: bits, iommuKind: .other,
                           iommuAddressBits: bits, reserved: reserved, file: "a\(index).json")
    }

    static func randomVM(_ machine: MachineKind, target: QEMUVersion, using g: inout SplitMix64) -> VMSpec {
        var vm = VMSpec(machine: machine, ram: UInt64.random(in: 1...24, using: &g) * gib, cpuModel: "max", qemu: target)
        if machine != .virt && Bool.random(using: &g) { vm.cpuVendor = Bool.random(using: &g) ? .intel : .amd }
        if Int.random(in: 0..<3, using: &g) == 0 {
            vm.maxmem = vm.ram + UInt64.random(in: 1...8, using: &g) * gib
            vm.slots = Int.random(in: 1...3, using: &g)
        }
        if Int.random(in: 0..<4, using: &g) == 0 { vm.ramAlign = gib }
        if Int.random(in: 0..<4, using: &g) == 0 { vm.hotplug = [HotplugRequest(count: Int.random(in: 1...2, using: &g), size: 2 * gib)] }
        if Int.random(in: 0..<5, using: &g) == 0 { vm.p2p = true }
        if Int.random(in: 0..<4, using: &g) == 0 { vm.viommu = .virtioIOMMU }
        if machine != .virt && Int.random(in: 0..<5, using: &g) == 0 { vm.pciHole64 = UInt64(1) << UInt64.random(in: 33...36, using: &g) }
        return vm
    }

    /// The 64-bit PCI window (and on virt the device memory) where the layout says: with p2p it
    /// is a DMA target, and it moves with the machine-type version's highmem rules.
    static func checkWindows(_ layout: GuestLayout, in qemu: QEMUProcess, label: String) throws {
        let predicted = layout.regions.first { $0.kind == .pciHole64 }
        switch layout.machine {
        case .q35, .pc:
            let host = layout.machine == .q35 ? "/machine/q35" : "/machine/i440fx"
            let start = try qemu.qomGetUInt64(host, "pci-hole64-start"), end = try qemu.qomGetUInt64(host, "pci-hole64-end")
            #expect(predicted.map { ($0.range.start, $0.range.last &+ 1) } ?? (start, end) == (start, end),
                    "pci-hole64: QEMU \(Hex.format(start))-\(Hex.format(end)), layout \(predicted.map { "\($0.range)" } ?? "none")\n\(label)\nargv: \(qemu.commandLine.joined(separator: " "))")
        default:
            let tree = try qemu.memoryTree()
            let seen = tree.first(named: "pcie-mmio-high").map { ($0.start, $0.end) }
            #expect(seen.map { "\(Hex.format($0.0))-\(Hex.format($0.1))" } == predicted.map { "\(Hex.format($0.range.start))-\(Hex.format($0.range.last))" },
                    "pcie-mmio-high\n\(label)\nargv: \(qemu.commandLine.joined(separator: " "))")
        }
    }

    @Test(.timeLimit(.minutes(10)), arguments: QEMUBinary.testable)
    func emittedArgumentsStart(on binary: QEMUBinary) throws {
        var g = SplitMix64(seed: Self.seed ^ UInt64(binary.release.major))
        let x86 = try LayoutProof.hosts(Self.x86Profiles)
        let arm = try LayoutProof.hosts(Self.armProfiles)
        let targets = QEMUVersion.modelled.filter(binary.proves)
        var started = 0, noLayout = 0, attempts = 0
        while started < Self.samples && attempts < Self.samples * 4 {
            attempts += 1
            let machine = [MachineKind.q35, .pc, .virt].randomElement(using: &g)!
            let target = targets.randomElement(using: &g)!
            var hosts: [HostProfile]
            if machine == .virt {
                hosts = arm.filter { _ in Bool.random(using: &g) } + (0..<Int.random(in: 0...2, using: &g)).map { Self.randomArmHost($0, using: &g) }
                if hosts.isEmpty { hosts = [arm[0]] }
            } else {
                hosts = x86.filter { _ in Int.random(in: 0..<3, using: &g) == 0 } + (0..<Int.random(in: 1...3, using: &g)).map { Self.randomX86Host($0, using: &g) }
            }
            let vm = Self.randomVM(machine, target: target, using: &g)
            let label = "sample \(attempts) on \(binary): \(machine.rawValue) \(target), \(hosts.map(\.name)), vm \(vm)"
            // Hugepage-aligned or large guests get sparse shared files in a temporary folder:
            // the default hugepage path (/dev/hugepages) is not mounted here, and 24 GiB of
            // anonymous RAM may not be committable on a shared machine. Small ones keep RAM.
            let folder = try LayoutProof.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let backing: QEMUArguments.Options.Backing? = vm.ramAlign != nil || vm.ram > 8 * Self.gib ? .file(folder: folder.path, shared: true) : nil
            do {
                let (solution, qemu) = try LayoutProof.prove(on: binary, hosts, vm, backing: backing)
                defer { qemu.stop() }
                try Self.checkWindows(solution.layout.guest, in: qemu, label: label)
                started += 1
            } catch is NoLayoutExists {
                noLayout += 1
            } catch let error as QEMUProcessError {
                Issue.record("\(label)\n\(error)")
                started += 1
            }
        }
        // The sample must really exercise QEMU, not mostly end in "no layout".
        print("RandomLayoutsInQEMUTests \(binary): \(started) started, \(noLayout) without a layout, \(attempts) attempts")
        #expect(started == Self.samples, "only \(started) of \(attempts) samples solved (\(noLayout) without a layout)")
    }
}
