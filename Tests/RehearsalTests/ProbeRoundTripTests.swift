// The probe round trip on a real kernel: a virtual host built from a profile dumps the files
// `layoutsolve probe` reads (InitScript.swift, @dump), `Prober` reads that tree, and the probed
// profile must have the original profile's holes and (where the virtual host reproduces it) width.
// One boot per IOMMU flavour: VT-d (intel-iommu aw-bits=39), AMD-Vi (amd-iommu: Linux's own HT
// hole), virtio-iommu (the patched QEMU's reserved-regions list: a direct RMRR and the 48-bit width).

import Foundation
import Testing
import TestSupport
import LayoutSolver
@testable import LayoutRehearsal

private func roundTrip(_ path: String) throws -> (original: HostProfile, probed: HostProfile, plan: VirtualHostPlan) {
    let original = try InputLoader.loadHosts(paths: [RehearseCLI.repository.appendingPathComponent(path).path])[0]
    let plan = VirtualHostPlan.plan(for: original)
    guard let spec = plan.spec else { throw RehearsalError.unsupported(plan.notRehearsable ?? "") }
    let report = try Rehearsal.run(host: spec, jobs: [RehearsalJob(innerArguments: ["-M", "q35", "-m", "128M", "-nodefaults"])], dumpProbeFiles: true)
    print("probe round trip \(path): ready \(String(format: "%.1f", report.secondsToReady)) s, total \(String(format: "%.1f", report.totalSeconds)) s, \(report.probeFiles.files.count) files")
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("probe-root-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    try report.probeFiles.write(to: root)
    let result = try Prober.probe(ProbeOptions(root: root.path, name: "virtual-host"))
    print("probe round trip \(path): \(result.json)")
    return (original, result.profile, plan)
}

/// Hard holes (what VFIO refuses) other than those every x86 kernel adds itself.
private func hardHoles(_ profile: HostProfile) -> Set<String> {
    Set(profile.reserved.filter { $0.type.blocksDMA(strictRelaxable: false) }.map { "\($0.range)" })
}

@Suite(.blockingTCGGuests, .serialized, .enabled(if: RehearsalPrerequisites.shouldRun && (RehearsalPrerequisites.isCI || FileManager.default.isExecutableFile(atPath: OuterQEMU.patched)),
                             "LAYOUTSOLVE_SKIP_SLOW_TESTS is set, or no qemu-system-x86 / patched QEMU (bash .ci/build-rehearsal-qemu)"))
struct ProbeRoundTripTests {
    @Test(.timeLimit(.minutes(30))) func intelVTd39() throws {
        let (original, probed, _) = try roundTrip("Profiles/intel-client-39.json")
        #expect(probed.iommuKind == .intelVTd)
        #expect(probed.iommuAddressBits == original.iommuAddressBits)
        #expect(hardHoles(probed) == hardHoles(original))
    }

    @Test(.timeLimit(.minutes(30))) func amdViHyperTransport() throws {
        let (original, probed, _) = try roundTrip("Profiles/amd-epyc-7003.json")
        #expect(probed.iommuKind == .amdVi)
        #expect(hardHoles(probed) == hardHoles(original))
    }

    @Test(.timeLimit(.minutes(30))) func virtioReservedRegionsAndWidth() throws {
        let (original, probed, plan) = try roundTrip("Profiles/intel-server-rmrr.json")
        // The direct RMRR comes back as reserved; the 48-bit width as a reserved region above 2^48.
        let expected = Set(plan.holes.map { "\($0.range)" })
        #expect(hardHoles(probed) == expected)
        #expect(hardHoles(original).isSubset(of: expected))
    }
}
