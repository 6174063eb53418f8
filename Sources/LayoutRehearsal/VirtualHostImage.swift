// Assembles the virtual host's kernel + initramfs and caches them under
// <cache>/image-<key>/ (key: the Debian packages, the machine's QEMU binary, TCG module and the
// init script). The initramfs holds busybox, the VFIO modules (decompressed: busybox insmod reads
// plain ELF; loaded in dependency order read from each module's `depends=` modinfo, so no depmod
// is needed), the machine's own qemu-system-x86_64 as the INNER QEMU with every library `ldd`
// lists and the dynamic loader, Debian's TCG accelerator module (Debian builds TCG as a module:
// without it the inner QEMU has no accelerator) and the firmware under /usr/share/qemu and
// /usr/share/seabios, all at their real paths.

import Foundation

package struct VirtualHostImage: Sendable {
    package var kernel: URL
    package var initramfs: URL
    /// Bytes of the (uncompressed) initramfs.
    package var initramfsBytes: UInt64
    /// Seconds spent building (0 when it came from the cache).
    package var buildSeconds: Double
    package var packages: String

    static let innerQEMU = "/usr/bin/qemu-system-x86_64"
    static let tcgModule = "/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so"
    static let firmwareDirectories = ["/usr/share/qemu", "/usr/share/seabios"]
    /// The modules the init loads (6.12 names; their dependencies are added). virtio, virtio-pci and
    /// the Intel/AMD IOMMU drivers are built into Debian's 6.12 kernel.
    /// virtio_blk carries migration streams between two virtual hosts (`/dev/vda`).
    static let wantedModules = ["vfio_iommu_type1", "vfio_pci", "virtio_iommu", "qemu_fw_cfg", "virtio_blk"]
    /// No interrupt remapping on virtio-iommu: without this VFIO refuses the container
    /// ("Failed to set iommu for container: Operation not permitted").
    static let moduleParameters = ["vfio_iommu_type1": "allow_unsafe_interrupts=1"]

    /// Checks what the image needs from this machine, naming the package that provides each.
    package static func checkPrerequisites() throws {
        let fm = FileManager.default
        for (path, package) in [(innerQEMU, "qemu-system-x86"), (tcgModule, "qemu-system-x86"),
                                ("/usr/share/seabios/bios-256k.bin", "seabios"), ("/usr/share/qemu", "qemu-system-data")]
            where !fm.fileExists(atPath: path) {
            throw RehearsalError.missing(what: path, provider: "apt-get install \(package)")
        }
        if Subprocess.find("ldd") == nil { throw RehearsalError.missing(what: "ldd", provider: "apt-get install libc-bin") }
        try DebianPackages.requireTools()
    }

    /// The cached image, built when absent.
    package static func prepare() throws -> VirtualHostImage {
        try checkPrerequisites()
        let debian = try DebianPackages.kernel()
        let key = RehearsalCache.key(["image-v2", wantedModules.joined(separator: ","), debian.packages, RehearsalCache.fileIdentity(innerQEMU),
                                      RehearsalCache.fileIdentity(tcgModule), InitScript.text(modules: [])])
        let dir = RehearsalCache.root.appendingPathComponent("image-" + key)
        let kernel = dir.appendingPathComponent("vmlinuz")
        let initramfs = dir.appendingPathComponent("initramfs.cpio")
        let fm = FileManager.default
        if fm.fileExists(atPath: dir.appendingPathComponent("complete").path),
           let size = (try? fm.attributesOfItem(atPath: initramfs.path))?[.size] as? NSNumber {
            return VirtualHostImage(kernel: kernel, initramfs: initramfs, initramfsBytes: size.uint64Value, buildSeconds: 0, packages: debian.packages)
        }
        let start = Date()
        let staging = RehearsalCache.root.appendingPathComponent("work-image-\(UUID().uuidString)")
        try? fm.removeItem(at: staging)
        defer { try? fm.removeItem(at: staging) }
        try fm.createDirectory(at: staging.appendingPathComponent("ko"), withIntermediateDirectories: true)

        var cpio = try NewcWriter(path: staging.appendingPathComponent("initramfs.cpio").path)
        try cpio.characterDevice("dev/console", major: 5, minor: 1)
        for d in ["proc", "sys", "tmp", "root"] { try cpio.directory(d) }
        try cpio.file("bin/busybox", data: try Data(contentsOf: debian.busybox))
        try cpio.symlink("bin/sh", target: "busybox")

        let modules = try moduleLoadOrder(debian.modules, staging: staging.appendingPathComponent("ko"))
        for m in modules {
            try cpio.file("lib/modules/rehearsal/\(m.file)", data: try Data(contentsOf: staging.appendingPathComponent("ko/\(m.file)")), executable: false)
        }
        try cpio.file("init", data: Data(InitScript.text(modules: modules.map { ($0.file, moduleParameters[$0.name] ?? "") }).utf8))

        // The inner QEMU at its real path, its libraries where the loader looks for them.
        try cpio.file(String(innerQEMU.dropFirst()), data: try Data(contentsOf: URL(fileURLWithPath: innerQEMU)))
        try cpio.file(String(tcgModule.dropFirst()), data: try Data(contentsOf: URL(fileURLWithPath: tcgModule)))
        var added: Set<String> = []
        for library in try libraries(of: [innerQEMU, tcgModule]) {
            // /lib and /lib64 are symlinks into /usr on a merged-/usr Debian: store each library
            // under its directory's real path and recreate those symlinks.
            let url = URL(fileURLWithPath: library)
            let directory = url.deletingLastPathComponent().resolvingSymlinksInPath().path
            let name = String((directory + "/" + url.lastPathComponent).dropFirst())
            guard added.insert(name).inserted else { continue }
            try cpio.file(name, data: try Data(contentsOf: url))
        }
        for top in ["/lib", "/lib64"] {
            if let target = try? fm.destinationOfSymbolicLink(atPath: top) { try cpio.symlink(String(top.dropFirst()), target: target) }
        }
        for root in firmwareDirectories {
            guard let walker = fm.enumerator(atPath: root) else { continue }
            for case let relative as String in walker {
                let path = root + "/" + relative
                var isDirectory: ObjCBool = false
                // Follows symlinks (Debian links ROMs from other packages); a dangling one is skipped.
                guard fm.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                      let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { continue }
                try cpio.file(String(path.dropFirst()), data: data, executable: false)
            }
        }
        let size = try cpio.finish()
        try fm.copyItem(at: debian.vmlinuz, to: staging.appendingPathComponent("vmlinuz"))
        try fm.removeItem(at: staging.appendingPathComponent("ko"))
        try "\(debian.packages)\n".write(to: staging.appendingPathComponent("complete"), atomically: true, encoding: .utf8)
        if !fm.fileExists(atPath: dir.appendingPathComponent("complete").path) {
            try? fm.removeItem(at: dir)
            try fm.moveItem(at: staging, to: dir)
        }
        return VirtualHostImage(kernel: kernel, initramfs: initramfs, initramfsBytes: size,
                                buildSeconds: Date().timeIntervalSince(start), packages: debian.packages)
    }

    /// Every shared object `ldd` lists for the binaries, plus the loader (absolute paths).
    static func libraries(of binaries: [String]) throws -> [String] {
        var out: [String] = []
        for binary in binaries {
            let text = try Subprocess.run(["ldd", binary], step: "ldd \(binary)", timeout: 60).output
            for line in text.split(separator: "\n") {
                // "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
                let fields = line.split(separator: " ").map { $0.trimmingCharacters(in: .whitespaces) }
                if let arrow = fields.firstIndex(of: "=>"), arrow + 1 < fields.count, fields[arrow + 1].hasPrefix("/") {
                    out.append(fields[arrow + 1])
                } else if let first = fields.first, first.hasPrefix("/") {
                    out.append(first)
                } else if line.contains("not found") {
                    throw RehearsalError.preparation(step: "ldd \(binary)", output: text)
                }
            }
        }
        return out
    }

    /// The wanted modules and their dependencies, dependencies first, each decompressed into `staging`.
    static func moduleLoadOrder(_ modulesRoot: URL, staging: URL) throws -> [(name: String, file: String)] {
        var byName: [String: String] = [:]
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: modulesRoot.path) else {
            throw RehearsalError.preparation(step: "listing \(modulesRoot.path)", output: "")
        }
        for case let relative as String in walker where relative.hasSuffix(".ko.xz") || relative.hasSuffix(".ko") {
            let base = (relative as NSString).lastPathComponent
            let name = String(base.prefix(upTo: base.range(of: ".ko")?.lowerBound ?? base.endIndex)).replacingOccurrences(of: "-", with: "_")
            byName[name] = modulesRoot.path + "/" + relative
        }
        var order: [(name: String, file: String)] = []
        var visiting: Set<String> = []
        func visit(_ name: String) throws {
            if order.contains(where: { $0.name == name }) || visiting.contains(name) { return }
            guard let path = byName[name] else {
                throw RehearsalError.preparation(step: "finding module \(name) under \(modulesRoot.path)", output: "")
            }
            visiting.insert(name)
            let file = name + ".ko"
            let out = staging.appendingPathComponent(file).path
            if path.hasSuffix(".xz") {
                try Subprocess.run(["/bin/sh", "-c", "xz -dc \"$0\" > \"$1\"", path, out], step: "xz -d \(path)", timeout: 60)
            } else {
                try fm.copyItem(atPath: path, toPath: out)
            }
            for dependency in dependencies(of: try Data(contentsOf: URL(fileURLWithPath: out))) { try visit(dependency) }
            order.append((name, file))
        }
        for name in wantedModules { try visit(name) }
        return order
    }

    /// The `depends=a,b` entry of a module's .modinfo section (modpost writes it into every module).
    static func dependencies(of module: Data) -> [String] {
        let marker = Data("\0depends=".utf8)
        guard let range = module.range(of: marker) else { return [] }
        let rest = module[range.upperBound...]
        let end = rest.firstIndex(of: 0) ?? rest.endIndex
        return String(decoding: rest[rest.startIndex..<end], as: UTF8.self).split(separator: ",").map { $0.replacingOccurrences(of: "-", with: "_") }
    }
}
