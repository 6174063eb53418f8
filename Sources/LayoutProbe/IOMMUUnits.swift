import LayoutCore
extension IOMMUKind {
    package var displayName: String {
        switch self {
        case .intelVTd: return "Intel VT-d"
        case .amdVi: return "AMD-Vi"
        case .armSMMUv3: return "Arm SMMUv3"
        case .armSMMU: return "Arm SMMU (v1/v2)"
        case .s390: return "s390 zPCI"
        case .other: return "kind unknown (other)"
        }
    }
}

/// One entry of `/sys/class/iommu`, named by the driver's `iommu_device_sysfs_add()` call.
package struct IOMMUUnit: Equatable, Sendable {
    package var name: String
    package var kind: IOMMUKind

    package init(name: String) {
        self.name = name
        self.kind = Self.kind(ofUnitNamed: name)
    }

    /// `dmar%d` (Intel), `ivhd%d` (AMD), `smmu3.%pa` (SMMUv3), `smmu.%pa` (SMMU v1/v2),
    /// `s390-iommu.%08x` (zPCI); anything else (virtio-iommu, Apple DART, ...) is `other`.
    package static func kind(ofUnitNamed name: String) -> IOMMUKind {
        if name.hasPrefix("dmar") && name.dropFirst(4).allSatisfy(\.isNumber) && name.count > 4 { return .intelVTd }
        if name.hasPrefix("ivhd") && name.dropFirst(4).allSatisfy(\.isNumber) && name.count > 4 { return .amdVi }
        if name.hasPrefix("smmu3.") { return .armSMMUv3 }
        if name.hasPrefix("smmu.") { return .armSMMU }
        if name.hasPrefix("s390-iommu.") { return .s390 }
        return .other
    }
}

package enum IOMMUUnits {
    package static let folder = ProbeFiles.iommuUnits

    /// The units in natural order (`dmar2` before `dmar10`); an absent folder means none.
    package static func list(_ root: ProbeRoot) throws -> [IOMMUUnit] {
        guard root.exists(folder) else { return [] }
        return try root.list(folder).filter { !$0.hasPrefix(".") }.sorted(by: naturalOrder).map(IOMMUUnit.init(name:))
    }

    /// The kind a profile records: the units' kind, by the architecture when no unit says.
    /// A host with units of several kinds gets the first in `IOMMUKind` order, and a warning.
    package static func kind(of units: [IOMMUUnit], arch: HostProfile.Architecture) -> (kind: IOMMUKind, warning: String?) {
        let kinds = Set(units.map(\.kind))
        guard !kinds.isEmpty else { return (arch == .s390x ? .s390 : .other, nil) }
        let chosen = IOMMUKind.allCases.first { kinds.contains($0) } ?? .other
        guard kinds.count > 1 else { return (chosen, nil) }
        let listing = IOMMUKind.allCases.filter(kinds.contains).map { kind in
            "\(kind.rawValue) (\(units.filter { $0.kind == kind }.map(\.name).joined(separator: ", ")))"
        }
        return (chosen, "/sys/class/iommu holds units of several kinds: \(listing.joined(separator: "; ")); the profile records \(chosen.rawValue), and only its units' widths were read")
    }

    /// Names compared as a prefix and a trailing number, so `dmar10` follows `dmar9`.
    package static func naturalOrder(_ lhs: String, _ rhs: String) -> Bool {
        let (lhsPrefix, lhsNumber) = split(lhs), (rhsPrefix, rhsNumber) = split(rhs)
        if lhsPrefix != rhsPrefix { return lhsPrefix < rhsPrefix }
        if lhsNumber != rhsNumber { return (lhsNumber ?? -1) < (rhsNumber ?? -1) }
        return lhs < rhs
    }

    package static func split(_ name: String) -> (String, Int?) {
        let digits = name.reversed().prefix(while: \.isNumber)
        guard !digits.isEmpty, digits.count <= 9 else { return (name, nil) }
        return (String(name.dropLast(digits.count)), Int(String(digits.reversed())))
    }
}
