// Fetches Debian's 6.12 kernel (bookworm-backports; the image package carries the modules too) and
// busybox-static with a PRIVATE apt configuration: own sources list, lists, cache and status, so the
// machine's apt state is never read or changed. Adapted from the `rehearse` branch's
// Tests/GuestBootTests/GuestKernelFetch.swift (same private-apt technique), extended to keep the
// modules. Only the machine's own Debian mirror is contacted.
//
//   <cache>/debian-<key>/root/boot/vmlinuz-*        the kernel
//   <cache>/debian-<key>/root/lib/modules/<ver>/     its modules (.ko.xz, as packaged)
//   <cache>/debian-<key>/root/bin/busybox            busybox-static
//   <cache>/debian-<key>/packages                    the .deb names (written last: marks completion)

import Foundation

struct DebianKernel {
    var vmlinuz: URL
    var modules: URL
    var busybox: URL
    /// The .deb file names the files came from (part of the image's cache key).
    var packages: String
}

enum DebianPackages {
    /// The machine's own Debian mirror: the first `URIs:` of its deb822 sources (Debian bookworm's
    /// default layout), else the first `deb` line of sources.list, else deb.debian.org.
    static var mirror: String {
        let fm = FileManager.default
        let dir = "/etc/apt/sources.list.d"
        for name in ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted() where name.hasSuffix(".sources") {
            guard let text = try? String(contentsOfFile: dir + "/" + name, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") where line.hasPrefix("URIs:") {
                if let uri = line.dropFirst(5).split(separator: " ").first, uri.hasSuffix("/debian") || uri.hasSuffix("/debian/") {
                    return String(uri)
                }
            }
        }
        if let text = try? String(contentsOfFile: "/etc/apt/sources.list", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("deb ") {
                if let uri = line.split(separator: " ").first(where: { $0.hasPrefix("http") }) { return String(uri) }
            }
        }
        return "http://deb.debian.org/debian"
    }

    static func requireTools() throws {
        for (tool, package) in [("apt-get", "apt"), ("dpkg-deb", "dpkg"), ("tar", "tar"), ("xz", "xz-utils")] where Subprocess.find(tool) == nil {
            throw RehearsalError.missing(what: tool, provider: "apt-get install \(package)")
        }
        if !FileManager.default.fileExists(atPath: "/usr/share/keyrings/debian-archive-keyring.gpg") {
            throw RehearsalError.missing(what: "/usr/share/keyrings/debian-archive-keyring.gpg", provider: "apt-get install debian-archive-keyring")
        }
    }

