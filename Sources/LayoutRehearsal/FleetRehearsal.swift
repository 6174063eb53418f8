// The rehearsal API a provisioning tool calls: a VM (a solved layout or a QEMU command line) on
// every distinct host profile, each reproduced by a virtual host (VirtualHostPlan), and the
// migrate-then-hot-add matrix. Everything that this machine lacks is found before the first boot:
// the image, the patched outer QEMU where a profile needs it, and the memory pinning needs.

import Foundation
import LayoutCore

public enum FleetRehearsal {
    public struct Options: Sendable {
        /// Treat direct-relaxable regions as holes too.
        public var strictRelaxable: Bool
        /// Progress lines (`prepare: …`, `boot …`, `map …`, `migrate …`), for standard error.
        public var progress: (@Sendable (String) -> Void)?
        public init(strictRelaxable: Bool = false, progress: (@Sendable (String) -> Void)? = nil) {
            self.strictRelaxable = strictRelaxable
            self.progress = progress
        }
    }

    /// Builds (or finds cached) the virtual-host image and checks the outer QEMUs. Returns one
    /// line per item for the user. Throws ``RehearsalError`` (`isMachineLimitation`: exit 4).
    public static func prepare(patchedQEMU: Bool = true, progress: (@Sendable (String) -> Void)? = nil) throws -> [String] {
        progress?("prepare: checking qemu-system-x86, seabios, apt tools")
        try VirtualHostImage.checkPrerequisites()
        progress?("prepare: virtual-host image (Debian kernel 6.12 and busybox-static from the machine's mirror; first time ~20 s)")
        let image = try VirtualHostImage.prepare()
        var lines = [String(format: "image: %@ (initramfs %llu bytes, %@)", image.initramfs.deletingLastPathComponent().path,
                            image.initramfsBytes, image.buildSeconds == 0 ? "cached" : String(format: "built in %.1f s", image.buildSeconds)),
                     "kernel packages: \(image.packages)"]
        if patchedQEMU {
            progress?("prepare: patched outer QEMU (virtio-iommu reserved regions)")
            let spec = VirtualHostSpec(iommu: .virtio(awBits: nil), reservedRegions: [.init(start: 0x1000_0000, end: 0x1000_0fff)])
            lines.append("patched QEMU: \(try OuterQEMU.binary(for: spec))")
        }
        return lines
    }

    /// MiB the virtual host gets for a VM: its RAM (pinned) plus ~2 GiB (rehearsal.md), at least 3 GiB.
    package static func memoryMiB(for vm: RehearsalVM) -> UInt64 {
        let guest = vm.guestBytes / (1 << 20) + (vm.guestBytes % (1 << 20) == 0 ? 0 : 1)
        let (needed, overflow) = guest.addingReportingOverflow(2048)
        return overflow ? .max : max(3072, needed)
    }

    /// Every check that needs no boot: memory, image, outer QEMU per profile.
    static func preflight(_ profiles: [DistinctProfile], vm: RehearsalVM, options: Options) throws -> [DistinctProfile] {
        var ready = profiles
        for index in ready.indices {
            guard var spec = ready[index].plan.spec else { continue }
            spec.memoryMiB = memoryMiB(for: vm)
            try Rehearsal.checkMemory(spec)
            _ = try OuterQEMU.binary(for: spec)
            _ = try OuterQEMU.iommuArguments(spec)
            ready[index].plan.spec = spec
        }
        options.progress?("prepare: virtual-host image")
        _ = try VirtualHostImage.prepare()
        return ready
    }

    /// Rehearses `vm` on one virtual host per distinct profile of `hosts`.
    public static func rehearse(hosts: [HostProfile], vm: RehearsalVM, options: Options = Options()) throws -> FleetRehearsalReport {
        let start = Date()
        let profiles = try preflight(DistinctProfile.group(hosts, strictRelaxable: options.strictRelaxable), vm: vm, options: options)
        var results: [HostRehearsal] = []
        for (index, profile) in profiles.enumerated() {
            guard let spec = profile.plan.spec else {
                results.append(HostRehearsal(profile: profile, status: .notRehearsable(profile.plan.notRehearsable ?? "not rehearsable")))
                continue
            }
            let tag = "[\(index + 1)/\(profiles.count)] \(profile.name)"
            options.progress?("boot \(tag): \(profile.plan.virtualHost), \(spec.memoryMiB) MiB")
            let report = try Rehearsal.run(host: spec, jobs: [RehearsalJob(innerArguments: vm.arguments, hotAdd: vm.hotAdd)]) { event in
                options.progress?((event.hasPrefix("job") ? "map " : "boot ") + "\(tag): " + event)
            }
            let status: HostRehearsal.Status
            switch report.outcomes.first {
            case .mapped?: status = .ok
            case let .refused(line)?: status = .refused(line, plan: profile.plan)
            case nil: throw RehearsalError.failed(stage: "map (\(profile.name))", message: "no outcome", console: "")
            }
            results.append(HostRehearsal(profile: profile, status: status, bootSeconds: report.secondsToReady, mapSeconds: report.mapSeconds.first))
        }
        return FleetRehearsalReport(vm: vm, hosts: results, totalSeconds: Date().timeIntervalSince(start))
    }

