// One virtual-host boot running one or more inner QEMU jobs: writes the job file, boots the outer
// QEMU, follows the result port (ttyS1) with a deadline per stage, and turns each job's report into
// an Outcome. The outer QEMU is always killed and its temporary files removed.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

package enum Outcome: Sendable, Equatable {
    /// Every DMA target was mapped by the virtual host's VFIO.
    case mapped
    /// VFIO refused a map: the inner QEMU's own error line.
    case refused(String)
}

package struct RehearsalJob: Sendable {
    /// The inner VM's QEMU arguments (without -S, QMP or the assigned device: the engine adds those).
    package var innerArguments: [String]
    /// QMP commands (one JSON object each) run in order before the vfio-pci device is hot-added,
    /// e.g. planned DIMMs: object-add then device_add.
    package var hotAdd: [String]
    /// False for the source of a migration: the VM runs there with no assigned device.
    package var assignDevice: Bool
    package init(innerArguments: [String], hotAdd: [String] = [], assignDevice: Bool = true) {
        self.innerArguments = innerArguments
        self.hotAdd = hotAdd
        self.assignDevice = assignDevice
    }

    /// A pseudo QMP command: wait until query-migrate reports the stream complete (InitScript.swift).
    package static let waitForMigration = "WAIT-MIGRATION"
}

package struct RehearsalReport: Sendable {
    package var outcomes: [Outcome]
    /// Seconds from starting the outer QEMU to the device bound to vfio-pci.
    package var secondsToReady: Double
    /// Per job, seconds inside the virtual host from starting the inner QEMU to its outcome.
    package var jobSeconds: [Double]
    /// Per job, seconds of the last QMP command (the vfio-pci hot-add: the map itself).
    package var mapSeconds: [Double]
    /// The virtual host's /sys/kernel/iommu_groups/*/reserved_regions lines: "<group> <start> <end> <type>".
    package var reservedRegions: [String]
    package var totalSeconds: Double
    /// With `dumpProbeFiles`: the files `layoutsolve probe` reads, as the virtual host's kernel shows them.
    package var probeFiles: ProbeFileDump = ProbeFileDump()
}

