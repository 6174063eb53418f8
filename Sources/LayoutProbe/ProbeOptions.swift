import LayoutCore
/// What to probe and how: which tree, which groups, and what the files cannot say.
public struct ProbeOptions: Sendable {
    /// `/`, or a copy of a host's `sys/`, `proc/` and `etc/` files.
    public var root: String
    /// Only these IOMMU groups (those of the devices that will be assigned); nil for all.
    package var groups: [Int]?
    /// Only the groups of these devices; nil for all.
    package var devices: [PCIAddress]?
    /// The profile's name; nil takes the host name from `/etc/hostname`.
    public var name: String?
    /// The KVM IPA limit of an arm64 host, which no file exposes.
    public var ipaBits: Int?
    /// Print what could be read when files are missing or malformed, with stand-in values.
    public var partial: Bool

    /// Options for a whole-host probe; `root` reads a copy of a host's files instead of `/`.
    public init(root: String = "/", name: String? = nil, ipaBits: Int? = nil, partial: Bool = false) {
        self.init(root: root, groups: nil, devices: nil, name: name, ipaBits: ipaBits, partial: partial)
    }

    package init(root: String = "/", groups: [Int]?, devices: [PCIAddress]?, name: String? = nil, ipaBits: Int? = nil, partial: Bool = false) {
        self.root = root
        self.groups = groups
        self.devices = devices
        self.name = name
        self.ipaBits = ipaBits
        self.partial = partial
    }

    /// The name a profile may carry: what `Schemas/host-v1.schema.json` accepts.
    package static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 100 else { return false }
        func allowed(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) }
        return allowed(first) && name.unicodeScalars.allSatisfy { allowed($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }

    /// A host name made into a profile name: lowercase, other characters as `-`.
    package static func profileName(fromHostname hostname: String) -> String? {
        var name = String(String.UnicodeScalarView(hostname.lowercased().unicodeScalars.map { scalar -> Unicode.Scalar in
            let keep = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_" || scalar == "-"
            return keep ? scalar : "-"
        }))
        while let first = name.unicodeScalars.first, !(("a"..."z").contains(first) || ("0"..."9").contains(first)) { name.removeFirst() }
        if name.unicodeScalars.count > 100 { name = String(String.UnicodeScalarView(name.unicodeScalars.prefix(100))) }
        return isValidName(name) ? name : nil
    }
}
