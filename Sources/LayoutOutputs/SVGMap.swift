import LayoutCore
import LayoutMachines
import LayoutPlacement
/// The map as a picture: one lane for the chosen guest layout and one per host (hosts that would
/// draw the same lane share it), addresses growing downward on a broken, log-scaled axis so a
/// 1 MiB MSI window and a 1 TiB hole are both visible. Guest DMA targets are repeated as pale
/// bands in every host lane, so a reader sees that no hole touches one; violations passed in are
/// drawn in red.
public enum SVGMap {
    /// How to draw the picture.
    package struct Options: Sendable, Equatable {
        /// Whether `direct-relaxable` regions count as holes (`--strict-relaxable`).
        package var strictRelaxable: Bool
        /// Where the layout fails on a host, from the exact verifier; drawn in red.
        package var conflicts: [Violation]

        /// Relaxable regions drawn as ignored, no conflicts: the picture of a verified layout.
        package init(strictRelaxable: Bool = false, conflicts: [Violation] = []) {
            self.strictRelaxable = strictRelaxable
            self.conflicts = conflicts
        }
    }

    /// An SVG document (UTF-8 text) of a solution beside the hosts it was verified on.
    ///
    /// ```swift
    /// try SVGMap.render(solution).write(toFile: "map.svg", atomically: true, encoding: .utf8)
    /// ```
    /// An SVG document (UTF-8 text) of a solution beside the hosts it was verified on.
    public static func render(_ solution: Solution) -> String { render(solution, options: Options()) }

    package static func render(_ solution: Solution, options: Options) -> String {
        render(layout: solution.layout.guest, hosts: solution.hosts, programmable: solution.programmable, options: options)
    }

    /// An SVG document of any layout beside any hosts; pass ``LayoutVerifier/violations(of:on:strictRelaxable:)``
    /// as `options.conflicts` to see where a layout does not fit.
    package static func render(layout: GuestLayout, hosts: [HostProfile], programmable: [ProgrammablePlacement] = [], options: Options = .init()) -> String {
        let model = MemoryMapModel(
            layout: layout, hosts: hosts, programmable: programmable, strictRelaxable: options.strictRelaxable,
            violations: options.conflicts, extraBoundaries: Sizes.limit(bits: layout.physBits).map { [$0] } ?? [])
        var drawing = SVGMapDrawing(model: model)
        // As the terminal map: past the row limit the drawing would be tens of thousands of bands
        // tall and take minutes; a short picture says so instead.
        guard model.stretches.count <= ASCIIMap.maximumRows else { return drawing.omitted() }
        return drawing.svg()
    }
}