    static func kernel(timeout: TimeInterval = 1200) throws -> DebianKernel {
        let mirror = self.mirror
        let dir = RehearsalCache.root.appendingPathComponent("debian-" + RehearsalCache.key(["bookworm-backports", "amd64", "linux-image-amd64", mirror]))
        let marker = dir.appendingPathComponent("packages")
        if let packages = try? String(contentsOf: marker, encoding: .utf8) {
            return try located(in: dir.appendingPathComponent("root"), packages: packages)
        }
        try requireTools()
        let fm = FileManager.default
        let work = RehearsalCache.root.appendingPathComponent("work-debian-\(UUID().uuidString)")
        try? fm.removeItem(at: work)
        defer { try? fm.removeItem(at: work) }
        let apt = try PrivateAptConfiguration(folder: work, architecture: "amd64", mirror: mirror)
        let w = apt.folder
        let env = apt.environment
        try Subprocess.run(["apt-get", "-q", "update"], step: "apt-get update (private config, \(mirror))", timeout: timeout, directory: w, environment: env)
        try Subprocess.run(["apt-get", "-q", "download", "linux-image-amd64/bookworm-backports", "busybox-static"],
                           step: "apt-get download linux-image-amd64 busybox-static", timeout: timeout, directory: w + "/debs", environment: env)
        let debs = try fm.contentsOfDirectory(atPath: w + "/debs")
        guard let meta = debs.first(where: { $0.hasPrefix("linux-image-amd64_") }),
              let busybox = debs.first(where: { $0.hasPrefix("busybox-static_") }) else {
            throw RehearsalError.preparation(step: "apt-get download", output: debs.joined(separator: " "))
        }
        // The meta package depends on exactly one versioned image: "linux-image-6.12.95+deb12-amd64 (= ...)".
        let depends = try Subprocess.run(["dpkg-deb", "-f", w + "/debs/" + meta, "Depends"], step: "dpkg-deb -f \(meta)", timeout: 60).output
        guard let image = depends.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" }).first.map(String.init),
              image.hasPrefix("linux-image-6.12") else {
            throw RehearsalError.preparation(step: "reading \(meta) Depends (expected a 6.12 image)", output: depends)
        }
        try Subprocess.run(["apt-get", "-q", "download", "\(image)/bookworm-backports"], step: "apt-get download \(image)",
                           timeout: timeout, directory: w + "/debs", environment: env)
        guard let imageDeb = try fm.contentsOfDirectory(atPath: w + "/debs").first(where: { $0.hasPrefix(image + "_") }) else {
            throw RehearsalError.preparation(step: "apt-get download \(image)", output: "no .deb")
        }
        let staged = work.appendingPathComponent("out")
        try fm.createDirectory(at: staged.appendingPathComponent("root"), withIntermediateDirectories: true)
        // The kernel and its modules (~110 MB as .ko.xz); the rest of the package is not needed.
        try Subprocess.run(["/bin/sh", "-c", "dpkg-deb --fsys-tarfile \"$0\" | tar -x -C \"$1\" --wildcards './boot/vmlinuz-*' './lib/modules/*' './usr/lib/modules/*'",
                            w + "/debs/" + imageDeb, staged.path + "/root"], step: "unpacking \(imageDeb)", timeout: 600, allowFailure: true)
        try Subprocess.run(["dpkg-deb", "-x", w + "/debs/" + busybox, staged.path + "/root"], step: "unpacking \(busybox)", timeout: 120)
        let packages = "\(imageDeb) \(busybox)"
        _ = try located(in: staged.appendingPathComponent("root"), packages: packages)
        try packages.write(to: staged.appendingPathComponent("packages"), atomically: true, encoding: .utf8)
        try fm.createDirectory(at: RehearsalCache.root, withIntermediateDirectories: true)
        // Another process may have finished the same entry meanwhile: keep the first complete one.
        if !fm.fileExists(atPath: marker.path) {
            try? fm.removeItem(at: dir)
            try fm.moveItem(at: staged, to: dir)
        }
        return try located(in: dir.appendingPathComponent("root"), packages: packages)
    }

    private static func located(in root: URL, packages: String) throws -> DebianKernel {
        let fm = FileManager.default
        guard let vmlinuz = try? fm.contentsOfDirectory(atPath: root.path + "/boot").first(where: { $0.hasPrefix("vmlinuz-") }) else {
            throw RehearsalError.preparation(step: "finding vmlinuz-* in \(root.path)/boot", output: packages)
        }
        let version = String(vmlinuz.dropFirst("vmlinuz-".count))
        let modules = ["lib/modules/", "usr/lib/modules/"].map { root.appendingPathComponent($0 + version) }
            .first { fm.fileExists(atPath: $0.path) }
        guard let modules else { throw RehearsalError.preparation(step: "finding lib/modules/\(version)", output: packages) }
        let busybox = root.appendingPathComponent("bin/busybox")
        guard fm.fileExists(atPath: busybox.path) else { throw RehearsalError.preparation(step: "finding bin/busybox", output: packages) }
        return DebianKernel(vmlinuz: root.appendingPathComponent("boot/" + vmlinuz), modules: modules, busybox: busybox, packages: packages.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
