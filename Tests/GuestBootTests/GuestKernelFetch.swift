// TEMPORARY, minimal: fetches Debian's 6.12 kernel (bookworm-backports, generic or a flavour such
// as cloud) and busybox-static for one architecture with a private apt configuration (the system's apt state is never touched) and
// caches vmlinuz + busybox under ${XDG_CACHE_HOME:-~/.cache}/layoutsolve/guest-boot-fetch/bookworm-backports-[<flavour>-]<arch>/.
// The rehearsal engine's Debian package fetcher (issue 14) replaces this file once it is merged.

import Foundation
import LayoutRehearsal

struct GuestKernel {
    var kernel: URL
    var busybox: URL
    /// The Debian packages (name_version) the files came from.
    var packages: String
}

struct GuestFetchError: Error, CustomStringConvertible {
    var step: String
    var output: String
    var description: String { "fetching the guest kernel: \(step) failed\n\(output.suffix(2000))" }
}

enum GuestKernelFetch {
    static var cacheRoot: URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: env["HOME"] ?? "/root").appendingPathComponent(".cache")
        return base.appendingPathComponent("layoutsolve/guest-boot-fetch")
    }

    /// Debian's architecture name.
    static func debianArchitecture(_ a: GuestArchitecture) -> String { a == .x86_64 ? "amd64" : "arm64" }

    /// Cached files, fetched when absent. Keyed by architecture and suite: delete the directory to
    /// pick up a newer backports kernel.
    /// `flavour` is Debian's kernel flavour prefix ("cloud" for linux-image-cloud-arm64), nil for
    /// the generic one.
    static func kernel(for architecture: GuestArchitecture, flavour: String? = nil) throws -> GuestKernel {
        let arch = debianArchitecture(architecture)
        let flavoured = flavour.map { "\($0)-\(arch)" } ?? arch
        let dir = cacheRoot.appendingPathComponent("bookworm-backports-\(flavoured)")
        let result = GuestKernel(kernel: dir.appendingPathComponent("vmlinuz"),
                                 busybox: dir.appendingPathComponent("busybox"),
                                 packages: (try? String(contentsOf: dir.appendingPathComponent("packages"), encoding: .utf8)) ?? "")
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("packages").path) { return result }

        let work = cacheRoot.appendingPathComponent("work-\(flavoured)-\(getpid())")
        try? FileManager.default.removeItem(at: work)
        defer { try? FileManager.default.removeItem(at: work) }
        let apt = try PrivateAptConfiguration(folder: work, architecture: arch)
        let w = apt.folder
        let env = apt.environment
        try run(["timeout", "600", "apt-get", "-q", "update"], env: env, in: w, step: "apt-get update")
        try run(["timeout", "600", "apt-get", "-q", "download", "linux-image-\(flavoured):\(arch)/bookworm-backports", "busybox-static:\(arch)"],
                env: env, in: w + "/debs", step: "apt-get download linux-image-\(flavoured)")
        let debs = try FileManager.default.contentsOfDirectory(atPath: w + "/debs")
        guard let meta = debs.first(where: { $0.hasPrefix("linux-image-\(flavoured)_") }),
              let busybox = debs.first(where: { $0.hasPrefix("busybox-static_") }) else {
            throw GuestFetchError(step: "apt-get download", output: debs.joined(separator: " "))
        }
        // linux-image-<arch> depends on exactly one versioned image package: "linux-image-6.12.95+deb12-amd64 (= ...)".
        let depends = try run(["dpkg-deb", "-f", w + "/debs/" + meta, "Depends"], env: [:], in: w, step: "dpkg-deb -f")
        guard let image = depends.split(whereSeparator: { $0 == " " || $0 == "," }).first.map(String.init),
              image.hasPrefix("linux-image-6.12") else {
            throw GuestFetchError(step: "reading \(meta) Depends (expected a 6.12 image)", output: depends)
        }
        try run(["timeout", "900", "apt-get", "-q", "download", "\(image):\(arch)/bookworm-backports"], env: env, in: w + "/debs",
                step: "apt-get download \(image)")
        guard let imageDeb = try FileManager.default.contentsOfDirectory(atPath: w + "/debs").first(where: { $0.hasPrefix(image + "_") }) else {
            throw GuestFetchError(step: "apt-get download \(image)", output: "no .deb")
        }
        // Only /boot/vmlinuz-* and busybox are needed: no full `dpkg -x` of ~400 MB of modules.
        try run(["/bin/sh", "-c", "dpkg-deb --fsys-tarfile \"$0\" | tar -x -C \"$1\" --wildcards './boot/vmlinuz-*'",
                 w + "/debs/" + imageDeb, w + "/root"], env: [:], in: w, step: "extracting \(imageDeb)")
        try run(["dpkg-deb", "-x", w + "/debs/" + busybox, w + "/root"], env: [:], in: w, step: "extracting \(busybox)")
        guard let vmlinuz = try FileManager.default.contentsOfDirectory(atPath: w + "/root/boot").first(where: { $0.hasPrefix("vmlinuz-") }) else {
            throw GuestFetchError(step: "finding vmlinuz in \(imageDeb)", output: "")
        }
        let staged = work.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: staged, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: w + "/root/boot/" + vmlinuz, toPath: staged.path + "/vmlinuz")
        try FileManager.default.copyItem(atPath: w + "/root/bin/busybox", toPath: staged.path + "/busybox")
        try "\(imageDeb) \(busybox)\n".write(to: staged.appendingPathComponent("packages"), atomically: true, encoding: .utf8)
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.moveItem(at: staged, to: dir)
        return GuestKernel(kernel: result.kernel, busybox: result.busybox, packages: "\(imageDeb) \(busybox)")
    }

    @discardableResult
    private static func run(_ argv: [String], env: [String: String], in directory: String, step: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else { throw GuestFetchError(step: step, output: text) }
        return text
    }
}
