import LayoutCore
import LayoutMachines
import LayoutPlacement
/// The picture both maps draw (the SVG and the terminal's): the guest's regions beside each
/// host's holes, cut into stretches at every boundary any of them has, so every row or band holds
/// the same things from its first address to its last.
package struct MemoryMapModel {
    package enum MarkKind: Equatable {
        /// A range no DMA target may touch.
        case hole(Hole.Reason)
        /// A `direct-relaxable` region: VFIO ignores it, so it does not constrain the map.
        case relaxable
        /// Where the layout puts this host's programmable (sw-msi) window.
        case window(isDefault: Bool)
    }

    /// One thing in a host lane.
    package struct Mark: Equatable {
        package var range: AddressRange
        package var kind: MarkKind
        /// A few words: `msi`, `reserved: HyperTransport`, `past 39-bit IOMMU`.
        package var label: String
    }

    /// One host, or several hosts whose lanes would look the same.
    package struct Lane {
        package var hosts: [HostProfile]
        package var marks: [Mark]
        /// Where a violation puts a guest DMA target on one of this lane's holes.
        package var conflicts: [AddressRange]
        /// Every violation of this lane's hosts, including those with no range (the CPU width).
        package var violations: [Violation]

        package var title: String { hosts.map(\.name).joined(separator: ", ") }
        package var hostCount: Int { hosts.reduce(0) { $0 + $1.count } }
        package var subtitle: String {
            let first = hosts[0]
            let count = hostCount
            return "cpu \(first.cpuPhysBits) · iommu \(first.iommuAddressBits) bits" + (count > 1 ? " · ×\(count)" : "")
        }
    }

    /// The addresses between two consecutive boundaries.
    package struct Stretch: Equatable {
        package var range: AddressRange
        /// Nothing in any lane: drawn as a break in the axis.
        package var isEmpty: Bool
    }

    package let layout: GuestLayout
    package let lanes: [Lane]
    package let stretches: [Stretch]
    /// The guest regions a violation names.
    package let conflictedRegions: Set<String>
    package let violations: [Violation]
    /// Every lane has a hole from here to the top of the address space, so the axis stops before it.
    package let everyHostBlockedFrom: UInt64?

    package var axisLast: UInt64 { stretches.last?.range.last ?? 0 }

    package init(layout: GuestLayout, hosts: [HostProfile], programmable: [ProgrammablePlacement] = [], strictRelaxable: Bool = false,
         violations: [Violation] = [], includeRelaxable: Bool = true, extraBoundaries: [UInt64] = []) {
        self.layout = layout
        self.violations = violations
        self.conflictedRegions = Set(violations.map(\.region))
        let regionsByName = Dictionary(layout.regions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

        var lanes: [Lane] = []
        for host in hosts.sorted(by: { $0.name < $1.name }) {
            let holes = Fleet.holes(of: host, strictRelaxable: strictRelaxable)
            var marks = holes.map { Mark(range: $0.range, kind: .hole($0.reason), label: Self.label(of: $0)) }
            if includeRelaxable {
                for region in host.reserved where !region.type.blocksDMA(strictRelaxable: strictRelaxable) {
                    marks.append(Mark(range: region.range, kind: .relaxable, label: "\(region.type.rawValue) (ignored)"))
                }
            }
            for placement in programmable where placement.host == host.name {
                marks.append(Mark(range: placement.range, kind: .window(isDefault: placement.isDefault),
                                  label: "\(placement.type.rawValue) window" + (placement.isDefault ? "" : " (move here)")))
            }
            marks.sort { ($0.range.start, $0.range.last, $0.label) < ($1.range.start, $1.range.last, $1.label) }
            let own = violations.filter { $0.host == host.name }
            var conflicts: [AddressRange] = []
            for violation in own {
                guard let region = regionsByName[violation.region] else { continue }
                conflicts += holes.compactMap { $0.range.intersection(region.range) }
            }
            let lane = Lane(hosts: [host], marks: marks, conflicts: AddressSet(conflicts).ranges, violations: own)
            // Hosts that would draw the same lane share one, so a fleet of 40 identical profiles stays readable.
            if own.isEmpty, let index = lanes.firstIndex(where: {
                $0.violations.isEmpty && $0.marks == marks && $0.hosts[0].cpuPhysBits == host.cpuPhysBits && $0.hosts[0].iommuAddressBits == host.iommuAddressBits
            }) {
                lanes[index].hosts.append(host)
            } else {
                lanes.append(lane)
            }
        }
        self.lanes = lanes

        // The axis ends where the last finite thing ends; a hole running to the top of the space
        // (past an IOMMU's width) contributes only its start.
        var axisLast: UInt64 = layout.regions.map(\.range.last).max() ?? 0
        for lane in lanes {
            for mark in lane.marks {
                if mark.range.last < .max {
                    axisLast = max(axisLast, mark.range.last)
                } else if mark.range.start > 0 {
                    axisLast = max(axisLast, mark.range.start - 1)
                }
            }
        }
        let blockedFrom = lanes.map { lane in lane.marks.filter { $0.range.last == .max && $0.kind != .relaxable }.map(\.range.start).min() }
        if axisLast < .max, !blockedFrom.isEmpty, blockedFrom.allSatisfy({ $0.map { $0 <= axisLast + 1 } ?? false }) {
            everyHostBlockedFrom = axisLast + 1
        } else {
            everyHostBlockedFrom = nil
        }

        var boundaries: Set<UInt64> = [0]
        func cut(_ range: AddressRange) {
            if range.start <= axisLast { boundaries.insert(range.start) }
            if range.last < axisLast { boundaries.insert(range.last + 1) }
        }
        layout.regions.map(\.range).forEach(cut)
        for lane in lanes {
            lane.marks.map(\.range).forEach(cut)
            lane.conflicts.forEach(cut)
        }
        boundaries.formUnion(extraBoundaries.filter { $0 <= axisLast })
        let starts = boundaries.sorted()
        var stretches: [Stretch] = []
        for (index, start) in starts.enumerated() {
            let last = index + 1 < starts.count ? starts[index + 1] - 1 : axisLast
            let range = AddressRange(spanning: start, last)
            let used = layout.regions.contains { $0.range.contains(start) }
                || lanes.contains { lane in lane.marks.contains { $0.range.contains(start) } }
            stretches.append(Stretch(range: range, isEmpty: !used))
        }
        self.stretches = stretches
    }

    /// The guest regions over a stretch, outermost first (device-memory before the DIMMs in it).
    package func regions(at stretch: Stretch) -> [GuestRegion] {
        layout.regions.filter { $0.range.contains(stretch.range.start) }
            .sorted { ($0.range.size ?? .max, $1.range.start) > ($1.range.size ?? .max, $0.range.start) }
    }

    /// How many other regions hold this one: DIMMs sit inside device-memory.
    package func nesting(of region: GuestRegion) -> Int {
        layout.regions.filter { $0 != region && $0.range.contains(region.range) && $0.range != region.range }.count
    }

    package func marks(of lane: Lane, at stretch: Stretch) -> [Mark] {
        lane.marks.filter { $0.range.contains(stretch.range.start) }
    }

    package func isConflict(_ lane: Lane, at stretch: Stretch) -> Bool {
        lane.conflicts.contains { $0.contains(stretch.range.start) }
    }

    package static func label(of hole: Hole) -> String {
        switch hole.reason {
        case .reserved(let type):
            guard let note = hole.note.map(shortNote), !note.isEmpty else { return type.rawValue }
            return "\(type.rawValue): \(note)"
        case .outsideIOVARanges: return "outside iova_ranges"
        case .beyondIOMMUWidth(let bits): return "past \(bits)-bit IOMMU"
        case .programmableWindow: return "sw-msi window"
        }
    }

    /// Profile notes are paragraphs with sources; the map needs their first few words.
    package static func shortNote(_ note: String) -> String {
        let cut = note.firstIndex { ":;,.(".contains($0) } ?? note.endIndex
        let words = note[..<cut].split(separator: " ")
        var text = ""
        for word in words {
            if text.count + word.count + 1 > 24 { break }
            text += (text.isEmpty ? "" : " ") + word
        }
        return text
    }
}
