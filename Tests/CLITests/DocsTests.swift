import Foundation
import Testing

/// The documentation cannot drift: every ```console block in README.md and in the library's DocC
/// articles is run against the built binary and its output compared with the text, and every VM
/// spec or host profile shown as JSON is checked against its published schema.
///
/// In a console block, a line starting `$ ` is a command (a line ending in `\` continues it); the
/// lines up to the next command are its expected output, standard output and standard error
/// together. A line `...` (any indentation) stands for any number of lines. Each block runs in a
/// fresh folder holding links to the repository's Examples/, Profiles/, Schemas/ and Tests/, so
/// commands that write files write them there, with `layoutsolve` first on PATH.
@Suite("docs: every console block runs as shown")
struct DocsTests {
    struct Block {
        var file: String
        var line: Int
        var language: String
        var lines: [String]
    }

    struct Command {
        var line: Int
        var text: String
        var expected: [String]
    }

    static let documents: [String] = {
        let catalog = "Sources/LayoutSolver/LayoutSolver.docc"
        let articles = (try? FileManager.default.contentsOfDirectory(atPath: CLITests.repository.appendingPathComponent(catalog).path)) ?? []
        return ["README.md"] + articles.filter { $0.hasSuffix(".md") }.sorted().map { "\(catalog)/\($0)" }
    }()

