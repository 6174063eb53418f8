// Real rehearsals: a TCG virtual host with Debian's 6.12 kernel, an emulated IOMMU and QEMU's edu
// device bound to vfio-pci; the machine's QEMU inside it. Each test shares one virtual-host boot
// between its refused and its accepted inner VM. Inner VMs: 512 MiB RAM and a 128 MiB DIMM, so
// pinning stays quick. Timings are printed for the report (swift test output).

import Foundation
import Testing
import TestSupport
@testable import LayoutRehearsal

/// Boot RAM (512 MiB unless told) on q35 with room for one DIMM anywhere below `maxmem`.
private func innerVM(maxmem: String, cpu: String, ram: String = "512M") -> [String] {
    ["-M", "q35", "-m", "\(ram),slots=2,maxmem=\(maxmem)", "-cpu", cpu, "-nodefaults"]
}

private func coldDIMM(at address: UInt64) -> [String] {
    ["-object", "memory-backend-ram,id=m0,size=128M", "-device", "pc-dimm,id=d0,memdev=m0,addr=0x\(String(address, radix: 16))"]
}

private func hotDIMM(at address: UInt64) -> [String] {
    [#"{"execute":"object-add","arguments":{"qom-type":"memory-backend-ram","id":"m0","size":134217728}}"#,
     #"{"execute":"device_add","arguments":{"driver":"pc-dimm","id":"d0","memdev":"m0","addr":\#(address)}}"#]
}

private func show(_ name: String, _ r: RehearsalReport) {
    print("rehearsal \(name): ready \(String(format: "%.1f", r.secondsToReady)) s, jobs \(r.jobSeconds) s, map \(r.mapSeconds) s, total \(String(format: "%.1f", r.totalSeconds)) s, outcomes \(r.outcomes)")
    print("rehearsal \(name): reserved regions \(r.reservedRegions)")
}

private func isRefused(_ o: Outcome?, mentioning text: String) -> Bool {
    if case let .refused(line)? = o { return line.contains(text) && line.contains("vfio_dma_map") }
    return false
}

@Suite(.blockingTCGGuests, .serialized, .enabled(if: RehearsalPrerequisites.shouldRun, "LAYOUTSOLVE_SKIP_SLOW_TESTS is set or this machine lacks qemu-system-x86 (boots TCG virtual hosts)"))
struct VirtualHostTests {
    @Test(.timeLimit(.minutes(40))) func imageBuildsAndIsCached() throws {
        let first = try VirtualHostImage.prepare()
        let again = try VirtualHostImage.prepare()
        print("rehearsal image: built in \(String(format: "%.1f", first.buildSeconds)) s (0 = cached), initramfs \(first.initramfsBytes) bytes, \(first.packages)")
        #expect(again.buildSeconds == 0)
        #expect(again.initramfs == first.initramfs)
        #expect(first.initramfsBytes > 20_000_000)
    }

    /// VT-d with a 39-bit address width: a DIMM at 512 GiB (2^39) is past the aperture and refused;
    /// the same VM with the DIMM at 4 GiB maps. A 48-bit host is checked by the next test.
    @Test(.timeLimit(.minutes(30))) func intel39RefusesDIMMAbove2To39() throws {
        let vm = innerVM(maxmem: "600G", cpu: "max")
        let r = try Rehearsal.run(host: VirtualHostSpec(iommu: .intel(awBits: 39)),
                                  jobs: [RehearsalJob(innerArguments: vm + coldDIMM(at: 1 << 39)),
                                         RehearsalJob(innerArguments: vm + coldDIMM(at: 1 << 32)),
                                         // i440fx: vfio-pci hot-added on the root bus (ACPI PCI hotplug), no root port.
                                         RehearsalJob(innerArguments: ["-M", "pc", "-m", "512M,slots=2,maxmem=600G", "-cpu", "max", "-nodefaults"]
                                                      + coldDIMM(at: 1 << 39))])
        show("intel aw-bits=39", r)
        #expect(r.outcomes.count == 3)
        #expect(isRefused(r.outcomes.first, mentioning: "0x8000000000"))
        #expect(r.outcomes.dropFirst().first == .mapped)
        #expect(isRefused(r.outcomes.last, mentioning: "0x8000000000"))
    }

    @Test(.timeLimit(.minutes(30))) func intel48MapsDIMMAbove2To39() throws {
        let r = try Rehearsal.run(host: VirtualHostSpec(iommu: .intel(awBits: 48)),
                                  jobs: [RehearsalJob(innerArguments: innerVM(maxmem: "600G", cpu: "max", ram: "1G") + coldDIMM(at: 1 << 39))])
        show("intel aw-bits=48 (1 GiB + 128 MiB pinned)", r)
        #expect(r.outcomes == [.mapped])
    }

    /// AMD-Vi: Linux reserves the HyperTransport hole 0xfd00000000-0xffffffffff; a DIMM hot-added
    /// inside it (Intel vCPU, so QEMU does not move RAM above 1 TiB) is refused, moved to 4 GiB it maps.
    @Test(.timeLimit(.minutes(30))) func amdRefusesDIMMInHyperTransportHole() throws {
        let vm = innerVM(maxmem: "1020G", cpu: "max,vendor=GenuineIntel,phys-bits=42")
        let r = try Rehearsal.run(host: VirtualHostSpec(iommu: .amd),
                                  jobs: [RehearsalJob(innerArguments: vm, hotAdd: hotDIMM(at: 0xfd_0000_0000)),
                                         RehearsalJob(innerArguments: vm, hotAdd: hotDIMM(at: 1 << 32))])
        show("amd", r)
        #expect(r.reservedRegions.contains { $0.contains("0x000000fd00000000 0x000000ffffffffff reserved") })
        #expect(isRefused(r.outcomes.first, mentioning: "0xfd00000000"))
        #expect(r.outcomes.last == .mapped)
    }
}

extension VirtualHostTests {
    /// An inner QEMU that fails for a reason other than VFIO is an error naming its message, never
    /// a refusal (a typo in a layout must not read as "this host cannot map it").
    @Test(.timeLimit(.minutes(30))) func innerQEMUErrorIsNotARefusal() throws {
        do {
            let outcome = try Rehearsal.run(host: VirtualHostSpec(iommu: .intel(awBits: 48)),
                                            innerArguments: ["-M", "q35", "-m", "256M", "-nodefaults", "-device", "pc-dimm,id=d0,memdev=nonexistent"])
            Issue.record("expected an error, got \(outcome)")
        } catch let error as RehearsalError {
            guard case let .failed(_, message, _) = error else { Issue.record("expected .failed, got \(error)"); return }
            #expect(message.contains("the inner QEMU exited"))
            #expect(message.contains("nonexistent"))
        }
    }
}

/// virtio-iommu with a user reserved-regions list (the patched outer QEMU from
/// .ci/build-rehearsal-qemu): a hole inside low RAM refuses pc.ram, a firmware hole at 4-5 GiB
/// refuses a DIMM placed in it, and the DIMM right after the hole maps (a region starting right
/// after RAM is fine, and vice versa).
@Suite(.blockingTCGGuests, .serialized, .enabled(if: RehearsalPrerequisites.shouldRun && (RehearsalPrerequisites.isCI || FileManager.default.isExecutableFile(atPath: OuterQEMU.patched)),
                             "LAYOUTSOLVE_SKIP_SLOW_TESTS is set, or no patched QEMU (bash .ci/build-rehearsal-qemu)"))
struct VirtioReservedRegionTests {
    @Test(.timeLimit(.minutes(30))) func userReservedRegionsAreEnforced() throws {
        let host = VirtualHostSpec(iommu: .virtio(awBits: nil), reservedRegions: [
            .init(start: 0x1e00_0000, end: 0x1fff_ffff), .init(start: 0x1_0000_0000, end: 0x1_3fff_ffff),
        ])
        let r = try Rehearsal.run(host: host, jobs: [
            RehearsalJob(innerArguments: innerVM(maxmem: "16G", cpu: "max")),
            RehearsalJob(innerArguments: innerVM(maxmem: "16G", cpu: "max", ram: "256M") + coldDIMM(at: 1 << 32)),
            RehearsalJob(innerArguments: innerVM(maxmem: "16G", cpu: "max", ram: "256M") + coldDIMM(at: 0x1_4000_0000)),
        ])
        show("virtio reserved regions", r)
        #expect(r.reservedRegions.contains { $0.hasSuffix("0x000000001e000000 0x000000001fffffff reserved") })
        #expect(r.reservedRegions.contains { $0.hasSuffix("0x0000000100000000 0x000000013fffffff reserved") })
        #expect(isRefused(r.outcomes.first, mentioning: "pc.ram"))
        #expect(r.outcomes.count == 3 && isRefused(r.outcomes[1], mentioning: "0x100000000"))
        #expect(r.outcomes.last == .mapped)
    }
}