package enum Rehearsal {
    package static let readyTimeout: TimeInterval = 240
    package static let jobTimeout: TimeInterval = 360

    /// Rehearses one inner VM: `.mapped` or `.refused(error line)`.
    package static func run(host: VirtualHostSpec, innerArguments: [String], hotAdd: [String] = []) throws -> Outcome {
        let report = try run(host: host, jobs: [RehearsalJob(innerArguments: innerArguments, hotAdd: hotAdd)])
        guard let outcome = report.outcomes.first else { throw RehearsalError.failed(stage: "map", message: "no outcome", console: "") }
        return outcome
    }

    /// Rehearses several inner VMs on one virtual-host boot, in order.
    /// `disk`: a raw image attached as the virtual host's /dev/vda (migration streams).
    /// `dumpProbeFiles`: report the probe's files first (``RehearsalReport/probeFiles``).
    /// `event`: called when the virtual host is ready and after each job, for progress lines.
    package static func run(host: VirtualHostSpec, jobs: [RehearsalJob], disk: URL? = nil, dumpProbeFiles: Bool = false,
                            event: (@Sendable (String) -> Void)? = nil) throws -> RehearsalReport {
        try checkMemory(host)
        let image = try VirtualHostImage.prepare()
        _ = try OuterQEMU.binary(for: host)
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("layoutsolve-rehearsal-\(UUID().uuidString)")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        let console = work.appendingPathComponent("console.log").path
        let results = work.appendingPathComponent("results.log").path
        let jobFile = work.appendingPathComponent("job.txt").path
        try ((dumpProbeFiles ? "@dump\n" : "") + jobText(jobs)).write(toFile: jobFile, atomically: true, encoding: .utf8)
        var argv = try OuterQEMU.arguments(spec: host, image: image, console: console, results: results, job: jobFile)
        if let disk {
            // cache=unsafe: the stream only has to survive until this QEMU exits (it flushes then).
            argv += ["-drive", "file=\(disk.path),format=raw,if=none,id=rehearsal-disk,cache=unsafe", "-device", "virtio-blk-pci,drive=rehearsal-disk"]
        }

        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        let stderrFile = work.appendingPathComponent("qemu.stderr").path
        _ = fm.createFile(atPath: stderrFile, contents: Data())
        let stderrHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrFile))
        defer { try? stderrHandle.close() }
        p.standardOutput = stderrHandle
        p.standardError = stderrHandle
        p.standardInput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        defer { Subprocess.kill(p) }

        func diagnostics() -> String {
            let c = (try? String(contentsOfFile: console, encoding: .utf8)) ?? ""
            let e = (try? String(contentsOfFile: stderrFile, encoding: .utf8)) ?? ""
            let r = (try? String(contentsOfFile: results, encoding: .utf8)) ?? ""
            return "--- outer QEMU stderr\n\(e)\n--- results port\n\(r)\n--- console\n\(c.suffix(3000))"
        }
        /// Waits until a results line starts with one of `prefixes`; returns the lines so far.
        func wait(for prefixes: [String], stage: String, timeout: TimeInterval) throws -> [String] {
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                // Read the state of the process BEFORE the file, so a line written just before exit is seen.
                let running = p.isRunning
                // Lenient decoding: a stray byte on the serial line must not hide the report.
                let data = (try? Data(contentsOf: URL(fileURLWithPath: results))) ?? Data()
                let lines = String(decoding: data, as: UTF8.self)
                    .split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                if let fatal = lines.first(where: { $0.hasPrefix("@@FATAL") }) {
                    throw RehearsalError.failed(stage: stage, message: "virtual host: " + fatal.dropFirst(8), console: diagnostics())
                }
                if lines.contains(where: { line in prefixes.contains { line.hasPrefix($0) } }) { return lines }
                if !running {
                    throw RehearsalError.failed(stage: stage, message: "the virtual host exited (status \(p.terminationStatus))", console: diagnostics())
                }
                if Date() > deadline { throw RehearsalError.timeout(stage: stage, seconds: timeout, console: diagnostics()) }
                usleep(50_000)
            }
        }

        _ = try wait(for: ["@@READY"], stage: "boot", timeout: readyTimeout)
        let ready = Date().timeIntervalSince(start)
        event?(String(format: "booted in %.1f s", ready))
        var lines: [String] = []
        for n in jobs.indices {
            lines = try wait(for: ["@@OUTCOME \(n + 1) "], stage: "map (job \(n + 1))", timeout: jobTimeout)
            if let line = lines.first(where: { $0.hasPrefix("@@OUTCOME \(n + 1) ") }) {
                let f = line.split(separator: " ")
                event?("job \(n + 1) of \(jobs.count): \(f.count > 2 ? f[2] : "?") in \(f.count > 3 ? f[3] : "?") s")
            }
        }
        lines = try wait(for: ["@@DONE"], stage: "finish", timeout: 60)
        _ = Subprocess.waitOrKill(p, timeout: 30)
        let total = Date().timeIntervalSince(start)

        var outcomes: [Outcome] = []
        var jobSeconds: [Double] = []
        var mapSeconds: [Double] = []
        for n in 1...jobs.count {
            let mine = lines.filter { $0.hasPrefix("@@OUTCOME \(n) ") || $0.hasPrefix("@@STEP \(n) ") || $0.hasPrefix("@@STDERR \(n) ") }
            guard let outcomeLine = mine.first(where: { $0.hasPrefix("@@OUTCOME") }) else {
                throw RehearsalError.failed(stage: "map (job \(n))", message: "no outcome line", console: diagnostics())
            }
            let fields = outcomeLine.split(separator: " ")
            jobSeconds.append(fields.count > 3 ? Double(fields[3]) ?? 0 : 0)
            let steps = mine.filter { $0.hasPrefix("@@STEP") }
            mapSeconds.append(steps.last.flatMap { line in
                let f = line.split(separator: " ")
                return f.count > 4 ? Double(f[4]) : nil
            } ?? 0)
            let stderr = mine.filter { $0.hasPrefix("@@STDERR") }.map { String($0.split(separator: " ", maxSplits: 2).dropFirst(2).first ?? "") }
            let kind = fields.count > 2 ? String(fields[2]) : ""
            switch kind {
            case "ok":
                outcomes.append(.mapped)
            case "error":
                let reply = steps.last.map { String($0.split(separator: " ", maxSplits: 5).dropFirst(5).first ?? "") } ?? ""
                let desc = qmpErrorDescription(reply)
                guard isVFIORefusal(desc) else {
                    throw RehearsalError.failed(stage: "map (job \(n))", message: "QMP command failed: \(desc)", console: stderr.joined(separator: "\n"))
                }
                outcomes.append(.refused(desc))
            case "exited":
                // A cold vfio-pci in the arguments is refused at start: QEMU exits with the error.
                guard let line = stderr.last(where: isVFIORefusal) else {
                    throw RehearsalError.failed(stage: "map (job \(n))", message: "the inner QEMU exited: \(stderr.last ?? "(no message)")",
                                                console: stderr.joined(separator: "\n"))
                }
                outcomes.append(.refused(line))
            default:
                throw RehearsalError.timeout(stage: "map (job \(n))", seconds: 600, console: diagnostics())
            }
        }
        let regions = lines.filter { $0.hasPrefix("@@REGION ") }.map { String($0.dropFirst(9)) }
        return RehearsalReport(outcomes: outcomes, secondsToReady: ready, jobSeconds: jobSeconds, mapSeconds: mapSeconds,
                               reservedRegions: regions, totalSeconds: total, probeFiles: ProbeFileDump(lines: lines))
    }

    /// A refused DMA map as QEMU words it (hw/vfio/common.c: vfio_dma_map failing, or the
    /// hardware error when a DIMM is realized after the device).
    static func isVFIORefusal(_ text: String) -> Bool {
        text.contains("vfio_dma_map") || text.contains("VFIO_MAP_DMA") || text.contains("DMA mapping failed")
    }

    static func qmpErrorDescription(_ reply: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any],
              let error = object["error"] as? [String: Any], let desc = error["desc"] as? String else { return reply }
        return desc
    }

    /// The job file the virtual host's init reads from fw_cfg (format: InitScript.swift).
    static func jobText(_ jobs: [RehearsalJob]) throws -> String {
        var text = ""
        for (i, job) in jobs.enumerated() {
            var arguments = InnerArguments.adapt(job.innerArguments)
            var commands = job.hotAdd
            var device: [String: String] = ["driver": "vfio-pci", "host": "@BDF@", "id": "rehearsal-vfio"]
            if InnerArguments.isQ35(arguments) {
                // q35's root bus takes no hotplug ("Bus 'pcie.0' does not support hotplugging").
                arguments += ["-device", "pcie-root-port,id=rehearsal-rp,chassis=254"]
                device["bus"] = "rehearsal-rp"
            }
            if job.assignDevice {
                let add = try JSONSerialization.data(withJSONObject: ["execute": "device_add", "arguments": device], options: [.sortedKeys])
                commands.append(String(decoding: add, as: UTF8.self))
            }
            text += "@job \(i + 1)\n"
            for a in arguments {
                guard !a.contains("\n") else { throw RehearsalError.badArgument("an inner argument holds a newline: \(a)") }
                text += "@arg \(a)\n"
            }
            for c in commands {
                guard !c.contains("\n") else { throw RehearsalError.badArgument("a QMP command holds a newline: \(c)") }
                text += "@qmp \(c)\n"
            }
            text += "@end\n"
        }
        return text
    }

    /// Refuses a virtual host this machine cannot hold: pinning the inner VM's RAM under memory
    /// pressure would swap it to death instead of failing.
    static func checkMemory(_ host: VirtualHostSpec) throws {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
              let kib = line.split(separator: " ").dropFirst().first.flatMap({ UInt64($0) }) else { return }
        let available = kib / 1024
        // The outer QEMU's own code buffer and the initramfs copies need ~1 GiB beyond the guest RAM.
        let (needed, overflow) = host.memoryMiB.addingReportingOverflow(1024)
        if overflow || available < needed { throw RehearsalError.notEnoughMemory(neededMiB: needed, availableMiB: available) }
    }
}
