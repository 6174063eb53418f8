/// A host region that no guest DMA target may touch, and where it comes from.
public struct Hole: Equatable, Sendable {
    public enum Reason: Equatable, Sendable {
        case reserved(ReservedType)
        /// Outside the usable IOVA ranges the host reports.
        case outsideIOVARanges
        /// At or past 2^address_bits of the host's IOMMU.
        case beyondIOMMUWidth(bits: Int)
        /// The place chosen for a host's programmable window.
        case programmableWindow
    }

    public var range: AddressRange
    public var host: String
    public var reason: Reason
    public var note: String?
    /// JSON path in the host's profile.
    public var path: String

    /// `amd-epyc-7003: reserved 0xfd00000000-0xffffffffff (HyperTransport)`.
    package var label: String {
        let what: String
        switch reason {
        case .reserved(let type): what = type.rawValue
        case .outsideIOVARanges: what = "outside usable iova_ranges"
        case .beyondIOMMUWidth(let bits): what = "past the IOMMU's \(bits)-bit address width"
        case .programmableWindow: what = "sw-msi window"
        }
        return "\(host): \(what) \(range)" + (note.map { " (\($0))" } ?? "")
    }

    package init(range: AddressRange, host: String, reason: Reason, note: String? = nil, path: String) {
        self.range = range
        self.host = host
        self.reason = reason
        self.note = note
        self.path = path
    }
}

/// The hosts of a migration set reduced to what constrains a layout: one merged set of holes,
/// the narrowest widths, and who imposes each. Its size depends on the distinct holes, not on
/// the number of hosts.
package struct Fleet: Sendable {
    package let hosts: [HostProfile]
    package let holes: [Hole]
    /// The union of all holes: what no DMA target may overlap.
    package let forbidden: AddressSet
    package let minCPUPhysBits: Int
    package let minIOMMUBits: Int
    package let strictRelaxable: Bool

    /// Validates the set and merges the hosts' holes; hosts are sorted by name so file order never matters.
    package init(hosts: [HostProfile], strictRelaxable: Bool = false) throws {
        guard !hosts.isEmpty else { throw InputError(source: "--hosts", message: "no host profiles given; a layout needs at least one host") }
        // Through the buffer: passing `hosts[i]` on copied the profile (a retain per member).
        if let problems = Optional(hosts.withUnsafeBufferPointer { buffer in buffer.indices.flatMap { buffer[$0].invariantViolations() } }), !problems.isEmpty {
            throw problems.count == 1 ? problems[0] as Error : InputErrors(errors: problems)
        }
        // Names to files, not whole profiles: a copy of a profile per host was a visible cost at 10,000 hosts.
        var seen: [String: String] = [:]
        seen.reserveCapacity(hosts.count)
        for index in hosts.indices {
            let name = hosts[index].name
            if let earlier = seen[name] {
                throw InputError(source: hosts[index].file, path: "$.name", message: "host name \"\(name)\" is also used by \(earlier); every host in a set needs its own name")
            }
            seen[name] = hosts[index].file
        }
        // Usually sorted already (files are read in name order): then no copy of every profile.
        let sorted = hosts.indices.dropFirst().allSatisfy { hosts[$0 - 1].name < hosts[$0].name }
        self.hosts = sorted ? hosts : hosts.sorted { $0.name < $1.name }
        self.strictRelaxable = strictRelaxable
        var holes: [Hole] = []
        var hostIndex: [Int] = []
        self.hosts.withUnsafeBufferPointer { buffer in
            for index in buffer.indices {
                Self.appendHoles(of: buffer[index], strictRelaxable: strictRelaxable, to: &holes)
                hostIndex.append(contentsOf: repeatElement(index, count: holes.count - hostIndex.count))
            }
        }
        // By (start, last, host name), as `adding` sorts. The hosts are sorted by name and the names
        // are unique (checked above), so a host's index orders as its name does: the sort compares
        // integers instead of strings, which the holes of thousands of alike hosts tie on.
        let order = holes.indices.sorted { a, b in
            (holes[a].range.start, holes[a].range.last, hostIndex[a]) < (holes[b].range.start, holes[b].range.last, hostIndex[b])
        }
        self.holes = order.map { holes[$0] }
        self.forbidden = AddressSet(holes.map(\.range))
        let hosts = self.hosts
        self.minCPUPhysBits = hosts.indices.lazy.map { hosts[$0].cpuPhysBits }.min() ?? 0
        self.minIOMMUBits = hosts.indices.lazy.map { hosts[$0].iommuAddressBits }.min() ?? 0
    }

    private init(hosts: [HostProfile], holes: [Hole], strictRelaxable: Bool) {
        self.hosts = hosts
        self.holes = holes.sorted { ($0.range.start, $0.range.last, $0.host) < ($1.range.start, $1.range.last, $1.host) }
        self.forbidden = AddressSet(holes.map(\.range))
        self.minCPUPhysBits = hosts.map(\.cpuPhysBits).min() ?? 0
        self.minIOMMUBits = hosts.map(\.iommuAddressBits).min() ?? 0
        self.strictRelaxable = strictRelaxable
    }

    /// The same fleet with extra holes (the chosen places of programmable windows).
    package func adding(_ extra: [Hole]) -> Fleet { Fleet(hosts: hosts, holes: holes + extra, strictRelaxable: strictRelaxable) }

    /// Every range of one host that a DMA target must avoid.
    package static func holes(of host: HostProfile, strictRelaxable: Bool) -> [Hole] {
        var holes: [Hole] = []
        appendHoles(of: host, strictRelaxable: strictRelaxable, to: &holes)
        return holes
    }

    /// `holes(of:)` appended to `holes` in place: no array per host to copy from.
    static func appendHoles(of host: HostProfile, strictRelaxable: Bool, to holes: inout [Hole]) {
        for region in host.reserved where region.type.blocksDMA(strictRelaxable: strictRelaxable) {
            holes.append(Hole(range: region.range, host: host.name, reason: .reserved(region.type), note: region.note, path: region.path))
        }
        if let usable = host.iovaRanges {
            for gap in AddressSet(usable).gaps(within: AddressRange(spanning: 0, .max)) {
                holes.append(Hole(range: gap, host: host.name, reason: .outsideIOVARanges, path: "$.iova_ranges"))
            }
        }
        if let limit = Sizes.limit(bits: host.iommuAddressBits) {
            holes.append(Hole(range: AddressRange(spanning: limit, .max), host: host.name, reason: .beyondIOMMUWidth(bits: host.iommuAddressBits), path: "$.iommu.address_bits"))
        }
    }

    /// The holes of individual hosts that overlap `range`, for explanations.
    package func holes(overlapping range: AddressRange) -> [Hole] { holes.filter { $0.range.overlaps(range) } }

    package var hostsWithNarrowestCPU: [String] { hosts.filter { $0.cpuPhysBits == minCPUPhysBits }.map(\.name) }
    package var hostsWithNarrowestIOMMU: [String] { hosts.filter { $0.iommuAddressBits == minIOMMUBits }.map(\.name) }

    package var vendors: Set<HostCPUVendor> { Set(hosts.map(\.cpuVendor)) }
}
