import Foundation
import Testing

/// No force unwrap, `try!` or `as!` in the shipped code: each is a trap an input could reach.
@Suite("Sources: no force unwraps, try! or as!")
struct NoForceUnwrapTests {
    @Test func sourcesHaveNone() throws {
        let sources = Fixture.repository.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        #expect(files.count > 100, "Sources not found: \(files.count) files")
        // A value followed by `!` and then an operator-free continuation: `x!`, `x!.y`, `f()!`, `a[i]!`.
        let unwrap = try NSRegularExpression(pattern: #"[A-Za-z0-9_)\]]!(?=$|[.,)\]} ])"#)
        var found: [String] = []
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.components(separatedBy: "\n").enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                if code.hasPrefix("//") { continue }
                // String literals may say anything; only the code outside them counts.
                let outside = code.components(separatedBy: "\"").enumerated().filter { $0.offset % 2 == 0 }.map(\.element).joined(separator: " ")
                let range = NSRange(outside.startIndex..., in: outside)
                if outside.contains("try!") || outside.contains("as!") || unwrap.firstMatch(in: outside, range: range) != nil {
                    found.append("\(file):\(number + 1): \(code)")
                }
            }
        }
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }
}
