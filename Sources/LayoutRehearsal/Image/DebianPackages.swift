// Fetches Debian packages with a PRIVATE apt configuration and unpacks them with `dpkg-deb -x`.
// The system's apt configuration, lists and dpkg database are never read or written: apt runs with
// APT_CONFIG pointing at a file under the cache whose Dir::* all point into the cache
// (Dir::Etc::SourceParts at an empty folder, Dir::State::status at an empty file), so the machine's
// own sources (/etc/apt/sources.list.d/*.sources) are used only to learn the mirror URI.
// Cache: ${XDG_CACHE_HOME:-~/.cache}/layoutsolve/debian/<suite>/{apt,unpacked/<key>}.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct DebianPackageError: Error, CustomStringConvertible, Sendable {
    /// The package (or "apt-get update", or the suite) the failure is about.
    public var subject: String
    public var step: String
    public var output: String
    public var description: String {
        "Debian package \(subject): \(step) failed\n\(output.suffix(3000))"
    }
}

public struct DebianPackages {
    public static let suites = ["bookworm", "bookworm-backports"]

    /// ${XDG_CACHE_HOME:-$HOME/.cache}/layoutsolve/debian
    public static var defaultCacheRoot: URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: env["HOME"] ?? "/root").appendingPathComponent(".cache")
        return base.appendingPathComponent("layoutsolve/debian")
    }

    /// Downloads `packages` (names, optionally `name=version`) for amd64 from `suite` and unpacks
    /// them all into one folder, which is returned. For "bookworm-backports" a package is taken from
    /// backports when it exists there, otherwise from bookworm. Cached by suite and the sorted
    /// package list: a second call returns at once (delete the folder to refresh).
    /// Dependencies are NOT resolved: name every package you need.
    public static func unpack(_ packages: [String], suite: String, cacheRoot: URL? = nil) throws -> URL {
        guard suites.contains(suite) else {
            throw DebianPackageError(subject: suite, step: "choosing the suite", output: "supported: \(suites)")
        }
        guard !packages.isEmpty else {
            throw DebianPackageError(subject: "(none)", step: "unpack", output: "empty package list")
        }
        let suiteDir = (cacheRoot ?? defaultCacheRoot).appendingPathComponent(suite)
        let key = packages.sorted().joined(separator: ",")
        let readable = key.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        let name = readable.count <= 80 ? String(readable) : String(readable.prefix(60)) + "-" + fnv1a(key)
        let target = suiteDir.appendingPathComponent("unpacked").appendingPathComponent(name)
        let marker = target.appendingPathComponent(".layoutsolve-packages")
        if FileManager.default.fileExists(atPath: marker.path) { return target }

        let apt = try PrivateApt(suiteDir: suiteDir, suite: suite)
        return try apt.locked {
            if FileManager.default.fileExists(atPath: marker.path) { return target }
            try apt.updateIfStale()
            let work = suiteDir.appendingPathComponent("work-\(getpid())")
            try? FileManager.default.removeItem(at: work)
            defer { try? FileManager.default.removeItem(at: work) }
            let debs = work.appendingPathComponent("debs"), root = work.appendingPathComponent("root")
            for d in [debs, root] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
            var fetched: [String] = []
            for package in packages {
                let before = Set(try FileManager.default.contentsOfDirectory(atPath: debs.path))
                try apt.download(package, into: debs)
                let new = Set(try FileManager.default.contentsOfDirectory(atPath: debs.path)).subtracting(before)
                guard let deb = new.first(where: { $0.hasSuffix(".deb") }) else {
                    throw DebianPackageError(subject: package, step: "apt-get download", output: "no .deb appeared in \(debs.path)")
                }
                try runTool(["dpkg-deb", "-x", debs.appendingPathComponent(deb).path, root.path], env: [:], in: work,
                            subject: package, step: "dpkg-deb -x \(deb)")
                fetched.append(deb)
            }
            try (fetched.joined(separator: "\n") + "\n").write(to: root.appendingPathComponent(".layoutsolve-packages"),
                                                               atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.moveItem(at: root, to: target)
            return target
        }
    }

    /// The .deb file names unpacked into a folder returned by `unpack`.
    public static func unpackedDebs(in folder: URL) -> [String] {
        let text = (try? String(contentsOf: folder.appendingPathComponent(".layoutsolve-packages"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// The newest `linux-image-6.12*-amd64-unsigned` package name in bookworm-backports (the unsigned
    /// image: same modules as the signed one, no shim dependency). Lists are refreshed when older than a day.
    public static func newestBackportsKernel612(cacheRoot: URL? = nil) throws -> String {
        let suite = "bookworm-backports"
        let apt = try PrivateApt(suiteDir: (cacheRoot ?? defaultCacheRoot).appendingPathComponent(suite), suite: suite)
        // linux-image-6.12.38+deb12-amd64-unsigned -> "6.12.38+deb12": compared as Debian versions.
        func version(_ n: String) -> String {
            String(n.dropFirst("linux-image-".count).dropLast("-amd64-unsigned".count))
        }
        let names: [String] = try apt.locked {
            try apt.updateIfStale()
            let out = try apt.run(["apt-cache", "pkgnames", "linux-image-6.12"], subject: "linux-image-6.12*", step: "apt-cache pkgnames")
            // The generic flavour only: the ABI part has no further '-' (cloud-amd64, rt-amd64 have one).
            return out.split(separator: "\n").map(String.init).filter { $0.hasSuffix("-amd64-unsigned") && !version($0).contains("-") }
        }
        guard var best = names.first else {
            throw DebianPackageError(subject: "linux-image-6.12*-amd64-unsigned", step: "finding the kernel in \(suite)", output: "no such package")
        }
        for n in names.dropFirst() {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/dpkg")
            p.arguments = ["--compare-versions", version(n), "gt", version(best)]
            try p.run(); p.waitUntilExit()
            if p.terminationStatus == 0 { best = n }
        }
        return best
    }

    static func fnv1a(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }
}

/// One apt configuration under `<suiteDir>/apt`, shared by all calls for that suite (a file lock
/// serialises them: apt's own lock would fail a concurrent caller instead of waiting).
struct PrivateApt {
    let dir: URL
    let suite: String
    let env: [String: String]

    init(suiteDir: URL, suite: String) throws {
        self.suite = suite
        dir = suiteDir.appendingPathComponent("apt")
        let fm = FileManager.default
        for sub in ["lists/partial", "cache/archives/partial", "etc/sources.list.d", "etc/preferences.d", "etc/apt.conf.d"] {
            try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let d = dir.path
        let mirror = PrivateApt.machineMirror()
        var lines = ["deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \(mirror) bookworm main"]
        if suite != "bookworm" {
            lines.append("deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \(mirror) \(suite) main")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: d + "/etc/sources.list", atomically: true, encoding: .utf8)
        try """
        Dir::State "\(d)";
        Dir::State::Lists "\(d)/lists";
        Dir::State::status "\(d)/status";
        Dir::Cache "\(d)/cache";
        Dir::Etc::SourceList "\(d)/etc/sources.list";
        Dir::Etc::SourceParts "\(d)/etc/sources.list.d";
        Dir::Etc::Preferences "\(d)/etc/preferences";
        Dir::Etc::PreferencesParts "\(d)/etc/preferences.d";
        Dir::Etc::Parts "\(d)/etc/apt.conf.d";
        APT::Architectures { "amd64"; };
        APT::Sandbox::User "root";

        """.write(toFile: d + "/apt.conf", atomically: true, encoding: .utf8)
        if !fm.fileExists(atPath: d + "/status") { _ = fm.createFile(atPath: d + "/status", contents: Data()) }
        env = ["APT_CONFIG": d + "/apt.conf"]
    }

    /// The first `URIs:` of a deb822 source in /etc/apt/sources.list.d that names a plain Debian
    /// archive (not -security), else the first `deb URI` line of /etc/apt/sources.list, else deb.debian.org.
    static func machineMirror() -> String {
        let dir = "/etc/apt/sources.list.d"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".sources") }.sorted()
        for f in files {
            guard let text = try? String(contentsOfFile: dir + "/" + f, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") where line.hasPrefix("URIs:") {
                for uri in line.dropFirst(5).split(separator: " ") where !uri.contains("security") { return String(uri) }
            }
        }
        if let text = try? String(contentsOfFile: "/etc/apt/sources.list", encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let w = line.split(separator: " ").filter { !$0.hasPrefix("[") && !$0.hasSuffix("]") }
                if w.count >= 3, w[0] == "deb", !w[1].contains("security") { return String(w[1]) }
            }
        }
        return "http://deb.debian.org/debian"
    }

    func locked<T>(_ body: () throws -> T) throws -> T {
        let fd = open(dir.appendingPathComponent("layoutsolve.lock").path, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw DebianPackageError(subject: suite, step: "opening the cache lock", output: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw DebianPackageError(subject: suite, step: "locking the cache", output: String(cString: strerror(errno))) }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// `apt-get update` into the private lists when they are absent or older than a day.
    func updateIfStale() throws {
        let stamp = dir.appendingPathComponent("updated")
        if let attrs = try? FileManager.default.attributesOfItem(atPath: stamp.path),
           let date = attrs[.modificationDate] as? Date, Date().timeIntervalSince(date) < 86_400 { return }
        try run(["timeout", "600", "apt-get", "-q", "update"], subject: suite, step: "apt-get update")
        try Data().write(to: stamp)
    }

    func download(_ package: String, into folder: URL) throws {
        // A plain name resolves to bookworm (priority 500 beats backports' 100): ask backports first.
        if suite != "bookworm", !package.contains("="), !package.contains("/") {
            if (try? run(["timeout", "900", "apt-get", "-q", "download", "\(package)/\(suite)"], in: folder,
                         subject: package, step: "apt-get download")) != nil { return }
        }
        try run(["timeout", "900", "apt-get", "-q", "download", package], in: folder, subject: package, step: "apt-get download")
    }

    @discardableResult
    func run(_ argv: [String], in folder: URL? = nil, subject: String, step: String) throws -> String {
        try runTool(argv, env: env, in: folder ?? dir, subject: subject, step: step)
    }
}

@discardableResult
func runTool(_ argv: [String], env: [String: String], in folder: URL, subject: String, step: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
    p.currentDirectoryURL = folder
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard p.terminationStatus == 0 else { throw DebianPackageError(subject: subject, step: step + " (\(argv.joined(separator: " ")))", output: text) }
    return text
}
