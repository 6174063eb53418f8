import LayoutCore
import LayoutMachines
import LayoutPlacement
/// SVG elements written line by line, attributes in the order given.
package struct SVGCanvas {
    package static let sans = "DejaVu Sans, Verdana, Arial, sans-serif"
    package static let mono = "DejaVu Sans Mono, Menlo, Consolas, monospace"
    package static let red = "#d62728"

    private var lines = XMLLines()

    package var text: String { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + lines.text }

    package mutating func open(_ name: String, _ attributes: [(String, String)] = []) { lines.open(name, attributes) }

    package mutating func close(_ name: String) { lines.close(name) }

    package mutating func element(_ name: String, _ attributes: [(String, String)] = [], text content: String? = nil) {
        lines.element(name, attributes, text: content)
    }

    package mutating func text(_ content: String, x: Int, y: Int, _ attributes: [(String, String)] = []) {
        element("text", [("x", "\(x)"), ("y", "\(y)")] + attributes, text: content)
    }

    /// Text cut to fit `width`, with the whole text as a tooltip (`<title>`) when it was cut.
    package mutating func fittedText(_ content: String, width: Int, charWidth: Int, x: Int, y: Int, _ attributes: [(String, String)] = []) {
        let fitted = Self.fit(content, width: width, charWidth: charWidth)
        guard fitted != content else { return text(content, x: x, y: y, attributes) }
        open("g", [("class", "cut")])
        element("title", text: content)
        text(fitted, x: x, y: y, attributes)
        close("g")
    }

    /// Shortens text to fit `width` pixels at an average glyph width, marking the cut with `…`.
    package static func fit(_ text: String, width: Int, charWidth: Int) -> String {
        let limit = max(1, width / charWidth)
        guard text.count > limit else { return text }
        return String(text.prefix(max(0, limit - 1))) + "…"
    }
}
