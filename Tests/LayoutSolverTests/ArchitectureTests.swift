import Foundation
import Testing

/// Keeps the layering honest: the library's targets as `swift package dump-package` reports them,
/// the `import` lines of their sources, and the layer list in the Architecture article must agree.
/// A new layer, dependency or import that breaks the order fails here with what to change.
@Suite("Architecture: layers in Package.swift, imports and Architecture.md agree")
struct ArchitectureTests {
    static let article = "Sources/LayoutSolver/LayoutSolver.docc/Architecture.md"

    @Test func targetsFormTheDocumentedLayers() throws {
        let package = try PackageDump.load()
        let layers = try DocumentedLayers.load()
        let library = package.libraryTargets(umbrella: "LayoutSolver")

        #expect(Set(layers.levels.keys) == library,
                "the library's targets (what LayoutSolver reaches, Swift targets only) are \(library.sorted()); \(Self.article) lists \(layers.levels.keys.sorted())")
        #expect(layers.order.last == ["LayoutSolver"], "the umbrella LayoutSolver must be the top line alone, is \(layers.order.last ?? [])")
        #expect(package.products["LayoutSolver"] == ["LayoutSolver"], "the LayoutSolver product must be the umbrella target alone")

        for target in library.sorted() {
            guard let level = layers.levels[target] else { continue }
            for dependency in package.dependencies[target] ?? [] {
                guard let dependencyLevel = layers.levels[dependency] else { continue }
                #expect(dependencyLevel < level,
                        "\(target) (level \(level), counted from the bottom line) depends on \(dependency) (level \(dependencyLevel)): a layer may only depend on layers on lines below its own in \(Self.article)")
            }
        }
    }

    @Test func noLayerImportsALayerAboveIt() throws {
        let package = try PackageDump.load()
        let layers = try DocumentedLayers.load()
        var filesRead = 0
        for target in package.libraryTargets(umbrella: "LayoutSolver").sorted() {
            guard let level = layers.levels[target], let path = package.paths[target] else { continue }
            let declared = Set(package.dependencies[target] ?? [])
            for file in try SwiftFiles.under(Fixture.repository.appendingPathComponent(path)) {
                filesRead += 1
                let text = try String(contentsOf: file, encoding: .utf8)
                for (line, module) in SwiftFiles.imports(in: text) {
                    guard module != target, let importedLevel = layers.levels[module] else { continue }
                    let place = "\(path)/\(file.path.dropFirst(Fixture.repository.appendingPathComponent(path).path.count + 1)):\(line)"
                    #expect(importedLevel < level, "\(place) imports \(module) (level \(importedLevel)) into \(target) (level \(level))")
                    #expect(declared.contains(module), "\(place) imports \(module), which \(target) does not declare in Package.swift")
                }
            }
        }
        #expect(filesRead > 50, "only \(filesRead) Swift files found under the library's targets")
    }

    /// The table of what each layer owns names each layer's dependencies; they must be Package.swift's.
    @Test func articleTableMatchesDependencies() throws {
        let package = try PackageDump.load()
        let layers = try DocumentedLayers.load()
        let rows = layers.tableDependencies
        #expect(Set(rows.keys) == Set(layers.levels.keys), "the table in \(Self.article) has rows for \(rows.keys.sorted())")
        for (target, listed) in rows {
            let expected: Set<String> = listed == ["all of the above"]
                ? Set(layers.levels.filter { $0.value < (layers.levels[target] ?? 0) }.keys)
                : listed
            #expect(expected == Set(package.dependencies[target] ?? []),
                    "\(Self.article) says \(target) depends on \(expected.sorted()); Package.swift says \(package.dependencies[target] ?? [])")
        }
    }

    @Test func importScannerReadsEveryForm() {
        let text = """
            import Foundation
            @_exported import LayoutCore
            @testable import LayoutMachines
            package import LayoutPlacement
            @preconcurrency internal import LayoutOutputs
            import struct LayoutProbe.PCIAddress
            // import LayoutFleetCheck
            let s = "import LayoutSolver"
            """
        #expect(SwiftFiles.imports(in: text).map(\.module)
                == ["Foundation", "LayoutCore", "LayoutMachines", "LayoutPlacement", "LayoutOutputs", "LayoutProbe"])
    }

    @Test func documentedLayersParseLevels() throws {
        let layers = try DocumentedLayers.parse("""
            intro
            <!-- layers: -->
            ```
            D
            B | C
            A
            ```
            """)
        #expect(layers.order == [["A"], ["B", "C"], ["D"]])
        #expect(layers.levels == ["A": 0, "B": 1, "C": 1, "D": 2])
    }
}

/// What `swift package dump-package` says about the targets, read once per test run.
struct PackageDump: Sendable {
    var dependencies: [String: [String]] = [:]
    var paths: [String: String] = [:]
    var products: [String: [String]] = [:]

    /// The umbrella and every target it reaches that holds Swift sources (the C targets
    /// `CGLPK` and `CGLPKGuard` sit beside the layers, not in them).
    func libraryTargets(umbrella: String) -> Set<String> {
        var seen: Set<String> = []
        var pending = [umbrella]
        while let target = pending.popLast() {
            guard seen.insert(target).inserted else { continue }
            pending += (dependencies[target] ?? []).filter { paths[$0] != nil }
        }
        return seen.filter { target in
            guard let path = paths[target] else { return false }
            return ((try? SwiftFiles.under(Fixture.repository.appendingPathComponent(path))) ?? []).isEmpty == false
        }
    }

