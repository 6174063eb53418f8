import LayoutCore

/// What a virtio-iommu would have to tell the guest, and the part of it QEMU can actually carry.
///
/// With a virtual IOMMU the guest chooses the IOVAs the host IOMMU maps, so it must avoid every
/// host's holes itself. QEMU tells the guest reserved regions through the PROBE request, but the
/// user cannot add any (VirtioIOMMU.md in LayoutSolver.docc has the measurements and QEMU sources):
/// - pc, q35 and virt set virtio-iommu-pci's `reserved-regions` themselves in their pre-plug hook
///   (hw/i386/pc.c `pc_machine_device_pre_plug_cb`: the x86 MSI window; hw/arm/virt.c
///   `virt_machine_device_pre_plug_cb`: the ITS or GICv2m doorbell). A user list makes 7.2 exit
///   ("array size property len-reserved-regions may not be set more than once") and 8.2+ abort
///   (`qdev_prop_set_array` uses &error_abort; exit 134, measured on 10.0.2 for every target).
/// - `aw-bits` exists from QEMU 9.0 (hw/virtio/virtio-iommu.c); 7.2 refuses it ("Property
///   'virtio-iommu-pci.aw-bits' not found"), and a 8.x binary is what a 8.x target may run on.
/// So the device gets `aw-bits` on 9.0+ targets and nothing else; ``limitations`` says what is lost.
package struct VIOMMUPlan: Equatable, Sendable {
    /// VIRTIO_IOMMU_RESV_MEM_T_RESERVED = 0, VIRTIO_IOMMU_RESV_MEM_T_MSI = 1.
    package enum RegionType: Int, Sendable {
        case reserved = 0
        case msi = 1
    }

    /// Every range the guest must not use as IOVA on some host of the set. QEMU cannot be given
    /// these; they are reported so that a user can compare them with what the guest sees.
    package var regions: [(range: AddressRange, type: RegionType)]
    /// `aw-bits` (QEMU 9.0+): the narrowest IOMMU width of the set; nil on older QEMU, where the
    /// range past that width is one of ``regions`` instead.
    package var addressBits: Int?
    /// The narrowest IOMMU input width of the set (what `aw-bits` would be).
    package var narrowestIOMMUBits: Int
    /// The one region the machine itself tells the guest (its MSI doorbell), if known.
    package var machineWindow: AddressRange?

    /// The MSI doorbell the machine's pre-plug hook puts in `reserved-regions`: hw/i386/pc.c
    /// `pc_machine_device_pre_plug_cb` (0xfee00000-0xfeefffff); hw/arm/virt.c
    /// `virt_machine_device_pre_plug_cb` (the ITS GITS_TRANSLATER page with GICv3, the GICv2m page with GICv2).
    package static func machineWindow(of knobs: MachineKnobs) -> AddressRange? {
        knobs.model.virtioIOMMUWindow(knobs)
    }

    /// The regions the guest is not told: all but the machine's own window.
    package var unconveyed: [(range: AddressRange, type: RegionType)] {
        regions.filter { region in !(region.type == .msi && machineWindow.map { $0.contains(region.range) } == true) }
    }

    package static func == (lhs: VIOMMUPlan, rhs: VIOMMUPlan) -> Bool {
        lhs.addressBits == rhs.addressBits && lhs.narrowestIOMMUBits == rhs.narrowestIOMMUBits
            && lhs.machineWindow == rhs.machineWindow && lhs.regions.map(\.range) == rhs.regions.map(\.range) && lhs.regions.map(\.type) == rhs.regions.map(\.type)
    }

    /// The union over the whole set: MSI windows (hardware doorbells, software windows, and where
    /// programmable windows were placed) typed MSI, every other hole typed reserved, each merged and sorted.
    package static func make(fleet: Fleet, programmable: [ProgrammablePlacement], qemu: QEMUVersion, machineWindow: AddressRange? = nil) -> VIOMMUPlan {
        // virtio-iommu's aw-bits property: QEMU 9.0, valid 32...64 ("aw-bits must be within [32,64]").
        let hasAddressBits = VirtioIOMMUCompatibility.hasAddressBits(qemu: qemu) && (32...64).contains(fleet.minIOMMUBits)
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
        return VIOMMUPlan(regions: regions, addressBits: hasAddressBits ? fleet.minIOMMUBits : nil,
                          narrowestIOMMUBits: fleet.minIOMMUBits, machineWindow: machineWindow)
    }

    /// QEMU's `low:high:type` with an inclusive high, the form of a `reserved-regions` element.
    package var propertyValues: [String] {
        regions.map { "\(Hex.format($0.range.start)):\(Hex.format($0.range.last)):\($0.type.rawValue)" }
    }

    /// `-device` in QEMU's JSON form: only properties the target QEMU accepts (no reserved-regions).
    package var deviceJSON: String {
        var text = "{\"driver\":\"virtio-iommu-pci\""
        if let addressBits { text += ",\"aw-bits\":\(addressBits)" }
        return text + "}"
    }

    /// What the guest is not told, and what that means for migration, in plain words.
    package var limitations: [String] {
        var lines: [String] = []
        let missing = unconveyed
        let shown = missing.prefix(8).map { "\(Hex.format($0.range.start)):\(Hex.format($0.range.last)):\($0.type.rawValue)" }.joined(separator: ", ")
        let more = missing.count > 8 ? " and \(missing.count - 8) more" : ""
        if !missing.isEmpty {
            lines.append("virtio-iommu: QEMU cannot be told the hosts' reserved regions (pc, q35 and virt set the device's reserved-regions to their own MSI window, and QEMU refuses or aborts on a user list), so the guest is NOT told these \(missing.count) range(s) it must not use as IOVA: \(shown)\(more). With an assigned (VFIO) device, QEMU 8.2+ adds the usable-IOVA holes of the host it runs on; the guest reads them once, at probe, and they are not migrated: after migration to a host with other holes a guest IOVA in the new host's holes fails VFIO_IOMMU_MAP_DMA there and that device's DMA breaks. Live-migrate such a VM only between hosts whose reserved regions are the same, or restart it after moving (VirtioIOMMU.md in LayoutSolver.docc).")
        }
        if addressBits == nil {
            lines.append("virtio-iommu: this QEMU has no aw-bits (new in 9.0), so the guest may use IOVAs up to 2^64 although the narrowest host IOMMU of the set maps only \(narrowestIOMMUBits) bits.")
        }
        return lines
    }
}
