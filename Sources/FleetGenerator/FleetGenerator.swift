import Foundation
import LayoutSolver

/// Writes realistic fleets of host profiles to a folder, for benchmarks and scale tests.
///
/// Each host is one of the platform kinds in `Profiles/` (the real profiles are the templates, so
/// files keep their real size and their long `source` and `note` texts), plus the variation real
/// fleets have: the firmware version decides one extra RMRR (Intel) or IVMD (AMD) of a few pages
/// below 4 GiB, mostly `direct-relaxable`, on a few versions `direct`; a few hosts carry an extra
/// reserved region above 4 GiB at one of a fixed set of places. Hosts of one kind and firmware
/// therefore share their holes, as they do in a data centre, and the number of distinct holes
/// stays small however many hosts there are. Generation is deterministic for a seed.
public struct FleetGenerator {
    /// The x86 platforms a q35 VM can run on, with how common each is in the generated fleets.
    /// `intel-client-39` is left out of the default mix: its 39-bit IOMMU caps a VM at 512 GiB,
    /// which a server fleet that runs 2 TiB VMs does not have.
    public static let serverMix: [(kind: String, weight: Int)] = [
        ("intel-xeon-vtd48", 35), ("intel-server-rmrr", 10), ("amd-epyc-7003", 30),
        ("amd-epyc-sme", 15), ("amd-epyc-ht-ignore", 10),
    ]

    /// Firmware versions in the fleet; each puts its extra region at its own address.
    public static let firmwareVersions = 36
    /// Firmware versions whose extra RMRR/IVMD is `direct` (a hard hole), not `direct-relaxable`.
    public static let strictFirmware: Set<Int> = [7, 23]
    /// Places an occasional reserved region above 4 GiB can be (a firmware-reserved window).
    public static let highWindowSlots = 24
    /// One host in this many has such a window.
    public static let highWindowOneIn = 30

    public struct Summary: Sendable {
        public var files: [String]
        public var hostsPerKind: [String: Int]
        public var bytes: Int
    }

    let templates: [String: JSONValue]
    let mix: [(kind: String, weight: Int)]
    var random: SplitMix64

    /// Loads the kinds of `mix` from `profilesFolder` (`<kind>.json`).
    public init(profilesFolder: String, mix: [(kind: String, weight: Int)] = FleetGenerator.serverMix, seed: UInt64 = 0x1a7_0e5f) throws {
        var templates: [String: JSONValue] = [:]
        for (kind, _) in mix {
            let path = (profilesFolder as NSString).appendingPathComponent("\(kind).json")
            guard let data = FileManager.default.contents(atPath: path) else {
                throw GeneratorError(message: "cannot read the template profile \(path)")
            }
            templates[kind] = try JSONParser.parse(Array(data)).value
        }
        self.templates = templates
        self.mix = mix
        self.random = SplitMix64(seed: seed)
    }

