import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutProbe

/// `probe --collector`'s script, run with the real sh, tar and gzip against each fixture tree,
/// and `probe --root` on the archive it writes: the same profile as the folder, from exactly
/// the files ``ProbeFiles/all`` lists.
@Suite("probe: collector script and archives")
struct ProbeArchiveTests {
    struct Scratch {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ls-collect-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
        func delete() { try? FileManager.default.removeItem(at: url) }
    }

    /// Runs a program to its end, with a deadline; returns its status and standard error.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { process.terminate(); process.waitUntilExit(); throw InputError(source: program, message: "timed out") }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// The script, written to the scratch folder, run against `root`, writing `archive`.
    static func collect(root: String, into archive: String, scratch: Scratch) throws {
        let script = scratch.path("collect.sh")
        try Data(ProbeCollector.script().utf8).write(to: URL(fileURLWithPath: script))
        let result = try run("/bin/sh", [script, "--root", root, "-o", archive])
        #expect(result.status == 0 && result.stderr.isEmpty, "collect.sh --root \(root): \(result.stderr)")
    }

    @Test(arguments: ProbeFixture.platforms.map(\.name))
    func collectedArchiveGivesTheFixturesProfile(name: String) throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let archive = scratch.path("\(name).tar.gz")
        try Self.collect(root: ProbeFixture.root(name), into: archive, scratch: scratch)
        let result = try Prober.probe(ProbeFixture.options(name) { $0.root = archive })
        #expect(result.json == (try ProbeFixture.expectedJSON(name)))
        #expect(result.missing.isEmpty)

        // Exactly the listed files: the fixtures' extras (ecap, uevent, expected.json) stay out.
        let tree = try ArchiveLoader.load(archive)
        let outside = tree.nodes.keys.filter { !ProbeFiles.isCollected($0) }.sorted()
        #expect(outside.isEmpty, "collected but not read by probe: \(outside)")
        #expect(tree.nodes["/expected.json"] == nil)