    static func load() throws -> PackageDump { try cached.get() }

    private static let cached: Result<PackageDump, Error> = Result { try parse(try run()) }

    static func parse(_ data: Data) throws -> PackageDump {
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let targets = root["targets"] as? [[String: Any]] else {
            throw ArchitectureTestError("dump-package printed no targets")
        }
        var dump = PackageDump()
        for target in targets {
            guard let name = target["name"] as? String else { continue }
            dump.paths[name] = target["path"] as? String ?? "Sources/\(name)"
            // Each dependency is {"byName": [name, condition]}, {"target": [...]} or {"product": [name, package, ...]}.
            dump.dependencies[name] = (target["dependencies"] as? [[String: Any]] ?? []).compactMap { dependency in
                (dependency["byName"] ?? dependency["target"] ?? dependency["product"]).flatMap { ($0 as? [Any])?.first as? String }
            }
        }
        for product in root["products"] as? [[String: Any]] ?? [] {
            if let name = product["name"] as? String { dump.products[name] = product["targets"] as? [String] ?? [] }
        }
        return dump
    }

    /// Runs `swift package dump-package` with its own scratch folder: `swift test` holds the lock of
    /// the package's `.build`, and dump-package only evaluates the manifest (no network, ~1-5 s).
    static func run() throws -> Data {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layoutsolve-dump-\(UUID().uuidString)")
        let output = scratch.appendingPathExtension("json")
        defer {
            try? FileManager.default.removeItem(at: scratch)
            try? FileManager.default.removeItem(at: output)
        }
        guard FileManager.default.createFile(atPath: output.path, contents: nil), let handle = try? FileHandle(forWritingTo: output) else {
            throw ArchitectureTestError("cannot create \(output.path)")
        }
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "package", "--package-path", Fixture.repository.path, "--scratch-path", scratch.path, "dump-package"]
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        if done.wait(timeout: .now() + 120) == .timedOut {
            process.terminate()
            _ = done.wait(timeout: .now() + 5)
            throw ArchitectureTestError("swift package dump-package did not finish in 120 s")
        }
        guard process.terminationStatus == 0 else {
            throw ArchitectureTestError("swift package dump-package exited with \(process.terminationStatus)")
        }
        return try Data(contentsOf: output)
    }
}

/// The layer list of Architecture.md: the code block after the `<!-- layers:` marker, highest
/// first, one level per line, siblings separated by `|`; and the table of what each layer owns.
struct DocumentedLayers: Equatable {
    /// Lowest level first.
    var order: [[String]]
    var levels: [String: Int]
    /// Each table row's first cell (a layer) and its "depends on" cell, as names.
    var tableDependencies: [String: Set<String>] = [:]

    static func load() throws -> DocumentedLayers {
        let url = Fixture.repository.appendingPathComponent(ArchitectureTests.article)
        return try parse(try String(contentsOf: url, encoding: .utf8))
    }

    static func parse(_ text: String) throws -> DocumentedLayers {
        let lines = text.components(separatedBy: "\n")
        guard let marker = lines.firstIndex(where: { $0.contains("<!-- layers:") }),
              let open = lines[marker...].firstIndex(where: { $0.hasPrefix("```") }),
              let close = lines[(open + 1)...].firstIndex(where: { $0.hasPrefix("```") }) else {
            throw ArchitectureTestError("no layer list (a ``` block after `<!-- layers:`) in the article")
        }
        let order: [[String]] = lines[(open + 1)..<close]
            .map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            .filter { !$0.isEmpty }
            .reversed()
        var levels: [String: Int] = [:]
        for (level, names) in order.enumerated() {
            for name in names { levels[name] = level }
        }
        var layers = DocumentedLayers(order: order, levels: levels)
        for line in lines where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2 else { continue }
            let target = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            guard levels[target] != nil else { continue }
            let names = cells[1].split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            layers.tableDependencies[target] = names.isEmpty && cells[1] != "nothing" ? [cells[1]] : Set(names)
        }
        return layers
    }
}

enum SwiftFiles {
    static func under(_ folder: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }.sorted { $0.path < $1.path }
    }

    /// Module names of a file's `import` declarations with their line numbers, in any form
    /// (`@_exported`, `@testable`, access levels, `import struct M.T`); comments and strings are not imports.
    static func imports(in text: String) -> [(line: Int, module: String)] {
        let attributes: Set<String> = ["public", "package", "internal", "fileprivate", "private"]
        let kinds: Set<String> = ["struct", "class", "enum", "protocol", "typealias", "func", "var", "let"]
        var found: [(line: Int, module: String)] = []
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)[...]
            while let word = words.first, word.hasPrefix("@") || attributes.contains(word) { words = words.dropFirst() }
            guard words.first == "import", words.count >= 2 else { continue }
            words = words.dropFirst()
            if let word = words.first, kinds.contains(word) { words = words.dropFirst() }
            guard let path = words.first, let module = path.split(separator: ".").first else { continue }
            found.append((index + 1, String(module)))
        }
        return found
    }
}

struct ArchitectureTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