    static func blocks(in file: String) throws -> [Block] {
        let text = try String(contentsOf: CLITests.repository.appendingPathComponent(file), encoding: .utf8)
        var blocks: [Block] = []
        var current: Block?
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            if line.hasPrefix("```") {
                if let block = current {
                    blocks.append(block)
                    current = nil
                } else {
                    current = Block(file: file, line: index + 1, language: String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), lines: [])
                }
            } else {
                current?.lines.append(line)
            }
        }
        return blocks
    }

    static func commands(in block: Block) -> [Command] {
        var commands: [Command] = []
        var continuing = false
        for (offset, line) in block.lines.enumerated() {
            if continuing, var last = commands.popLast() {
                last.text += "\n" + line
                continuing = line.hasSuffix("\\")
                commands.append(last)
            } else if line.hasPrefix("$ ") {
                commands.append(Command(line: block.line + 1 + offset, text: String(line.dropFirst(2)), expected: []))
                continuing = line.hasSuffix("\\")
            } else if var last = commands.popLast() {
                last.expected.append(line)
                commands.append(last)
            }
        }
        return commands
    }

    static var consoleBlocks: [Block] {
        documents.flatMap { (try? blocks(in: $0)) ?? [] }.filter { $0.language == "console" }
    }

    /// `...` lines match any run of lines; other lines match exactly, trailing blanks ignored.
    static func matches(_ expected: [String], _ actual: [String]) -> Bool {
        let expected = expected.map { $0.trimmingTrailingSpaces() }
        let actual = actual.map { $0.trimmingTrailingSpaces() }
        func match(_ e: Int, _ a: Int) -> Bool {
            if e == expected.count { return a == actual.count }
            if expected[e].trimmingCharacters(in: .whitespaces) == "..." {
                return (a...actual.count).contains { match(e + 1, $0) }
            }
            return a < actual.count && expected[e] == actual[a] && match(e + 1, a + 1)
        }
        return match(0, 0)
    }

    /// Runs one block's commands in order in a scratch folder.
    static func run(_ block: Block) throws -> [(Command, [String], Int32)] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for entry in ["Examples", "Profiles", "Schemas", "Tests"] {
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent(entry), withDestinationURL: CLITests.repository.appendingPathComponent(entry))
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = CLITests.binary.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["COLUMNS"] = nil
        environment["NO_COLOR"] = "1"
        var results: [(Command, [String], Int32)] = []
        for command in commands(in: block) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "exec 2>&1\n" + command.text]
            process.currentDirectoryURL = folder
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
            DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: timer)
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            timer.cancel()
            var lines = String(decoding: data, as: UTF8.self).replacingOccurrences(of: folder.path, with: ".").components(separatedBy: "\n")
            if lines.last == "" { lines.removeLast() }
            results.append((command, lines, process.terminationStatus))
        }
        return results
    }

    @Test func thereAreConsoleBlocksToRun() {
        let files = Set(Self.consoleBlocks.map(\.file))
        #expect(files.contains("README.md"))
        #expect(Self.consoleBlocks.flatMap(Self.commands).count >= 10)
    }

    @Test(arguments: consoleBlocks.map { "\($0.file):\($0.line)" })
    func consoleBlockRunsAsShown(location: String) throws {
        let block = try #require(Self.consoleBlocks.first { "\($0.file):\($0.line)" == location })
        for (command, actual, status) in try Self.run(block) {
            #expect(status == 0 || status == 1, "\(block.file):\(command.line): `\(command.text)` exited \(status):\n\(actual.joined(separator: "\n"))")
            #expect(Self.matches(command.expected, actual),
                    "\(block.file):\(command.line): `\(command.text)` printed:\n\(actual.joined(separator: "\n"))\n--- the docs show:\n\(command.expected.joined(separator: "\n"))")
        }
    }

    /// A command shown with a `$ ` prompt is shown with its output, so it belongs in a console block.
    @Test func everyShownCommandIsInAConsoleBlock() throws {
        var offenders: [String] = []
        for file in Self.documents {
            for block in try Self.blocks(in: file) where block.language != "console" {
                for (offset, line) in block.lines.enumerated() where line.hasPrefix("$ ") {
                    offenders.append("\(file):\(block.line + 1 + offset): \(line)")
                }
            }
        }
        #expect(offenders.isEmpty, "make these ```console blocks: \(offenders)")
    }

    /// VM specs and host profiles shown as JSON validate against the published schemas.
    @Test func jsonExamplesMatchTheirSchemas() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-docs-json-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var bySchema: [String: [String]] = [:]
        var count = 0
        for file in Self.documents {
            for block in try Self.blocks(in: file) where block.language == "json" {
                let text = block.lines.joined(separator: "\n")
                guard (try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil else { continue }
                let schema = text.contains("\"layoutsolve/vm/v1\"") && !text.contains("\"layoutsolve/request/v1\"") ? "Schemas/vm-v1.schema.json"
                    : text.contains("\"layoutsolve/host/v1\"") && !text.contains("\"layoutsolve/request/v1\"") ? "Schemas/host-v1.schema.json" : nil
                guard let schema else { continue }
                count += 1
                let path = folder.appendingPathComponent("\(URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent)-\(block.line).json")
                try Data(text.utf8).write(to: path)
                bySchema[schema, default: []].append(path.path)
            }
        }
        #expect(count >= 2, "the docs show a VM spec and a host profile")
        for (schema, files) in bySchema {
            let (status, output) = try SchemaTests().validate(schema: schema, files: files)
            #expect(status == 0, "\(schema): \(output)")
        }
    }

    /// The README's picture is what the tool draws today.
    @Test func readmePictureIsCurrent() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-docs-svg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = folder.appendingPathComponent("map.svg")
        let result = try CLITests().run(["--hosts", "Examples/fleets/mixed-x86/", "--vm", "Examples/vm/db-64g.json", "--svg", svg.path])
        #expect(result.status == 0)
        let drawn = try String(contentsOf: svg, encoding: .utf8)
        let shipped = try String(contentsOf: CLITests.repository.appendingPathComponent("Examples/maps/mixed-x86-db-64g.svg"), encoding: .utf8)
        #expect(drawn == shipped, "regenerate: layoutsolve --hosts Examples/fleets/mixed-x86/ --vm Examples/vm/db-64g.json --svg Examples/maps/mixed-x86-db-64g.svg")
    }

    @Test func ellipsisMatching() {
        #expect(Self.matches(["a", "...", "d"], ["a", "b", "c", "d"]))
        #expect(Self.matches(["a", "  ...", "d"], ["a", "d"]))
        #expect(!Self.matches(["a", "d"], ["a", "b", "d"]))
        #expect(!Self.matches(["a"], ["a", "b"]))
        #expect(Self.matches(["a  "], ["a"]))
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