        // The same archive uncompressed.
        let plain = scratch.path("\(name).tar")
        #expect(try Self.run("/bin/sh", ["-c", "gzip -dc '\(archive)' > '\(plain)'"]).status == 0)
        #expect(try Prober.probe(ProbeFixture.options(name) { $0.root = plain }).json == (try ProbeFixture.expectedJSON(name)))
    }

    @Test func devicesAndGroupsReadFromAnArchive() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let archive = scratch.path("intel-client.tar.gz")
        try Self.collect(root: ProbeFixture.root("intel-client"), into: archive, scratch: scratch)
        for configure in [{ (o: inout ProbeOptions) in o.devices = [PCIAddress("0000:01:00.0")!] }, { (o: inout ProbeOptions) in o.groups = [12] }] {
            let fromFolder = try Prober.probe(ProbeFixture.options("intel-client", configure)).json
            let fromArchive = try Prober.probe(ProbeFixture.options("intel-client") { configure(&$0); $0.root = archive }).json
            #expect(fromFolder == fromArchive)
        }
    }

    /// sysfs's `iommu_group` entries are symlinks; the script keeps them as symlinks.
    @Test func realSymlinksSurviveTheArchive() throws {
        let copy = try ProbeFixture.Scratch(copying: "intel-client")
        defer { copy.delete() }
        try copy.link("/sys/bus/pci/devices/0000:01:00.0/iommu_group", to: "../../../../kernel/iommu_groups/12")
        let scratch = try Scratch()
        defer { scratch.delete() }
        let archive = scratch.path("host.tar.gz")
        try Self.collect(root: copy.path, into: archive, scratch: scratch)
        let tree = try ArchiveLoader.load(archive)
        #expect(tree.nodes["/sys/bus/pci/devices/0000:01:00.0/iommu_group"] == .symlink("../../../../kernel/iommu_groups/12"))
        let devices = [PCIAddress("0000:01:00.0")!]
        let fromArchive = try Prober.probe(ProbeFixture.options("intel-client") { $0.devices = devices; $0.root = archive })
        #expect(fromArchive.json == (try Prober.probe(ProbeFixture.options("intel-client") { $0.devices = devices }).json))
    }

    @Test func aFileThatIsNotAnArchiveIsNamed() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let file = scratch.path("host.json")
        try Data("{\"schema\": \"layoutsolve/host/v1\"}\n".utf8).write(to: URL(fileURLWithPath: file))
        let problems = ProbeFixture.problems(ProbeOptions(root: file))
        #expect(problems.map(\.description) == ["\(file): not a tar archive (--root takes a folder, a .tar or a .tar.gz, such as probe --collector writes)"])
        let big = scratch.path("big")
        try Data(repeating: 0x41, count: 2048).write(to: URL(fileURLWithPath: big))
        #expect(ProbeFixture.problems(ProbeOptions(root: big)).first?.message.hasPrefix("not a tar archive") == true)
    }

    @Test func aTruncatedArchiveIsAnError() throws {
        let scratch = try Scratch()
        defer { scratch.delete() }
        let archive = scratch.path("host.tar")
        try Self.collect(root: ProbeFixture.root("amd-epyc"), into: scratch.path("host.tar.gz"), scratch: scratch)
        #expect(try Self.run("/bin/sh", ["-c", "gzip -dc '\(scratch.path("host.tar.gz"))' | head -c 1300 > '\(archive)'"]).status == 0)
        let problems = ProbeFixture.problems(ProbeOptions(root: archive))
        #expect(problems.count == 1 && problems.first?.message.hasPrefix("truncated tar archive") == true, "\(problems)")
        let corrupt = scratch.path("corrupt.tar.gz")
        try Data([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]).write(to: URL(fileURLWithPath: corrupt))
        #expect(ProbeFixture.problems(ProbeOptions(root: corrupt)).first?.message.hasPrefix("gzip cannot uncompress this file") == true)
    }

    /// Messages name the file inside the archive after the archive; the profile does not.
    @Test func missingFilesInsideAnArchiveAreNamedByArchiveAndHostPath() throws {
        let copy = try ProbeFixture.Scratch(copying: "intel-client")
        defer { copy.delete() }
        try copy.remove("/sys/kernel/iommu_groups/12/reserved_regions")
        let scratch = try Scratch()
        defer { scratch.delete() }
        let archive = scratch.path("host.tar.gz")
        try Self.collect(root: copy.path, into: archive, scratch: scratch)
        let problems = ProbeFixture.problems(ProbeFixture.options("intel-client") { $0.root = archive })
        #expect(problems.map(\.source) == ["\(archive):/sys/kernel/iommu_groups/12/reserved_regions"])
        let partial = try Prober.probe(ProbeFixture.options("intel-client") { $0.root = archive; $0.partial = true })
        #expect(partial.profile.source.contains("not read: /sys/kernel/iommu_groups/12/reserved_regions: no such file"))
        #expect(!partial.json.contains(scratch.url.path))
    }

    @Test func gnuLongNamesAndPaxPaths() throws {
        func header(_ name: String, type: UInt8, size: Int) -> [UInt8] {
            var block = [UInt8](repeating: 0, count: 512)
            for (index, byte) in name.utf8.prefix(100).enumerated() { block[index] = byte }
            for (index, byte) in "0000644\0".utf8.enumerated() { block[100 + index] = byte }
            for (index, byte) in String(format: "%011o\0", size).utf8.enumerated() { block[124 + index] = byte }
            block[156] = type
            for (index, byte) in "ustar  \0".utf8.enumerated() { block[257 + index] = byte }
            for index in 148..<156 { block[index] = 0x20 }
            let sum = block.reduce(0) { $0 + Int($1) }
            for (index, byte) in String(format: "%06o\0 ", sum).utf8.enumerated() { block[148 + index] = byte }
            return block
        }
        func padded(_ text: String) -> [UInt8] {
            var bytes = Array(text.utf8)
            bytes += [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
            return bytes
        }
        let longName = "./sys/" + String(repeating: "x", count: 120) + "/reserved_regions\0"
        let pax = "29 path=proc/sys/kernel/arch\n"
        var bytes = header("././@LongLink", type: UInt8(ascii: "L"), size: longName.utf8.count) + padded(longName)
        bytes += header("ignored", type: UInt8(ascii: "0"), size: 4) + padded("long")
        bytes += header("PaxHeaders/arch", type: UInt8(ascii: "x"), size: pax.utf8.count) + padded(pax)
        bytes += header("ignored-too", type: UInt8(ascii: "0"), size: 7) + padded("x86_64\n")
        bytes += [UInt8](repeating: 0, count: 1024)
        let tree = try TarArchive(bytes: bytes, source: "t.tar")
        #expect(tree.nodes["/sys/" + String(repeating: "x", count: 120) + "/reserved_regions"] == .file(Array("long".utf8)))
        #expect(tree.nodes["/proc/sys/kernel/arch"] == .file(Array("x86_64\n".utf8)))
        #expect(tree.nodes["/proc/sys"] == .folder && tree.children(of: "/proc") == ["sys"])
    }
}
