/// Every file and folder `layoutsolve probe` reads, in ONE list: the prober's readers take their
/// paths from here, and `probe --collector` writes its shell script from here, so the script
/// cannot collect less (or more) than the probe reads. A `*` stands for one path component.
package enum ProbeFiles {
    /// How an entry is read, and so how the collector copies it.
    package enum Kind: String, Sendable {
        /// Read for its contents (copied with `cat`: sysfs reports 4096 bytes for every
        /// attribute, so archiving the file itself would pad it with zeros).
        case file
        /// Listed, or tested for existence (copied as an empty folder).
        case folder
        /// A sysfs symlink whose text the probe reads (copied as a symlink; a plain file holding
        /// the link text is accepted too, see ``ProbeRoot/linkTarget(_:)``).
        case link
    }

    package struct Entry: Sendable {
        package let pattern: String
        package let kind: Kind
        /// What the probe takes from it, for the collector script's comments and the docs.
        package let why: String
    }

    package static let cpuinfo = "/proc/cpuinfo"
    package static let osrelease = "/proc/sys/kernel/osrelease"
    package static let archFile = "/proc/sys/kernel/arch"
    package static let hostnameFiles = ["/etc/hostname", "/proc/sys/kernel/hostname"]
    package static let iommuGroups = "/sys/kernel/iommu_groups"
    package static let iommuUnits = "/sys/class/iommu"
    package static let pciDevices = "/sys/bus/pci/devices"
    package static let reservedRegions = "reserved_regions"
    package static let intelCapability = "intel-iommu/cap"
    package static let amdFeatures = "amd-iommu/features"
    package static let groupLink = "iommu_group"

    package static let all: [Entry] = [
        Entry(pattern: cpuinfo, kind: .file, why: "CPU vendor and physical address bits"),
        Entry(pattern: osrelease, kind: .file, why: "kernel release, for the source line"),
        Entry(pattern: archFile, kind: .file, why: "architecture"),
        Entry(pattern: hostnameFiles[0], kind: .file, why: "the profile's default name"),
        Entry(pattern: hostnameFiles[1], kind: .file, why: "the profile's default name"),
        Entry(pattern: iommuGroups, kind: .folder, why: "IOMMU groups (an empty folder: IOMMU off)"),
        Entry(pattern: "\(iommuGroups)/*", kind: .folder, why: "IOMMU groups, each a folder (one without reserved_regions is an error)"),
        Entry(pattern: "\(iommuGroups)/*/\(reservedRegions)", kind: .file, why: "reserved regions"),
        Entry(pattern: iommuUnits, kind: .folder, why: "IOMMU units"),
        Entry(pattern: "\(iommuUnits)/*", kind: .folder, why: "IOMMU units, named by kind"),
        Entry(pattern: "\(iommuUnits)/*/\(intelCapability)", kind: .file, why: "Intel VT-d MGAW"),
        Entry(pattern: "\(iommuUnits)/*/\(amdFeatures)", kind: .file, why: "AMD-Vi HATS"),
        Entry(pattern: "\(pciDevices)/*", kind: .folder, why: "PCI devices (--devices)"),
        Entry(pattern: "\(pciDevices)/*/\(groupLink)", kind: .link, why: "a device's IOMMU group (--devices)"),
    ]

    /// True when `hostPath` (such as `/sys/kernel/iommu_groups/7/reserved_regions`) is one of
    /// the entries, or a folder above one (which the collector creates to hold it).
    package static func isCollected(_ hostPath: String) -> Bool {
        let components = hostPath.split(separator: "/")
        return all.contains { entry in
            let pattern = entry.pattern.split(separator: "/")
            guard components.count <= pattern.count else { return false }
            return zip(components, pattern).allSatisfy { $1 == "*" || $0 == $1 }
        }
    }
}
