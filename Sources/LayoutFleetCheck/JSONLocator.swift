import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// Finds the source line of a JSON path such as `$.reserved[2].end` in a parsed document, so a
/// finding about a parsed value can point at the line a person edits.
package enum JSONLocator {
    /// The line of the node at `path`; for a path that goes deeper than the document, the line of
    /// the deepest node that exists.
    package static func line(of path: String, in root: JSONNode) -> Int {
        var node = root
        for segment in segments(of: path) {
            switch (segment, node.value) {
            case (.key(let key), .object(let members)):
                guard let member = members.first(where: { $0.key == key }) else { return node.line }
                node = member.value
            case (.index(let index), .array(let elements)):
                guard elements.indices.contains(index) else { return node.line }
                node = elements[index]
            default:
                return node.line
            }
        }
        return node.line
    }

    package enum Segment: Equatable {
        case key(String)
        case index(Int)
    }

    /// `$.a.b[3].c` -> key a, key b, index 3, key c. Keys in profiles are plain identifiers.
    package static func segments(of path: String) -> [Segment] {
        var result: [Segment] = []
        var text = Substring(path)
        if text.hasPrefix("$") { text = text.dropFirst() }
        while let first = text.first {
            if first == "." {
                text = text.dropFirst()
                let key = text.prefix { $0 != "." && $0 != "[" }
                result.append(.key(String(key)))
                text = text.dropFirst(key.count)
            } else if first == "[" {
                let digits = text.dropFirst().prefix { $0 != "]" }
                guard let index = Int(digits) else { return result }
                result.append(.index(index))
                text = text.dropFirst(digits.count + 2)
            } else {
                return result
            }
        }
        return result
    }
}
