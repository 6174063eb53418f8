import LayoutCore
/// The IOMMU groups of a host and the devices that belong to them.
package enum IOMMUGroups {
    package static let folder = ProbeFiles.iommuGroups

    package static func regionsFile(_ group: Int) -> String { "\(folder)/\(group)/\(ProbeFiles.reservedRegions)" }
    package static func deviceLink(_ device: PCIAddress) -> String { "\(ProbeFiles.pciDevices)/\(device)/\(ProbeFiles.groupLink)" }

    /// Every group, in numeric order. The folder exists whenever the IOMMU core is built in,
    /// so an empty folder means the IOMMU is off or absent, not that the kernel is old.
    package static func all(_ root: ProbeRoot) throws -> [Int] {
        var groups: [Int] = []
        for name in try root.list(folder) where !name.hasPrefix(".") {
            guard let group = Int(name), group >= 0, String(group) == name else {
                throw InputError(source: root.location("\(folder)/\(name)"), message: "not an IOMMU group: group folders are named by their number")
            }
            groups.append(group)
        }
        return groups.sorted()
    }

    /// The group of a PCI device, from its `iommu_group` symlink (`../../../kernel/iommu_groups/N`).
    package static func group(of device: PCIAddress, root: ProbeRoot) throws -> Int {
        let deviceFolder = "\(ProbeFiles.pciDevices)/\(device)"
        guard root.exists(deviceFolder) else {
            throw InputError(source: root.location(deviceFolder), message: "no such PCI device on this host")
        }
        let link = deviceLink(device)
        guard root.entryKind(link) != .missing else {
            throw InputError(source: root.location(link), message: "the device has no IOMMU group: the IOMMU is off or does not translate for it, so VFIO cannot assign it")
        }
        let target = try root.linkTarget(link)
        let name = target.split(separator: "/").last.map(String.init) ?? ""
        guard let group = Int(name), group >= 0, String(group) == name else {
            throw InputError(source: root.location(link), message: "expected a link to .../kernel/iommu_groups/N, found \"\(target.prefix(120))\"")
        }
        return group
    }

    /// `0-3, 7, 9-10`: a list of numbers as short ranges, for notes and the source line.
    package static func compact(_ numbers: [Int]) -> String {
        let sorted = Array(Set(numbers)).sorted()
        var parts: [String] = []
        var index = 0
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end == index ? "\(sorted[index])" : end == index + 1 ? "\(sorted[index]), \(sorted[end])" : "\(sorted[index])-\(sorted[end])")
            index = end + 1
        }
        return parts.joined(separator: ", ")
    }
}
