// Fast checks of the rehearsal API that need no virtual host: profile -> virtual host, distinct
// profiles, hole attribution, the inner command line from --qemu-args.

import Foundation
import Testing
import LayoutSolver
@testable import LayoutRehearsal

private func profile(_ path: String) throws -> HostProfile {
    try InputLoader.loadHosts(paths: [RehearseCLI.repository.appendingPathComponent(path).path])[0]
}

@Suite struct RehearsePlanTests {
    @Test func intelWithoutHardHolesUsesIntelIOMMU() throws {
        let plan = VirtualHostPlan.plan(for: try profile("Profiles/intel-client-39.json"))
        #expect(plan.spec == VirtualHostSpec(iommu: .intel(awBits: 39)))
        #expect(plan.holes.contains { $0.label.contains("39-bit") })
    }

    @Test func directRMRRBecomesVirtioReservedWithWidthRegion() throws {
        let plan = VirtualHostPlan.plan(for: try profile("Profiles/intel-server-rmrr.json"))
        #expect(plan.spec?.iommu == .virtio(awBits: nil))
        #expect(plan.spec?.reservedRegions == [.init(start: 0xbdf6e000, end: 0xbdf84fff), .init(start: 1 << 48, end: .max)])
        #expect(plan.notes.contains { $0.contains("rehearsed as reserved") })
    }

    @Test func amdUsesAMDIOMMUAndSaysWidthIsNotRehearsed() throws {
        let plan = VirtualHostPlan.plan(for: try profile("Profiles/amd-epyc-7003.json"))
        #expect(plan.spec?.iommu == .amd)
        #expect(plan.notes.contains { $0.contains("width not rehearsed") })
    }

    @Test func armIsNotRehearsable() throws {
        let plan = VirtualHostPlan.plan(for: try profile("Profiles/arm64-smmuv3.json"))
        #expect(plan.spec == nil && plan.notRehearsable != nil)
    }

    @Test func identicalProfilesAreRehearsedOnce() throws {
        let hosts = try InputLoader.loadHosts(paths: [RehearseCLI.repository.appendingPathComponent("Examples/fleets/amd-ht").path])
        let distinct = DistinctProfile.group(hosts)
        // amd-epyc-7003 and amd-epyc-sme have the same holes and width.
        #expect(distinct.count < hosts.count)
        #expect(distinct.contains { $0.hosts == ["amd-epyc-7003", "amd-epyc-sme"] })
    }

    @Test func refusalNamesTheHole() throws {
        let plan = VirtualHostPlan.plan(for: try profile("Profiles/intel-server-rmrr.json"))
        let line = "vfio 0000:00:02.0: failed to setup container for group 1: memory listener initialization failed: Region pc.ram: vfio_dma_map(0x5, 0x100000, 0xbff00000, 0x7f) = -22 (Invalid argument)"
        guard case let .failed(_, hole) = HostRehearsal.Status.refused(line, plan: plan) else { Issue.record("not a failure"); return }
        #expect(hole.contains("0xbdf6e000"))
    }

    @Test func commandLineKeepsOnlyTheMemoryMap() throws {
        let vm = try RehearsalVM.commandLine("qemu-system-x86_64 -M q35 -m 2G -enable-kvm -drive file=disk.img -device virtio-net,netdev=n -object memory-backend-file,id=m0,size=1G,mem-path=/dev/hugepages -device pc-dimm,memdev=m0")
        #expect(vm.arguments.starts(with: ["-M", "q35", "-m", "2G", "-enable-kvm"]))
        #expect(vm.arguments.contains("memory-backend-ram,id=m0,size=1G"))
        #expect(!vm.arguments.contains("-drive") && vm.arguments.contains("-nodefaults"))
        #expect(vm.guestBytes == 3 << 30)
        #expect(throws: InputError.self) { try RehearsalVM.commandLine("-M q35 -m 'unterminated") }
    }

    @Test func probeDumpWritesATree() throws {
        let dump = ProbeFileDump(lines: ["@@READY x", "@@FILE /proc/cpuinfo", "@@L vendor_id\t: GenuineIntel", "@@L", "@@DIR /sys/class/iommu/dmar0",
                                         "@@LINK /sys/bus/pci/devices/0000:00:02.0/iommu_group ../../../kernel/iommu_groups/1", "@@DUMPED"])
        #expect(dump.files["/proc/cpuinfo"] == "vendor_id\t: GenuineIntel\n\n")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dump-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try dump.write(to: root)
        #expect(FileManager.default.fileExists(atPath: root.path + "/sys/class/iommu/dmar0"))
        #expect(try String(contentsOfFile: root.path + "/sys/bus/pci/devices/0000:00:02.0/iommu_group", encoding: .utf8).hasSuffix("iommu_groups/1"))
    }
}