    /// Writes `hosts` profiles into `folder` (created if needed). Every host gets
    /// `extraHolesPerHost` reserved regions of its own above 4 GiB, spread over
    /// [4 GiB, `extraHolesBelow`): the many-distinct-holes worst case.
    public mutating func write(
        hosts: Int, to folder: String, extraHolesPerHost: Int = 0, extraHolesBelow: UInt64 = 16 << 40
    ) throws -> Summary {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let totalWeight = mix.reduce(0) { $0 + $1.weight }
        var summary = Summary(files: [], hostsPerKind: [:], bytes: 0)
        summary.files.reserveCapacity(hosts)
        for index in 0..<hosts {
            var pick = Int(random.next() % UInt64(totalWeight))
            var kind = mix[0].kind
            for entry in mix {
                if pick < entry.weight { kind = entry.kind; break }
                pick -= entry.weight
            }
            let name = "\(kind)-h\(String(format: "%05d", index))"
            let text = try profile(kind: kind, name: name, extraHoles: extraHolesPerHost, extraHolesBelow: extraHolesBelow).rendered()
            let path = (folder as NSString).appendingPathComponent("\(name).json")
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
                throw GeneratorError(message: "cannot write \(path)")
            }
            summary.files.append(path)
            summary.hostsPerKind[kind, default: 0] += 1
            summary.bytes += text.utf8.count
        }
        return summary
    }

    /// One host's profile: the kind's template with this host's name and firmware regions.
    mutating func profile(kind: String, name: String, extraHoles: Int, extraHolesBelow: UInt64) throws -> JSONOutput {
        guard let template = templates[kind], case .object(let members) = template else { throw GeneratorError(message: "no profile template \(kind) (an object) in the profiles folder") }
        let firmware = Int(random.next() % UInt64(Self.firmwareVersions))
        let intel = kind.hasPrefix("intel")
        var reserved: [JSONOutput] = []
        if case .array(let regions)? = members.first(where: { $0.key == "reserved" })?.value.value {
            reserved = regions.map { Self.output($0.value) }
        }
        // A few pages whose place depends on the firmware build, inside q35's default low RAM.
        let firmwareBase: UInt64 = 0x7a00_0000 + UInt64(firmware) * 0x4_0000
        let pages = UInt64(2 + firmware % 5)
        reserved.append(.object([
            ("start", .string(hex(firmwareBase))),
            ("end", .string(hex(firmwareBase + pages * 4096 - 1))),
            ("type", .string(Self.strictFirmware.contains(firmware) ? "direct" : "direct-relaxable")),
            ("note", .string(intel
                ? "RMRR of firmware build \(firmware) (BMC shared buffer); \(Self.strictFirmware.contains(firmware) ? "scope includes a non-USB device: direct" : "USB scope: relaxable")"
                : "IVMD unity range of firmware build \(firmware)")),
        ]))
        if random.next() % UInt64(Self.highWindowOneIn) == 0 {
            let slot = random.next() % UInt64(Self.highWindowSlots)
            // Half below the HyperTransport range, half above 1 TiB, never inside it.
            let base = (slot < 12 ? (8 << 30) + slot * (80 << 30) : (1100 << 30) + (slot - 12) * (80 << 30)) + (slot % 3) * (1 << 21)
            reserved.append(.object([
                ("start", .string(hex(base))),
                ("size", .string("\(16 << (slot % 3))M")),
                ("type", .string("reserved")),
                ("note", .string("firmware-reserved window \(slot) above 4 GiB")),
            ]))
        }
        for _ in 0..<extraHoles {
            let span = (extraHolesBelow - (4 << 30)) >> 12
            let base = (4 << 30) + (random.next() % span) << 12
            let size = UInt64(1 + random.next() % 64) << 20
            reserved.append(.object([
                ("start", .string(hex(base))), ("size", .string(hex(size))), ("type", .string("reserved")),
            ]))
        }
        var output: [(String, JSONOutput)] = []
        for (key, node) in members {
            switch key {
            case "name": output.append((key, .string(name)))
            case "reserved": output.append((key, .array(reserved)))
            default: output.append((key, Self.output(node.value)))
            }
        }
        if !members.contains(where: { $0.key == "reserved" }) { output.append(("reserved", .array(reserved))) }
        return .object(output)
    }

    func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    /// A parsed template value back as output; numbers stay as their literal text.
    static func output(_ value: JSONValue) -> JSONOutput {
        switch value {
        case .object(let members): return .object(members.map { ($0.key, output($0.value.value)) })
        case .array(let elements): return .array(elements.map { output($0.value) })
        case .string(let text): return .string(text)
        case .number(let literal): return Int(literal).map(JSONOutput.integer) ?? .string(literal)
        case .bool(let flag): return .bool(flag)
        case .null: return .null
        }
    }

    /// A VM spec document for benchmarks.
    public static func vmSpec(name: String, ram: String, maxmem: String? = nil, slots: Int? = nil, cpuVendor: String? = nil) -> String {
        var members: [(String, JSONOutput)] = [("schema", .string("layoutsolve/vm/v1")), ("name", .string(name)), ("machine", .string("q35")), ("ram", .string(ram))]
        if let maxmem { members.append(("maxmem", .string(maxmem))) }
        if let slots { members.append(("slots", .integer(slots))) }
        if let cpuVendor { members.append(("cpu_vendor", .string(cpuVendor))) }
        return JSONOutput.object(members).rendered()
    }

    /// One host profile with `count` reserved regions of 4 KiB, `stride` bytes apart from 4 GiB:
    /// the oversized-profile input (an inventory tool that dumped every page).
    public static func manyRegionsProfile(name: String, count: Int, stride: UInt64) -> [UInt8] {
        var text = """
            {"schema": "layoutsolve/host/v1", "name": "\(name)", "arch": "x86_64",
             "cpu": {"vendor": "intel", "phys_bits": 46}, "iommu": {"kind": "intel-vt-d", "address_bits": 48},
             "reserved": [
            """
        text.reserveCapacity(count * 64 + 256)
        for index in 0..<count {
            let start = (UInt64(4) << 30) + UInt64(index) * stride
            text += index == 0 ? "\n" : ",\n"
            text += "  {\"start\": \"0x\(String(start, radix: 16))\", \"size\": \"4K\", \"type\": \"reserved\"}"
        }
        text += "\n]}\n"
        return Array(text.utf8)
    }
}

public struct GeneratorError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A small, fast, seedable generator (Steele, Lea, Flood 2014), so a fleet is the same on every run.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