    /// The migrate-then-hot-add matrix over every ordered pair of distinct profiles. Each virtual
    /// host boots at most twice and runs one VM at a time, so memory stays that of one rehearsal:
    /// round one boots each profile in turn, loads the streams of the profiles before it and
    /// writes its own; round two loads the streams of the profiles after it. Streams go through a
    /// sparse raw disk (`/dev/vda` inside), one slot per source.
    public static func migrate(hosts: [HostProfile], vm: RehearsalVM, options: Options = Options()) throws -> MigrationMatrix {
        let start = Date()
        let all = try preflight(DistinctProfile.group(hosts, strictRelaxable: options.strictRelaxable), vm: vm, options: options)
        let live = all.filter { $0.plan.spec != nil }
        // A paused VM's stream is mostly zero-page records (~9 bytes per 4 KiB page) plus device state.
        let slotMiB = vm.guestBytes / (1 << 20) / 256 + 64
        let disk = FileManager.default.temporaryDirectory.appendingPathComponent("layoutsolve-migrate-\(UUID().uuidString).img")
        guard FileManager.default.createFile(atPath: disk.path, contents: nil) else {
            throw RehearsalError.failed(stage: "migrate", message: "cannot create \(disk.path)", console: "")
        }
        defer { try? FileManager.default.removeItem(at: disk) }
        let handle = try FileHandle(forWritingTo: disk)
        try handle.truncate(atOffset: UInt64(max(live.count, 1)) * slotMiB << 20)
        try handle.close()

        func source(_ k: Int) -> RehearsalJob {
            let uri = "exec:dd of=/dev/vda bs=1M seek=\(UInt64(k) * slotMiB) conv=notrunc 2>/dev/null"
            let migrate = #"{"execute":"migrate","arguments":{"uri":"\#(uri)"}}"#
            return RehearsalJob(innerArguments: vm.arguments, hotAdd: [migrate, RehearsalJob.waitForMigration], assignDevice: false)
        }
        func destination(from j: Int) -> RehearsalJob {
            let incoming = "exec:dd if=/dev/vda bs=1M skip=\(UInt64(j) * slotMiB) count=\(slotMiB) 2>/dev/null"
            return RehearsalJob(innerArguments: vm.arguments + ["-incoming", incoming], hotAdd: [RehearsalJob.waitForMigration] + vm.hotAdd)
        }
        var cells: [MigrationCell] = []
        var migrateSeconds: [Int: Double] = [:]
        func boot(_ k: Int, sources: [Int], writeOwn: Bool, round: Int) throws {
            guard let spec = live[k].plan.spec else { return }
            var jobs = sources.map(destination(from:))
            if writeOwn { jobs.append(source(k)) }
            guard !jobs.isEmpty else { return }
            let tag = "\(live[k].name) (round \(round))"
            options.progress?("boot \(tag): \(live[k].plan.virtualHost); in from \(sources.map { live[$0].name }.joined(separator: ", "))\(writeOwn ? "; out" : "")")
            let report = try Rehearsal.run(host: spec, jobs: jobs, disk: disk) { event in
                options.progress?((event.hasPrefix("job") ? "migrate " : "boot ") + "\(tag): " + event)
            }
            for (n, j) in sources.enumerated() {
                let status: HostRehearsal.Status
                switch report.outcomes[n] {
                case .mapped: status = .ok
                case let .refused(line): status = .refused(line, plan: live[k].plan)
                }
                cells.append(MigrationCell(from: live[j].name, to: live[k].name, status: status,
                                           migrateSeconds: migrateSeconds[j], incomingSeconds: report.jobSeconds[n]))
            }
            if writeOwn {
                guard report.outcomes.last == .mapped else {
                    throw RehearsalError.failed(stage: "migrate (out of \(live[k].name))", message: "\(report.outcomes.last.map { "\($0)" } ?? "no outcome")", console: "")
                }
                migrateSeconds[k] = report.mapSeconds.last
            }
        }
        for k in live.indices { try boot(k, sources: Array(0..<k), writeOwn: live.count > 1, round: 1) }
        for k in live.indices.dropLast() { try boot(k, sources: Array((k + 1)..<live.count), writeOwn: false, round: 2) }
        // Pairs with a profile that cannot be rehearsed.
        for a in all {
            for b in all where a.name != b.name && (a.plan.spec == nil || b.plan.spec == nil) {
                let reason = (a.plan.spec == nil ? a : b).plan.notRehearsable ?? "not rehearsable"
                cells.append(MigrationCell(from: a.name, to: b.name, status: .notRehearsable(reason)))
            }
        }
        return MigrationMatrix(vm: vm, profiles: all, cells: cells, totalSeconds: Date().timeIntervalSince(start))
    }

    package static func exitCode(_ statuses: [HostRehearsal.Status]) -> Int32 {
        if statuses.contains(where: { if case .failed = $0 { return true } else { return false } }) { return 1 }
        if statuses.contains(where: { if case .notRehearsable = $0 { return true } else { return false } }) { return 4 }
        return 0
    }
}
