import LayoutCore
import LayoutMachines
import LayoutPlacement
/// The map for a terminal: one row per stretch of addresses (not to scale), the guest's region in
/// one column and each host's holes in the next ones, so a reader sees that no DMA target sits on
/// any host's hole. The same picture as ``SVGMap``, in text.
package enum ASCIIMap {
    /// How to draw the map.
    package struct Options: Sendable, Equatable {
        /// ANSI colours. Decided by the caller (see ``TerminalColor``), so output is deterministic.
        package var color: Bool
        /// Whether `direct-relaxable` regions count as holes (`--strict-relaxable`).
        package var strictRelaxable: Bool
        /// Violations to mark with `!!` (from the exact verifier); none for a verified layout.
        package var conflicts: [Violation]

        /// The columns to fit (`$COLUMNS`, or the terminal's width; see ``TerminalWidth``); nil
        /// draws every host in one table however wide, as for a file or a pipe.
        package var width: Int?

        /// Plain text, relaxable regions drawn as ignored, no conflicts: the map of a verified layout.
        package init(color: Bool = false, strictRelaxable: Bool = false, conflicts: [Violation] = [], width: Int? = nil) {
            self.color = color
            self.strictRelaxable = strictRelaxable
            self.conflicts = conflicts
            self.width = width
        }
    }

    /// The map of a solution beside the hosts it was verified on, ending in a newline.
    ///
    /// ```swift
    /// print(ASCIIMap.render(solution, options: .init(color: TerminalColor.enabled(.auto, environment: ProcessInfo.processInfo.environment, isTerminal: isatty(1) == 1))))
    /// ```
    package static func render(_ solution: Solution, options: Options = .init()) -> String {
        render(layout: solution.layout.guest, hosts: solution.hosts, programmable: solution.programmable, options: options)
    }

    /// The map of any layout beside any hosts, for instance a layout checked against hosts it was not
    /// solved for, with the verifier's violations in `options.conflicts`.
    package static func render(layout: GuestLayout, hosts: [HostProfile], programmable: [ProgrammablePlacement] = [], options: Options = .init()) -> String {
        let model = MemoryMapModel(layout: layout, hosts: hosts, programmable: programmable, strictRelaxable: options.strictRelaxable, violations: options.conflicts)
        // A row per stretch is a picture for a person; a profile with 10^6 holes would print two
        // million rows (and take minutes to lay out). Past the limit the map says where to look.
        guard model.stretches.count <= maximumRows else {
            var lines = ["Map omitted: \(model.stretches.count) rows between region boundaries, more than \(maximumRows); the layout (-f json) lists every region."]
            lines += model.violations.map { "  " + Paint(enabled: options.color)(.conflict, "!! \($0)") }
            return lines.joined(separator: "\n") + "\n"
        }
        let paint = Paint(enabled: options.color)
        let shape = Shape.fitting(
            width: options.width, lanes: model.lanes.count,
            guestWidth: max(24, (layout.regions.map(\.name.count).max() ?? 0) + 3))
        var lines: [String] = []
        let title = "Map (addresses grow downward; one row per stretch between boundaries, not to scale):"
        lines.append(title.count > (shape.width ?? Int.max) ? "Map (addresses grow downward; rows not to scale):" : title)
        let groups = stride(from: 0, to: max(model.lanes.count, 1), by: shape.lanesPerGroup).map { $0..<min($0 + shape.lanesPerGroup, model.lanes.count) }
        for (number, group) in groups.enumerated() {
            if groups.count > 1 {
                if number > 0 { lines.append("") }
                let named = group.count == 1 ? "host \(laneLetter(group.lowerBound))" : "hosts \(laneLetter(group.lowerBound))-\(laneLetter(group.upperBound - 1))"
                lines.append("  \(named) (\(number + 1) of \(groups.count); \(shape.width.map { "fitted to \($0) columns" } ?? ""))")
            }
            lines += table(model: model, lanes: group, shape: shape, paint: paint)
        }
        if let blocked = model.everyHostBlockedFrom {
            lines.append("  " + Hex.padded(blocked) + "  " + paint(.dim, "and up: past every host's IOMMU width"))
        }
        lines.append("")
        for (index, lane) in model.lanes.enumerated() {
            let line = "  \(laneLetter(index))  \(lane.title) (\(lane.subtitle))"
            lines.append(shape.width.map { abbreviated(line, $0) } ?? line)
        }
        let legend: [(String, Paint.Style, String)] = [
            ("##", .dma, "DMA target"), ("::", .hotplug, "hotplug window"), ("--", .plain, "PCI hole"), ("++", .dim, "MMIO/firmware"),
            ("XX", .hole, "host hole"), ("~~", .dim, "relaxable, ignored"), ("WW", .window, "sw-msi window"), ("!!", .conflict, "conflict"),
        ]
        // The legend wraps between entries to fit the width.
        var legendLine = "", legendLength = 0
        for entry in legend {
            let length = entry.0.count + 1 + entry.2.count
            if legendLength > 0, let width = shape.width, 2 + legendLength + 2 + length > width {
                lines.append("  " + legendLine)
                legendLine = ""; legendLength = 0
            }
            legendLine += (legendLength > 0 ? "  " : "") + paint(entry.1, entry.0) + " " + entry.2
            legendLength += (legendLength > 0 ? 2 : 0) + length
        }
        lines.append("  " + legendLine)
        for violation in model.violations {
            lines.append("  " + paint(.conflict, "!! \(violation)"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// More rows than a person reads in a terminal: the map is left out (see `render`).
    package static let maximumRows = 2_000

    /// The rows of the map for some of the hosts' lanes: START, SIZE, GUEST, then one column per lane.
    static func table(model: MemoryMapModel, lanes group: Range<Int>, shape: Shape, paint: Paint) -> [String] {
        let guestWidth = shape.guestWidth, hostWidth = shape.hostWidth, sizeWidth = 10
        var lines: [String] = []
        var header = "  " + pad("START", 18) + "  " + (shape.showsSize ? pad("SIZE", sizeWidth) + "  " : "") + pad("GUEST", guestWidth)
        for index in group { header += "  " + pad(laneLetter(index), hostWidth) }
        lines.append(header.trimmingWhitespaceAtEnd())

        var previousInnermost: String?
        for stretch in model.stretches {
            var line = "  " + Hex.padded(stretch.range.start) + "  " + (shape.showsSize ? pad(stretch.range.size.map(ByteCount.format) ?? "16 EiB", sizeWidth) + "  " : "")
            if stretch.isEmpty {
                lines.append(line + paint(.dim, "   (nothing)"))
                previousInnermost = nil
                continue
            }
            let regions = model.regions(at: stretch)
            let conflictRow = model.lanes.contains { model.isConflict($0, at: stretch) }
            if let region = regions.last {
                let conflicted = conflictRow && regions.contains { model.conflictedRegions.contains($0.name) }
                let (glyph, style) = conflicted ? ("!!", Paint.Style.conflict) : guestGlyph(region)
                // A region that spans several rows is named on its first row only, and where it conflicts.
                let name = previousInnermost == region.name && !conflicted ? "" : region.name
                line += paint(style, pad(glyph + " " + abbreviated(name, guestWidth - 3), guestWidth))
                previousInnermost = region.name
            } else {
                line += pad("", guestWidth)
                previousInnermost = nil
            }
            for index in group {
                let lane = model.lanes[index]
                line += "  "
                // The last column is not padded, so coloured and plain lines end alike.
                let width = index == group.upperBound - 1 ? 0 : hostWidth
                let marks = model.marks(of: lane, at: stretch)
                if model.isConflict(lane, at: stretch) {
                    let label = marks.first.map(shortLabel) ?? "conflict"
                    line += paint(.conflict, pad("!! " + label, width))
                } else if let mark = marks.first(where: { if case .hole = $0.kind { return true } else { return false } }) ?? marks.first {
                    let (glyph, style) = hostGlyph(mark)
                    line += paint(style, pad(glyph + " " + shortLabel(mark), width))
                } else {
                    line += paint(.dim, pad(".", width))
                }
            }
            lines.append(line.trimmingWhitespaceAtEnd())
        }
        return lines
    }

    /// How the table fits a width: every lane in one table when there is no width or room;
    /// else narrower guest names (cut with "…"), then no SIZE column, then the lanes in groups
    /// of as many as fit, each group a table of its own with the same rows.
    package struct Shape: Equatable, Sendable {
        package var width: Int?
        package var guestWidth: Int
        package var showsSize: Bool
        package var lanesPerGroup: Int
        package let hostWidth = 12

        /// Columns before the first lane: indent, START, SIZE, GUEST.
        var prefix: Int { 2 + 18 + 2 + (showsSize ? 12 : 0) + guestWidth }

        /// Lanes that fit after the prefix: each takes 2 + 12 columns.
        func lanesFitting(_ width: Int) -> Int { max(0, (width - prefix) / (2 + hostWidth)) }

        package static func fitting(width: Int?, lanes: Int, guestWidth: Int) -> Shape {
            let all = max(lanes, 1)
            var shape = Shape(width: width, guestWidth: guestWidth, showsSize: true, lanesPerGroup: all)
            guard let width else { return shape }
            shape.lanesPerGroup = max(1, min(all, shape.lanesFitting(width)))
            // Names are worth narrowing for a second lane beside the first, not for more.
            let target = min(all, 2)
            if shape.lanesFitting(width) < target {
                shape.guestWidth = min(guestWidth, 17)
            }
            if shape.lanesFitting(width) < 1 { shape.showsSize = false }
            shape.lanesPerGroup = max(1, min(all, shape.lanesFitting(width)))
            return shape
        }
    }

    /// `ioapic-hpet-…`: a name cut to `limit` characters, the cut shown.
    package static func abbreviated(_ name: String, _ limit: Int) -> String {
        guard name.count > limit, limit > 1 else { return name }
        return String(name.prefix(limit - 1)) + "…"
    }

    package static func guestGlyph(_ region: GuestRegion) -> (String, Paint.Style) {
        if region.isDMATarget { return ("##", .dma) }
        switch region.kind {
        case .deviceMemory, .hotplug: return ("::", .hotplug)
        case .pciHole32, .pciHole64: return ("--", .plain)
        case .ram, .dimm, .msi, .firmware, .reserved: return ("++", .dim)
        }
    }

    package static func hostGlyph(_ mark: MemoryMapModel.Mark) -> (String, Paint.Style) {
        switch mark.kind {
        case .hole: return ("XX", .hole)
        case .relaxable: return ("~~", .dim)
        case .window: return ("WW", .window)
        }
    }

    /// At most ten characters, so a lane stays one narrow column.
    package static func shortLabel(_ mark: MemoryMapModel.Mark) -> String {
        switch mark.kind {
        case .hole(.reserved(let type)): return type.rawValue
        case .hole(.outsideIOVARanges): return "no iova"
        case .hole(.beyondIOMMUWidth(let bits)): return "> \(bits) bits"
        case .hole(.programmableWindow): return "sw-msi"
        case .relaxable: return "relaxable"
        case .window: return "sw-msi"
        }
    }

    package static func laneLetter(_ index: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return index < letters.count ? String(letters[index]) : String(letters[index / letters.count - 1]) + String(letters[index % letters.count])
    }

    package static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// ANSI SGR colours, applied after padding so columns line up with or without them.
    package struct Paint {
        package enum Style {
            case plain, dim, dma, hotplug, window, hole, conflict

            package var code: String? {
                switch self {
                case .plain: return nil
                case .dim: return "2"
                case .dma: return "32"
                case .hotplug: return "34"
                case .window: return "35"
                case .hole: return "33"
                case .conflict: return "1;31"
                }
            }
        }

        package let enabled: Bool

        package func callAsFunction(_ style: Style, _ text: String) -> String {
            guard enabled, let code = style.code else { return text }
            return "\u{1B}[\(code)m\(text)\u{1B}[0m"
        }
    }
}

/// Whether to colour terminal output: `NO_COLOR` (https://no-color.org) and output that is not a
/// terminal turn colour off unless it was asked for explicitly.
package enum TerminalColor {
    /// `--color`: `auto` decides from the environment and the terminal.
    package enum Choice: String, Sendable, CaseIterable {
        case auto, always, never
    }

    /// Whether to colour, from the choice, the process environment and whether standard output is a terminal.
    package static func enabled(_ choice: Choice, environment: [String: String], isTerminal: Bool) -> Bool {
        switch choice {
        case .always: return true
        case .never: return false
        case .auto:
            if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
            if environment["TERM"] == "dumb" { return false }
            return isTerminal
        }
    }
}
