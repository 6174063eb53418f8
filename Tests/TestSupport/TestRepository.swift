import Foundation

/// The repository the tests run from, so they read the real Profiles/, Examples/ and Schemas/.
public enum TestRepository {
    /// The folder holding Package.swift, found upward from this file.
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("no Package.swift above \(#filePath)")
    }()

    /// The `.json` files anywhere under `folder` (relative to the root), as root-relative paths, sorted.
    public static func jsonFiles(_ folder: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path)
        var files: [String] = []
        while let next = enumerator?.nextObject() as? String {
            if next.hasSuffix(".json") { files.append("\(folder)/\(next)") }
        }
        return files.sorted()
    }
}
