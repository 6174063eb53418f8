import LayoutCore
import LayoutMachines
import LayoutPlacement

/// The picture of a failed solve (`--svg` when no layout fits): no guest lane, since there is no
/// layout, but every host's holes on the same broken, log-scaled axis as ``SVGMap``, the holes
/// the conflicts name (``NoLayoutExists/Conflict/holes``) in red, and each conflict's reason below.
package enum SVGFailureMap {
    package static func render(hosts: [HostProfile], failure: NoLayoutExists, strictRelaxable: Bool = false) -> String {
        var drawing = Drawing(hosts: hosts.sorted { $0.name < $1.name }, failure: failure, strictRelaxable: strictRelaxable)
        return drawing.svg()
    }

    struct Drawing {
        let hosts: [HostProfile]
        let failure: NoLayoutExists
        let holes: [[Hole]]
        /// Host name and range of every hole a conflict names.
        let conflicted: Set<String>
        let stretches: [AddressRange]
        var canvas = SVGCanvas()

        static let margin = 16, addressRight = 146, sizeRight = 214, laneX0 = 226, laneWidth = 236, laneGap = 14
        static let headerTop = 78, mapTop = 126

        init(hosts: [HostProfile], failure: NoLayoutExists, strictRelaxable: Bool) {
            self.hosts = hosts
            self.failure = failure
            holes = hosts.map { Fleet.holes(of: $0, strictRelaxable: strictRelaxable) }
            conflicted = Set(failure.conflicts.flatMap(\.holes).map { Self.key($0.host, $0.range) })
            // The axis runs to where the last hole starts, plus that hole's first stretch, so
            // holes running to the top of the address space show where they begin.
            var boundaries: Set<UInt64> = [0]
            let starts = holes.flatMap { $0.map(\.range.start) }
            let top = starts.max().map { $0 == 0 ? UInt64(1) << 32 : ($0 > UInt64.max / 2 ? UInt64.max : $0 * 2) } ?? UInt64(1) << 32
            for hole in holes.joined() {
                if hole.range.start < top { boundaries.insert(hole.range.start) }
                if hole.range.last < top { boundaries.insert(hole.range.last + 1) }
            }
            let sorted = boundaries.sorted()
            stretches = zip(sorted, sorted.dropFirst().map { $0 - 1 } + [top - 1]).compactMap { AddressRange(start: $0.0, last: $0.1) }
        }

        static func key(_ host: String, _ range: AddressRange) -> String { "\(host) \(range.start) \(range.last)" }

        static func height(_ range: AddressRange) -> Int {
            let log2 = range.size.map { 63 - $0.leadingZeroBitCount } ?? 64
            return 18 + 3 * max(0, log2 - 12)
        }

        var tops: [Int] {
            var y = Self.mapTop
            var result: [Int] = []
            for stretch in stretches { result.append(y); y += Self.height(stretch) }
            return result + [y]
        }

        func y(_ address: UInt64, _ tops: [Int]) -> Int {
            guard let last = stretches.last, address <= last.last else { return tops[tops.count - 1] }
            let index = stretches.lastIndex { $0.start <= address } ?? 0
            return tops[index]
        }

        var width: Int { max(Self.laneX0 + hosts.count * (Self.laneWidth + Self.laneGap) + Self.margin, 760) }

        mutating func svg() -> String {
            let tops = tops
            let mapBottom = tops[tops.count - 1]
            let columns = (width - 2 * Self.margin) / 7
            let reasons = failure.conflicts.flatMap { SVGMapDrawing.wrap("conflict: \($0.message)", columns: columns) }
            let height = mapBottom + 40 + 16 * reasons.count + 8 * failure.conflicts.count + Self.margin
            canvas.open("svg", [
                ("xmlns", "http://www.w3.org/2000/svg"), ("width", "\(width)"), ("height", "\(height)"), ("viewBox", "0 0 \(width) \(height)"),
                ("font-family", SVGCanvas.sans), ("font-size", "12"),
            ])
            let vm = failure.vmName.map { "VM \($0)" } ?? "the VM"
            canvas.element("title", text: "No guest memory layout for \(vm) fits every host: the holes of \(hosts.count) host profile(s), conflicting holes in red")
            canvas.element("desc", text: "layoutsolve \(LayoutSolverVersion.current); addresses grow downward; band heights follow log2 of the size")
            canvas.open("defs")
            canvas.open("pattern", [("id", "hole"), ("width", "7"), ("height", "7"), ("patternUnits", "userSpaceOnUse"), ("patternTransform", "rotate(45)")])
            canvas.element("rect", [("width", "7"), ("height", "7"), ("fill", "#d9d9d9")])
            canvas.element("line", [("x1", "0"), ("y1", "0"), ("x2", "0"), ("y2", "7"), ("stroke", "#8c8c8c"), ("stroke-width", "3")])
            canvas.close("pattern")
            canvas.close("defs")
            canvas.element("rect", [("width", "\(width)"), ("height", "\(height)"), ("fill", "#ffffff")])
            canvas.text("No layout for \(vm) fits every host", x: Self.margin, y: 30, [("font-size", "17"), ("font-weight", "bold"), ("fill", SVGCanvas.red)])
            canvas.text("\(failure.conflicts.count) conflict(s); the holes they name are red. layoutsolve check --pools finds the host groups that do share a layout.",
                        x: Self.margin, y: 50, [("fill", "#444444")])
            canvas.text("Addresses grow downward; a band's height follows log2 of its size (not to scale).", x: Self.margin, y: 66, [("fill", "#666666"), ("font-size", "11")])

            let right = Self.laneX0 + hosts.count * (Self.laneWidth + Self.laneGap) - Self.laneGap
            canvas.text("ADDRESS", x: Self.addressRight, y: Self.headerTop + 18, [("text-anchor", "end"), ("font-weight", "bold"), ("fill", "#555555"), ("font-size", "11")])
            canvas.text("SIZE", x: Self.sizeRight, y: Self.headerTop + 18, [("text-anchor", "end"), ("font-weight", "bold"), ("fill", "#555555"), ("font-size", "11")])
            canvas.open("g", [("class", "axis")])
            for (index, stretch) in stretches.enumerated() {
                let top = tops[index]
                canvas.element("line", [("x1", "\(Self.addressRight + 4)"), ("y1", "\(top)"), ("x2", "\(right)"), ("y2", "\(top)"), ("stroke", "#e3e3e3")])
                canvas.text(Hex.format(stretch.start), x: Self.addressRight, y: top + 4, [("text-anchor", "end"), ("font-family", SVGCanvas.mono), ("font-size", "11"), ("fill", "#222222")])
                canvas.text(stretch.size.map(ByteCount.format) ?? "16 EiB", x: Self.sizeRight, y: (top + tops[index + 1]) / 2 + 4, [("text-anchor", "end"), ("font-size", "10"), ("fill", "#777777")])
            }
            canvas.close("g")

            let blamed = Set(failure.conflicts.flatMap(\.hosts))
            for (index, host) in hosts.enumerated() {
                let x = Self.laneX0 + index * (Self.laneWidth + Self.laneGap)
                let alarm = blamed.contains(host.name)
                canvas.fittedText(host.name, width: Self.laneWidth, charWidth: 7, x: x, y: Self.headerTop + 18,
                                  [("font-weight", "bold"), ("font-size", "13"), ("fill", alarm ? SVGCanvas.red : "#222222")])
                canvas.fittedText("cpu \(host.cpuPhysBits) · iommu \(host.iommuAddressBits) bits", width: Self.laneWidth, charWidth: 6, x: x, y: Self.headerTop + 34,
                                  [("font-size", "11"), ("fill", "#666666")])
                canvas.open("g", [("class", "host"), ("data-hosts", host.name)])
                canvas.element("rect", [("x", "\(x)"), ("y", "\(Self.mapTop)"), ("width", "\(Self.laneWidth)"), ("height", "\(mapBottom - Self.mapTop)"), ("fill", "#ffffff"), ("stroke", "#bdbdbd")])
                for hole in holes[index] where hole.range.start <= (stretches.last?.last ?? 0) {
                    let top = y(hole.range.start, tops)
                    let bottom = hole.range.last >= (stretches.last?.last ?? 0) ? mapBottom : y(hole.range.last + 1, tops)
                    let red = conflicted.contains(Self.key(hole.host, hole.range))
                    canvas.open("g", [("class", red ? "hole conflict" : "hole"), ("data-start", Hex.format(hole.range.start)), ("data-end", Hex.format(hole.range.last))])
                    canvas.element("title", text: hole.label + (red ? " (in conflict)" : ""))
                    canvas.element("rect", [
                        ("x", "\(x + 6)"), ("y", "\(top)"), ("width", "\(Self.laneWidth - 12)"), ("height", "\(max(bottom - top, 3))"),
                        ("fill", red ? SVGCanvas.red : "url(#hole)"), ("fill-opacity", red ? "0.8" : "1"), ("stroke", red ? "#a50f15" : "#636363"),
                    ])
                    if bottom - top >= 14 {
                        let text = "\(Self.reasonName(hole.reason))  \(hole.range.size.map(ByteCount.format) ?? "16 EiB")"
                        canvas.fittedText(text, width: Self.laneWidth - 22, charWidth: 7, x: x + 12, y: (top + bottom) / 2 + 4, [("fill", red ? "#ffffff" : "#111111")])
                    }
                    canvas.close("g")
                }
                canvas.close("g")
            }

            var lineY = mapBottom + 28
            for conflict in failure.conflicts {
                canvas.open("g", [("class", "conflict-text")])
                for line in SVGMapDrawing.wrap("conflict: \(conflict.message)", columns: columns) {
                    canvas.text(line, x: Self.margin, y: lineY, [("fill", SVGCanvas.red)])
                    lineY += 16
                }
                canvas.close("g")
                lineY += 8
            }
            canvas.close("svg")
            return canvas.text
        }

        static func reasonName(_ reason: Hole.Reason) -> String {
            switch reason {
            case .reserved(let type): return type.rawValue
            case .outsideIOVARanges: return "no iova"
            case .beyondIOMMUWidth(let bits): return "past \(bits) bits"
            case .programmableWindow: return "sw-msi window"
            }
        }
    }
}
