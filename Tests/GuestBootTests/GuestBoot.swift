// One guest boot of a layout, start to power-off: fetch (or reuse) the kernel, build the
// initramfs, start QEMU, wait for the boot report, hot-add the planned DIMMs over QMP
// (object-add + device_add) and wait for the second report, then for QEMU to exit.

import Foundation

struct GuestBootResult {
    var boot: GuestReport
    /// The report after the planned hot-add (nil when the layout plans none).
    var hotplug: GuestReport?
    /// Seconds from QEMU start to the first report line (firmware + kernel + init).
    var secondsToReport: TimeInterval
    /// Seconds from QEMU start to QEMU's exit after power-off.
    var secondsTotal: TimeInterval
    var packages: String
    var console: String

    var summary: String {
        "boot to report \(String(format: "%.1f", secondsToReport)) s, total \(String(format: "%.1f", secondsTotal)) s, "
            + "block size 0x\(String(boot.blockSize, radix: 16)), \(boot.blocks.count) blocks at boot"
            + (hotplug.map { ", \($0.blocks.count) after hot-add" } ?? "")
            + ", BARs above 4 GiB: " + boot.pci.filter { $0.range.last >= (1 << 32) }.map { "\($0.device)/\($0.bar) \($0.range)" }.joined(separator: " ")
    }
}

enum GuestBoot {
    /// Generous next to the ~15-20 s measured, because other jobs share the 2 cores.
    static let reportTimeout: TimeInterval = 300
    static let hotplugTimeout: TimeInterval = 120
    static let exitTimeout: TimeInterval = 60

    static func run(_ layout: GuestBootLayout) throws -> GuestBootResult {
        let missing = GuestPrerequisites.missing(layout.architecture, layout.firmware)
        guard missing.isEmpty else {
            throw GuestMachineError(layout: layout.name, message: "missing prerequisites: \(missing.joined(separator: ", "))"
                                        + " (install with .ci/install-deps)", console: "", stderr: "")
        }
        let kernel = try GuestKernelFetch.kernel(for: layout.architecture, flavour: layout.kernelFlavour)
        let initrd = FileManager.default.temporaryDirectory.appendingPathComponent("layoutsolve-initrd-\(UUID().uuidString).cpio")
        try Initramfs.build(busybox: try Data(contentsOf: kernel.busybox), initScript: Initramfs.initScript).write(to: initrd)
        defer { try? FileManager.default.removeItem(at: initrd) }

        let hotAdd = !layout.hotAddDIMMs.isEmpty
        let machine = try GuestMachine(layout: layout, kernel: kernel.kernel, initrd: initrd, hotplugWait: hotAdd)
        defer { machine.stop() }
        let toReport = try machine.waitForConsole("@@BEGIN iomem boot", timeout: reportTimeout)
        if hotAdd {
            try machine.waitForConsole("@@WAITING-FOR-HOTPLUG", timeout: reportTimeout)
            for dimm in layout.hotAddDIMMs {
                try machine.qmp("object-add", ["qom-type": "memory-backend-ram", "id": "\(dimm.id)-mem", "size": dimm.size])
                try machine.qmp("device_add", ["driver": "pc-dimm", "id": dimm.id, "memdev": "\(dimm.id)-mem",
                                               "addr": dimm.address])
            }
        }
        try machine.waitForConsole("@@DONE", timeout: hotAdd ? hotplugTimeout : reportTimeout)
        let total = try machine.waitForExit(timeout: exitTimeout)
        let console = machine.console
        // LAYOUTSOLVE_GUEST_CONSOLE_DIR=<dir> keeps each guest's console for inspection.
        if let keep = ProcessInfo.processInfo.environment["LAYOUTSOLVE_GUEST_CONSOLE_DIR"], !keep.isEmpty {
            try? console.write(toFile: keep + "/\(layout.name).console.log", atomically: true, encoding: .utf8)
        }
        do {
            return GuestBootResult(boot: try GuestReport(console: console, tag: "boot"),
                                   hotplug: hotAdd ? try GuestReport(console: console, tag: "hotplug") : nil,
                                   secondsToReport: toReport, secondsTotal: total, packages: kernel.packages, console: console)
        } catch {
            throw machine.failure("\(error)")
        }
    }
}
