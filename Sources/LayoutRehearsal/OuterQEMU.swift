// The command line of the virtual host itself (the OUTER QEMU, under TCG: this machine's /dev/kvm
// cannot boot a stock kernel, see docs in VirtualHosts.md).

import Foundation

enum OuterQEMU {
    static let stock = "/usr/bin/qemu-system-x86_64"
    /// Where .ci/build-rehearsal-qemu leaves the patched QEMU (a symlink to the entry keyed by its inputs).
    static var patched: String { RehearsalCache.root.appendingPathComponent("qemu-patched/qemu-system-x86_64").path }

    /// The machine's QEMU, unless the spec needs the patched one (a user reserved-regions list on
    /// virtio-iommu, refused by stock pc/q35). LAYOUTSOLVE_REHEARSAL_QEMU overrides both.
    static func binary(for spec: VirtualHostSpec) throws -> String {
        let env = ProcessInfo.processInfo.environment["LAYOUTSOLVE_REHEARSAL_QEMU"] ?? ""
        let path = !env.isEmpty ? env : (spec.reservedRegions.isEmpty ? stock : patched)
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw RehearsalError.missing(what: path, provider: path == stock ? "apt-get install qemu-system-x86" : "bash .ci/build-rehearsal-qemu")
        }
        return path
    }

    static func arguments(spec: VirtualHostSpec, image: VirtualHostImage, console: String, results: String, job: String) throws -> [String] {
        let (iommu, kernelArguments) = try iommuArguments(spec)
        // -L: the patched build's own data directory is /usr/local/share/qemu; the firmware is
        // Debian's, which its QEMU finds through its configured firmware path (SeaBIOS lives in
        // /usr/share/seabios, not /usr/share/qemu): name both.
        return [try binary(for: spec), "-L", "/usr/share/qemu", "-L", "/usr/share/seabios", "-M", "q35", "-accel", "tcg",
                // -erms,-fsrm: pinning ~2.5x faster under TCG; one vCPU (two once oopsed on text patching).
                "-cpu", "max,-erms,-fsrm", "-smp", "1", "-m", "\(spec.memoryMiB)M",
                "-nodefaults", "-display", "none", "-no-reboot",
                "-kernel", image.kernel.path, "-initrd", image.initramfs.path, "-append", kernelArguments.joined(separator: " "),
                "-serial", "file:" + console, "-serial", "file:" + results]
            + iommu
            + ["-device", "edu", "-fw_cfg", "name=opt/layoutsolve/job,file=" + job]
    }

    /// The IOMMU device arguments and the kernel command line for `spec`.
    static func iommuArguments(_ spec: VirtualHostSpec) throws -> (devices: [String], kernel: [String]) {
        // no_timer_check: under a loaded TCG host the IO-APIC timer check can miss its window and, with
        // interrupt remapping on, panic ("timer doesn't work through Interrupt-remapped IO-APIC"; seen here).
        var kernelArguments = ["console=ttyS0", "quiet", "loglevel=4", "panic=-1", "rdinit=/init", "no_timer_check"]
        // The IOMMU goes first: QEMU wants it created before the PCI devices it translates for.
        var iommu: [String] = []
        switch spec.iommu {
        case let .intel(awBits):
            guard awBits == 39 || awBits == 48 else { throw RehearsalError.unsupported("intel-iommu aw-bits=\(awBits) (QEMU 7.2 accepts 39 and 48)") }
            guard spec.reservedRegions.isEmpty else {
                throw RehearsalError.unsupported("reserved regions on an intel-iommu virtual host (not implemented; use .virtio with the patched QEMU)")
            }
            iommu = ["-device", "intel-iommu,intremap=on,aw-bits=\(awBits)"]
            kernelArguments.append("intel_iommu=on")
        case .amd:
            guard spec.reservedRegions.isEmpty else {
                throw RehearsalError.unsupported("reserved regions on an amd-iommu virtual host (not implemented; use .virtio with the patched QEMU)")
            }
            iommu = ["-device", "amd-iommu"]
        case let .virtio(awBits):
            if let awBits { throw RehearsalError.unsupported("virtio-iommu aw-bits=\(awBits) needs QEMU 9.0+ as the outer QEMU") }
            var device = "virtio-iommu-pci"
            if !spec.reservedRegions.isEmpty {
                // Stock pc/q35 sets this list itself and refuses a user one; the patched QEMU adds
                // the MSI window only when the user gave no list, so the list carries it here.
                let msi = VirtualHostSpec.Region(start: 0xfee0_0000, end: 0xfeef_ffff, kind: .msi)
                let regions = spec.reservedRegions.contains(msi) ? spec.reservedRegions : spec.reservedRegions + [msi]
                device += ",len-reserved-regions=\(regions.count)"
                for (i, r) in regions.enumerated() {
                    guard r.start <= r.end else { throw RehearsalError.badArgument("reserved region start > end: \(r)") }
                    device += ",reserved-regions[\(i)]=0x\(String(r.start, radix: 16)):0x\(String(r.end, radix: 16)):\(r.kind.virtioType)"
                }
            }
            iommu = ["-device", device]
        }
        return (iommu, kernelArguments)
    }
}