/// Geometry and drawing; every coordinate is an integer, so the same input gives the same bytes.
package struct SVGMapDrawing {
    package let model: MemoryMapModel
    package var canvas = SVGCanvas()

    package static let margin = 16
    package static let addressRight = 146
    package static let sizeRight = 214
    package static let guestX = 226
    package static let guestWidth = 280
    package static let laneGap = 14
    package static let hostWidth = 236
    package static let headerTop = 78
    package static let mapTop = 126
    package static let nestIndent = 14
    package static let emptyHeight = 28

    package var laneX: [Int] { model.lanes.indices.map { Self.guestX + Self.guestWidth + Self.laneGap + $0 * (Self.hostWidth + Self.laneGap) } }
    /// Wide enough for the lanes and for the heading lines above them.
    package var width: Int { max((laneX.last.map { $0 + Self.hostWidth } ?? Self.guestX + Self.guestWidth) + Self.margin, 760) }

    /// Height of a stretch: grows with log2 of its size from 18 px at 4 KiB, 3 px per doubling.
    package static func height(of stretch: MemoryMapModel.Stretch) -> Int {
        if stretch.isEmpty { return emptyHeight }
        let log2 = stretch.range.size.map { 63 - $0.leadingZeroBitCount } ?? 64
        return 18 + 3 * max(0, log2 - 12)
    }

    /// The top of every stretch, and the bottom of the last one.
    package var tops: [Int] {
        var y = Self.mapTop
        var result: [Int] = []
        for stretch in model.stretches {
            result.append(y)
            y += Self.height(of: stretch)
        }
        result.append(y)
        return result
    }

    /// The y of a boundary address; ranges reaching past the axis are clipped to its bottom.
    package func y(_ address: UInt64, tops: [Int]) -> Int {
        if address > model.axisLast { return (tops.last ?? Self.mapTop) }
        let index = model.stretches.lastIndex { $0.range.start <= address } ?? 0
        return tops[index]
    }

    package func span(_ range: AddressRange, tops: [Int]) -> (top: Int, bottom: Int) {
        (y(range.start, tops: tops), range.last >= model.axisLast ? (tops.last ?? Self.mapTop) : y(range.last + 1, tops: tops))
    }

    /// The picture for a map too large to draw: its title, why, and where to look.
    package mutating func omitted() -> String {
        let width = 760, height = 96
        canvas.open("svg", [
            ("xmlns", "http://www.w3.org/2000/svg"), ("width", "\(width)"), ("height", "\(height)"), ("viewBox", "0 0 \(width) \(height)"),
            ("font-family", SVGCanvas.sans), ("font-size", "12"),
        ])
        let vmName = model.layout.vm.name.map { "VM \($0)" } ?? "the VM"
        canvas.element("title", text: "Guest memory map of \(vmName): omitted")
        canvas.element("rect", [("width", "\(width)"), ("height", "\(height)"), ("fill", "#ffffff")])
        canvas.text("Map of \(vmName) omitted", x: Self.margin, y: 30, [("font-size", "17"), ("font-weight", "bold"), ("fill", "#222222")])
        canvas.text("\(model.stretches.count) bands between region boundaries, more than \(ASCIIMap.maximumRows); the layout (-f json) lists every region.",
                    x: Self.margin, y: 56, [("fill", "#444444")])
        canvas.close("svg")
        return canvas.text
    }

    package mutating func svg() -> String {
        let tops = tops
        let mapBottom = (tops.last ?? Self.mapTop)
        let legendTop = mapBottom + (model.everyHostBlockedFrom == nil ? 24 : 44)
        let conflictLines = model.violations.reduce(0) { $0 + Self.wrap("conflict: \($1)", columns: (width - 2 * Self.margin) / 7).count }
        let height = legendTop + 60 + 16 * conflictLines + 4 * model.violations.count + Self.margin

        canvas.open("svg", [
            ("xmlns", "http://www.w3.org/2000/svg"), ("width", "\(width)"), ("height", "\(height)"), ("viewBox", "0 0 \(width) \(height)"),
            ("font-family", SVGCanvas.sans), ("font-size", "12"),
        ])
        let layout = model.layout
        let vmName = layout.vm.name.map { "VM \($0)" } ?? "the VM"
        canvas.element("title", text: "Guest memory map of \(vmName) beside the holes of \(model.lanes.reduce(0) { $0 + $1.hosts.count }) host profile(s)")
        canvas.element("desc", text: "layoutsolve \(LayoutSolverVersion.current); addresses grow downward; band heights follow log2 of the size")
        defs()
        canvas.element("rect", [("width", "\(width)"), ("height", "\(height)"), ("fill", "#ffffff")])

        let title = "\(vmName): \(layout.machine.rawValue) (\(layout.machineType)), \(ByteCount.format(layout.vm.ram)) RAM, guest \(Self.widthName(layout)) \(layout.physBits)"
            + (layout.cpuVendor.map { ", \($0.rawValue) vCPU" } ?? "")
        canvas.text(title, x: Self.margin, y: 30, [("font-size", "17"), ("font-weight", "bold"), ("fill", "#222222")])
        let status = model.violations.isEmpty
            ? "No guest DMA target (blue) touches any host's hole (grey) on any host."
            : "\(model.violations.count) conflict(s): a guest DMA target overlaps a host's hole (red)."
        canvas.text(status, x: Self.margin, y: 50, [("fill", model.violations.isEmpty ? "#444444" : SVGCanvas.red)])
        canvas.text("Addresses grow downward; a band's height follows log2 of its size (not to scale); empty stretches are cut out.",
                    x: Self.margin, y: 66, [("fill", "#666666"), ("font-size", "11")])

        axis(tops: tops)
        guestLane(tops: tops)
        for (index, lane) in model.lanes.enumerated() {
            hostLane(lane, x: laneX[index], tops: tops)
        }
        emptyStretches(tops: tops)
        physBitsLine(tops: tops)
        if let blocked = model.everyHostBlockedFrom {
            canvas.text(Hex.format(blocked), x: Self.addressRight, y: mapBottom + 4, [("text-anchor", "end"), ("font-family", SVGCanvas.mono), ("font-size", "11")])
            canvas.text("and up: past every host's IOMMU width, nothing can be mapped", x: Self.guestX, y: mapBottom + 22, [("fill", "#555555"), ("font-style", "italic")])
        }
        legend(top: legendTop)
        canvas.close("svg")
        return canvas.text
    }

    package mutating func defs() {
        canvas.open("defs")
        canvas.open("pattern", [("id", "hole"), ("width", "7"), ("height", "7"), ("patternUnits", "userSpaceOnUse"), ("patternTransform", "rotate(45)")])
        canvas.element("rect", [("width", "7"), ("height", "7"), ("fill", "#d9d9d9")])
        canvas.element("line", [("x1", "0"), ("y1", "0"), ("x2", "0"), ("y2", "7"), ("stroke", "#8c8c8c"), ("stroke-width", "3")])
        canvas.close("pattern")
        canvas.open("pattern", [("id", "empty"), ("width", "8"), ("height", "8"), ("patternUnits", "userSpaceOnUse")])
        canvas.element("rect", [("width", "8"), ("height", "8"), ("fill", "#fafafa")])
        canvas.element("circle", [("cx", "4"), ("cy", "4"), ("r", "0.8"), ("fill", "#c8c8c8")])
        canvas.close("pattern")
        canvas.close("defs")
    }

    package mutating func axis(tops: [Int]) {
        let right = (laneX.last ?? Self.guestX) + (model.lanes.isEmpty ? Self.guestWidth : Self.hostWidth)
        canvas.text("ADDRESS", x: Self.addressRight, y: Self.headerTop + 18, [("text-anchor", "end"), ("font-weight", "bold"), ("fill", "#555555"), ("font-size", "11")])
        canvas.text("SIZE", x: Self.sizeRight, y: Self.headerTop + 18, [("text-anchor", "end"), ("font-weight", "bold"), ("fill", "#555555"), ("font-size", "11")])
        canvas.open("g", [("class", "axis")])
        for (index, stretch) in model.stretches.enumerated() {
            let top = tops[index]
            canvas.element("line", [("x1", "\(Self.addressRight + 4)"), ("y1", "\(top)"), ("x2", "\(right)"), ("y2", "\(top)"), ("stroke", "#e3e3e3")])
            canvas.text(Hex.format(stretch.range.start), x: Self.addressRight, y: top + 4, [("text-anchor", "end"), ("font-family", SVGCanvas.mono), ("font-size", "11"), ("fill", "#222222")])
            let middle = (top + tops[index + 1]) / 2
            let size = stretch.range.size.map(ByteCount.format) ?? "16 EiB"
            canvas.text(stretch.isEmpty ? "≈ " + size : size, x: Self.sizeRight, y: middle + 4, [("text-anchor", "end"), ("font-size", "10"), ("fill", "#777777")])
        }
        canvas.element("line", [("x1", "\(Self.addressRight + 4)"), ("y1", "\((tops.last ?? Self.mapTop))"), ("x2", "\(right)"), ("y2", "\((tops.last ?? Self.mapTop))"), ("stroke", "#bdbdbd")])
        canvas.close("g")
    }

    package mutating func laneHeader(title: String, subtitle: String, x: Int, width: Int, alarm: Bool) {
        let color = alarm ? SVGCanvas.red : "#222222"
        canvas.fittedText(title, width: width, charWidth: 7, x: x, y: Self.headerTop + 18, [("font-weight", "bold"), ("font-size", "13"), ("fill", color)])
        canvas.fittedText(subtitle, width: width, charWidth: 6, x: x, y: Self.headerTop + 34, [("font-size", "11"), ("fill", alarm ? SVGCanvas.red : "#666666")])
    }

    package mutating func guestLane(tops: [Int]) {
        let layout = model.layout
        laneHeader(title: "guest: \(layout.machineType)", subtitle: "\(ByteCount.format(layout.vm.ram)) RAM, \(Self.widthName(layout)) \(layout.physBits)" + (layout.cpuVendor.map { ", \($0.rawValue)" } ?? ""),
                   x: Self.guestX, width: Self.guestWidth, alarm: !model.conflictedRegions.isEmpty)
        canvas.element("rect", [("x", "\(Self.guestX)"), ("y", "\(Self.mapTop)"), ("width", "\(Self.guestWidth)"), ("height", "\((tops.last ?? Self.mapTop) - Self.mapTop)"), ("fill", "none"), ("stroke", "#bdbdbd")])
        let ordered = layout.regions.sorted { (model.nesting(of: $0), $0.range.start, $0.range.last) < (model.nesting(of: $1), $1.range.start, $1.range.last) }
        for region in ordered {
            let nesting = model.nesting(of: region)
            let (top, bottom) = span(region.range, tops: tops)
            let x = Self.guestX + nesting * Self.nestIndent
            let width = Self.guestWidth - nesting * Self.nestIndent
            let conflicted = model.conflictedRegions.contains(region.name)
            canvas.open("g", [("class", conflicted ? "region conflict" : "region"), ("data-name", region.name), ("data-start", Hex.format(region.range.start)), ("data-end", Hex.format(region.range.last))])
            canvas.element("title", text: "\(region.name): \(region.range.size.map(ByteCount.format) ?? "16 EiB") at \(Hex.format(region.range.start))–\(Hex.format(region.range.last))\(conflicted ? " (conflict)" : "")")
            canvas.element("rect", [
                ("x", "\(x)"), ("y", "\(top)"), ("width", "\(width)"), ("height", "\(bottom - top)"), ("fill", Self.fill(region)),
                ("stroke", conflicted ? SVGCanvas.red : "#555555"), ("stroke-width", conflicted ? "3" : "1"),
            ])
            if region.isDMATarget {
                canvas.element("rect", [("x", "\(x)"), ("y", "\(top)"), ("width", "5"), ("height", "\(bottom - top)"), ("fill", "#08519c")])
            }
            let inner = layout.regions.filter { $0 != region && region.range.contains($0.range) && model.nesting(of: $0) > nesting }.map(\.range)
            label(region.name, size: region.range.size, range: region.range, in: region.range, avoiding: inner, x: x + 10, width: width - 14, tops: tops,
                  color: "#111111")
            canvas.close("g")
        }
    }

    /// Firmware places 64-bit BARs below this line, so it is the guest's own ceiling.
    package mutating func physBitsLine(tops: [Int]) {
        let layout = model.layout
        if let limit = Sizes.limit(bits: layout.physBits), limit <= model.axisLast {
            let y = y(limit, tops: tops)
            canvas.element("line", [("x1", "\(Self.guestX)"), ("y1", "\(y)"), ("x2", "\(Self.guestX + Self.guestWidth)"), ("y2", "\(y)"), ("stroke", "#08519c"), ("stroke-width", "2"), ("stroke-dasharray", "6 3")])
            canvas.text("guest \(Self.widthName(layout)) \(layout.physBits) limit", x: Self.guestX + Self.guestWidth - 6, y: y - 5,
                        [("fill", "#08519c"), ("font-size", "11"), ("text-anchor", "end")])
        }
    }

    package mutating func hostLane(_ lane: MemoryMapModel.Lane, x: Int, tops: [Int]) {
        laneHeader(title: lane.title, subtitle: lane.subtitle, x: x, width: Self.hostWidth, alarm: !lane.violations.isEmpty)
        canvas.open("g", [("class", "host"), ("data-hosts", lane.hosts.map(\.name).joined(separator: " "))])
        canvas.element("rect", [("x", "\(x)"), ("y", "\(Self.mapTop)"), ("width", "\(Self.hostWidth)"), ("height", "\((tops.last ?? Self.mapTop) - Self.mapTop)"), ("fill", "#ffffff"), ("stroke", "#bdbdbd")])
        // The guest's DMA targets, repeated as pale bands: a hole must never lie on one.
        for target in AddressSet(model.layout.dmaTargets.map(\.range)).ranges {
            let (top, bottom) = span(target, tops: tops)
            canvas.element("rect", [("class", "dma-band"), ("x", "\(x)"), ("y", "\(top)"), ("width", "\(Self.hostWidth)"), ("height", "\(bottom - top)"), ("fill", "#deebf7")])
        }
        let nesting: (MemoryMapModel.Mark) -> Int = { mark in lane.marks.filter { $0 != mark && $0.range.contains(mark.range) && $0.range != mark.range }.count }
        let marks = lane.marks.sorted(by: { (nesting($0), $0.range.start, $0.range.last) < (nesting($1), $1.range.start, $1.range.last) }).filter { $0.range.start <= model.axisLast }
        var labels: [(mark: MemoryMapModel.Mark, x: Int, width: Int, inner: [AddressRange])] = []
        for mark in marks {
            let depth = nesting(mark)
            let (top, bottom) = span(mark.range, tops: tops)
            let markX = x + 6 + depth * Self.nestIndent
            let width = Self.hostWidth - 12 - depth * Self.nestIndent
            var attributes: [(String, String)] = [("x", "\(markX)"), ("y", "\(top)"), ("width", "\(width)"), ("height", "\(bottom - top)")]
            let kind: String
            switch mark.kind {
            case .hole:
                kind = "hole"
                attributes += [("fill", "url(#hole)"), ("stroke", "#636363")]
            case .relaxable:
                kind = "relaxable"
                attributes += [("fill", "#ffffff"), ("fill-opacity", "0.6"), ("stroke", "#969696"), ("stroke-dasharray", "4 3")]
            case .window:
                kind = "window"
                attributes += [("fill", "#bcbddc"), ("stroke", "#6a51a3")]
            }
            canvas.open("g", [("class", kind), ("data-start", Hex.format(mark.range.start)), ("data-end", Hex.format(mark.range.last))])
            canvas.element("title", text: "\(lane.title): \(mark.label), \(Hex.format(mark.range.start))–\(Hex.format(mark.range.last))")
            canvas.element("rect", attributes)
            canvas.close("g")
            labels.append((mark, markX + 6, width - 10, lane.marks.filter { $0 != mark && mark.range.contains($0.range) && nesting($0) > depth }.map(\.range)))
        }
        for conflict in lane.conflicts {
            let (top, bottom) = span(conflict, tops: tops)
            canvas.element("rect", [
                ("class", "conflict"), ("x", "\(x + 2)"), ("y", "\(top)"), ("width", "\(Self.hostWidth - 4)"), ("height", "\(max(bottom - top, 3))"),
                ("fill", SVGCanvas.red), ("fill-opacity", "0.8"), ("stroke", "#a50f15"), ("stroke-width", "2"),
            ])
        }
        // Labels last, on plates, so a red conflict never hides which hole it is.
        canvas.open("g", [("class", "labels")])
        for (mark, labelX, width, inner) in labels {
            let conflicted = lane.conflicts.contains { $0.overlaps(mark.range) }
            label(mark.label, size: mark.range.size, range: mark.range, in: mark.range, avoiding: inner, x: labelX, width: width, tops: tops,
                  color: conflicted ? "#a50f15" : mark.kind == .relaxable ? "#737373" : "#111111", plate: mark.kind != .relaxable || conflicted)
        }
        canvas.close("g")
        canvas.close("g")
    }

    /// A pale break across every lane where nothing is: the axis skips such stretches.
    package mutating func emptyStretches(tops: [Int]) {
        let right = (laneX.last ?? Self.guestX) + (model.lanes.isEmpty ? Self.guestWidth : Self.hostWidth)
        for (index, stretch) in model.stretches.enumerated() where stretch.isEmpty {
            let top = tops[index], bottom = tops[index + 1]
            canvas.open("g", [("class", "break")])
            canvas.element("rect", [("x", "\(Self.guestX)"), ("y", "\(top)"), ("width", "\(right - Self.guestX)"), ("height", "\(bottom - top)"), ("fill", "url(#empty)")])
            for edge in [top, bottom] {
                canvas.element("path", [("d", zigzag(from: Self.guestX, to: right, y: edge)), ("fill", "none"), ("stroke", "#9e9e9e")])
            }
            // In the host lanes, so the guest lane's phys-bits label never lands on it.
            canvas.text("axis broken: \(stretch.range.size.map(ByteCount.format) ?? "16 EiB") with nothing in any lane", x: (laneX.first ?? Self.guestX) + 10, y: (top + bottom) / 2 + 4,
                        [("fill", "#616161"), ("font-style", "italic"), ("font-size", "11")])
            canvas.close("g")
        }
    }

    package func zigzag(from left: Int, to right: Int, y: Int) -> String {
        var d = "M\(left) \(y)"
        var x = left
        var up = true
        while x < right {
            x = min(x + 6, right)
            d += " L\(x) \(y + (up ? -2 : 2))"
            up.toggle()
        }
        return d
    }

    /// Name and size on one line, the hex range on a second when there is room; placed in the
    /// tallest part of the box not covered by a box nested in it.
    package mutating func label(_ name: String, size: UInt64?, range: AddressRange, in box: AddressRange, avoiding inner: [AddressRange],
                        x: Int, width: Int, tops: [Int], color: String, plate: Bool = false) {
        var best: (top: Int, bottom: Int)?
        var run: (top: Int, bottom: Int)?
        for (index, stretch) in model.stretches.enumerated() where box.contains(stretch.range.start) {
            let free = !inner.contains { $0.contains(stretch.range.start) }
            if free {
                run = (run?.top ?? tops[index], tops[index + 1])
                if let current = run, current.bottom - current.top > (best.map { $0.bottom - $0.top } ?? -1) { best = current }
            } else {
                run = nil
            }
        }
        guard let place = best, place.bottom - place.top >= 14 else { return }
        let sizeText = size.map(ByteCount.format) ?? "16 EiB"
        let two = place.bottom - place.top >= 34
        let middle = (place.top + place.bottom) / 2
        let withSize = "\(name)  \(sizeText)"
        let first = SVGCanvas.fit(two || withSize.count * 7 > width ? name : withSize, width: width, charWidth: 7)
        // A hole that runs to the top of the address space reads better by where it starts.
        let second = SVGCanvas.fit(range.last == .max ? "from \(Hex.format(range.start)) to the top" : "\(sizeText) · \(Hex.format(range.start))–\(Hex.format(range.last))",
                                   width: width, charWidth: 6)
        let firstY = two ? middle - 2 : middle + 4
        if plate {
            // Labels on hatched holes sit on a white plate to stay readable.
            let plateWidth = min(width, max(first.count * 7, two ? second.count * 6 : 0)) + 6
            canvas.element("rect", [("x", "\(x - 3)"), ("y", "\(firstY - 12)"), ("width", "\(plateWidth)"), ("height", "\(two ? 30 : 16)"), ("fill", "#ffffff"), ("fill-opacity", "0.85"), ("rx", "2")])
        }
        // A cut label keeps its whole text as a tooltip.
        let full = "\(name)  \(sizeText) · \(Hex.format(range.start))–\(Hex.format(range.last))"
        let cut = first.hasSuffix("…") || (two && second.hasSuffix("…"))
        if cut { canvas.open("g", [("class", "label")]); canvas.element("title", text: full) }
        canvas.text(first, x: x, y: firstY, [("fill", color)])
        if two {
            canvas.text(second, x: x, y: middle + 12, [("font-family", SVGCanvas.mono), ("font-size", "10"), ("fill", "#444444")])
        }
        if cut { canvas.close("g") }
    }

    /// What the guest's address width is called: CPU phys-bits on x86, the IPA size on Arm.
    package static func widthName(_ layout: GuestLayout) -> String { layout.knobs.model.addressWidthName }

    /// Greedy word wrap; a word longer than a line is cut.
    package static func wrap(_ text: String, columns: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if candidate.count > columns, !current.isEmpty {
                lines.append(current)
                current = String(word.prefix(columns))
            } else {
                current = String(candidate.prefix(columns))
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    package static func fill(_ region: GuestRegion) -> String {
        switch region.kind {
        case .ram: return "#6baed6"
        case .dimm: return "#4292c6"
        case .hotplug: return "#9ecae1"
        case .deviceMemory: return "#eff3ff"
        case .pciHole32, .pciHole64: return "#fdd0a2"
        case .msi: return "#dadaeb"
        case .firmware, .reserved: return "#e0e0e0"
        }
    }

    package mutating func legend(top: Int) {
        let entries: [(String, [(String, String)])] = [
            ("RAM (DMA target)", [("fill", "#6baed6"), ("stroke", "#555555")]),
            ("DIMM", [("fill", "#4292c6"), ("stroke", "#555555")]),
            ("hotplug window", [("fill", "#eff3ff"), ("stroke", "#555555")]),
            ("PCI hole", [("fill", "#fdd0a2"), ("stroke", "#555555")]),
            ("MSI, MMIO, firmware", [("fill", "#e0e0e0"), ("stroke", "#555555")]),
            ("guest DMA target on a host", [("fill", "#deebf7"), ("stroke", "#9ecae1")]),
            ("host hole", [("fill", "url(#hole)"), ("stroke", "#636363")]),
            ("relaxable (VFIO ignores it)", [("fill", "#ffffff"), ("stroke", "#969696"), ("stroke-dasharray", "4 3")]),
            ("sw-msi window", [("fill", "#bcbddc"), ("stroke", "#6a51a3")]),
            ("conflict", [("fill", SVGCanvas.red), ("stroke", "#a50f15")]),
        ]
        canvas.open("g", [("class", "legend")])
        var x = Self.margin
        var y = top
        for (text, style) in entries {
            let itemWidth = 26 + text.count * 7 + 18
            if x + itemWidth > width - Self.margin {
                x = Self.margin
                y += 22
            }
            canvas.element("rect", [("x", "\(x)"), ("y", "\(y - 11)"), ("width", "18"), ("height", "14")] + style)
            canvas.text(text, x: x + 24, y: y, [("fill", "#333333")])
            x += itemWidth
        }
        canvas.close("g")
        y += 28
        for violation in model.violations {
            canvas.open("g", [("class", "conflict-text")])
            for line in Self.wrap("conflict: \(violation)", columns: (width - 2 * Self.margin) / 7) {
                canvas.text(line, x: Self.margin, y: y, [("fill", SVGCanvas.red)])
                y += 16
            }
            canvas.close("g")
            y += 4
        }
    }
}
