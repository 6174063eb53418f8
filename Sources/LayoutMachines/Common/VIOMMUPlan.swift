import LayoutCore
/// What a virtio-iommu must tell the guest: with a virtual IOMMU the guest chooses the IOVAs the
/// host IOMMU maps, so it must avoid every host's holes itself (QEMU exposes them to the guest
/// through the PROBE request).
package struct VIOMMUPlan: Equatable, Sendable {
    /// VIRTIO_IOMMU_RESV_MEM_T_RESERVED = 0, VIRTIO_IOMMU_RESV_MEM_T_MSI = 1.
    package enum RegionType: Int, Sendable {
        case reserved = 0
        case msi = 1
    }

    package var regions: [(range: AddressRange, type: RegionType)]
    /// `aw-bits` (QEMU 9.0+): the narrowest IOMMU width of the set; nil on older QEMU, which then
    /// gets the range past that width as a reserved region instead.
    package var addressBits: Int?

    package static func == (lhs: VIOMMUPlan, rhs: VIOMMUPlan) -> Bool {
        lhs.addressBits == rhs.addressBits && lhs.regions.map(\.range) == rhs.regions.map(\.range) && lhs.regions.map(\.type) == rhs.regions.map(\.type)
    }

    /// The union over the whole set: MSI windows (hardware doorbells, software windows, and where
    /// programmable windows were placed) typed MSI, every other hole typed reserved, each merged and sorted.
    package static func make(fleet: Fleet, programmable: [ProgrammablePlacement], qemu: QEMUVersion) -> VIOMMUPlan {
        let hasAddressBits = qemu >= QEMUVersion(major: 9, minor: 0)
        var msi: [AddressRange] = programmable.map(\.range)
        var reserved: [AddressRange] = []
        for hole in fleet.holes {
            switch hole.reason {
            case .reserved(.msi), .reserved(.swMSI), .programmableWindow: msi.append(hole.range)
            case .beyondIOMMUWidth: if !hasAddressBits { reserved.append(hole.range) }
            case .reserved, .outsideIOVARanges: reserved.append(hole.range)
            }
        }
        let msiSet = AddressSet(msi)
        var regions: [(range: AddressRange, type: RegionType)] = msiSet.ranges.map { ($0, .msi) }
        for range in AddressSet(reserved).ranges {
            // Where a reserved range covers an MSI window, the MSI type wins for that part.
            regions += msiSet.gaps(within: range).map { ($0, .reserved) }
        }
        regions.sort { $0.range < $1.range }
        return VIOMMUPlan(regions: regions, addressBits: hasAddressBits ? fleet.minIOMMUBits : nil)
    }

    /// QEMU's `low:high:type` with an inclusive high, as `reserved-regions` elements take them.
    package var propertyValues: [String] {
        regions.map { "\(Hex.format($0.range.start)):\(Hex.format($0.range.last)):\($0.type.rawValue)" }
    }

    /// `-device` in QEMU's JSON form, the only form that takes a list property (QEMU 8.2+).
    package var deviceJSON: String {
        var text = "{\"driver\":\"virtio-iommu-pci\",\"reserved-regions\":[" + propertyValues.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        if let addressBits { text += ",\"aw-bits\":\(addressBits)" }
        return text + "}"
    }
}
