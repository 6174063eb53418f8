import LayoutSolver
import Foundation

/// Where `--baseline` reads the old fleet: a folder (or files), or `git:REV:PATH`, the profiles
/// folder as it was at a git revision of the repository the command runs in. Reading git history
/// is the command line's convenience; the library takes the profiles themselves.
package enum BaselineSource {
    package static func load(_ argument: String, workingDirectory: String = FileManager.default.currentDirectoryPath) throws -> FleetCheck.BaselineFleet {
        guard argument.hasPrefix("git:") else {
            return try FleetCheck.BaselineFleet.load(paths: [argument])
        }
        let rest = argument.dropFirst(4)
        guard let colon = rest.firstIndex(of: ":"), colon != rest.startIndex, rest.index(after: colon) != rest.endIndex else {
            throw InputError(source: "--baseline", message: "expected git:REVISION:PATH (for example git:origin/main:fleet/), found \"\(argument)\"")
        }
        let revision = String(rest[..<colon])
        var path = String(rest[rest.index(after: colon)...])
        while path.hasSuffix("/") && path.count > 1 { path.removeLast() }
        // ls-tree lists what is directly inside the folder at that revision, as --hosts reads a folder;
        // paths are relative to the working directory, like every other path argument.
        let listing = try git(["ls-tree", "--full-name", "--name-only", revision, "--", path + "/"], in: workingDirectory, for: argument)
        var names = String(decoding: listing, as: UTF8.self).split(separator: "\n").map(String.init).filter { $0.hasSuffix(".json") }
        if names.isEmpty {
            // A single profile file rather than a folder.
            let single = try git(["ls-tree", "--full-name", "--name-only", revision, "--", path], in: workingDirectory, for: argument)
            names = String(decoding: single, as: UTF8.self).split(separator: "\n").map(String.init).filter { $0.hasSuffix(".json") }
        }
        guard !names.isEmpty else { throw InputError(source: "--baseline", message: "\(argument): no *.json profiles at \(path) in revision \(revision)") }
        let documents = try names.sorted().map { name in
            CheckInput.parseProfile(try git(["show", "\(revision):\(name)"], in: workingDirectory, for: argument), file: "\(revision):\(name)")
        }
        return FleetCheck.BaselineFleet(source: argument, documents: documents)
    }

    static func git(_ arguments: [String], in directory: String, for argument: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw InputError(source: "--baseline", message: "\(argument): cannot run git: \(error.localizedDescription)")
        }
        // Standard output is drained before waiting, or a large `git show` fills the pipe and never
        // exits; git's standard error is a line or two, which the pipe holds.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let stderrData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: stderrData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw InputError(source: "--baseline", message: "\(argument): git \(arguments.prefix(2).joined(separator: " ")) failed: \(message)")
        }
        return Array(data)
    }
}
