import LayoutCore
extension PCMachineModel {
    /// The guest map as a list of named regions, in address order; RAM and DIMMs are DMA targets,
    /// and so are the PCI holes when peer-to-peer DMA between assigned devices is wanted.
    package static func regions(of derivation: PCDerivation, chipset: PCChipset, p2p: Bool) -> [GuestRegion] {
        typealias C = PCConstants
        var regions: [GuestRegion] = []
        if let low = derivation.below4G {
            regions.append(GuestRegion(name: "ram-below-4g", kind: .ram, range: low, isDMATarget: true))
        }
        regions.append(GuestRegion(name: "pci-hole32", kind: .pciHole32, range: derivation.pciHole32, isDMATarget: p2p))
        if chipset == .q35 && derivation.pciHole32.start <= C.MCH_HOST_BRIDGE_PCIEXBAR_DEFAULT {
            regions.append(GuestRegion(
                name: "pcie-mmconfig", kind: .reserved,
                range: AddressRange(constantStart: C.MCH_HOST_BRIDGE_PCIEXBAR_DEFAULT, size: C.MCH_HOST_BRIDGE_PCIEXBAR_MAX), isDMATarget: false))
        }
        regions.append(GuestRegion(
            name: "ioapic-hpet-platform", kind: .reserved,
            range: AddressRange(spanning: C.IO_APIC_DEFAULT_ADDRESS, C.APIC_DEFAULT_ADDRESS - 1), isDMATarget: false))
        regions.append(GuestRegion(
            name: "apic-msi", kind: .msi, range: AddressRange(constantStart: C.APIC_DEFAULT_ADDRESS, size: C.APIC_SPACE_SIZE), isDMATarget: false))
        regions.append(GuestRegion(
            name: "firmware", kind: .firmware, range: AddressRange(spanning: C.firmwareWindowStart, 4 * Sizes.gib - 1), isDMATarget: false))
        if let high = derivation.above4G {
            regions.append(GuestRegion(name: "ram-above-4g", kind: .ram, range: high, isDMATarget: true))
        }
        if let deviceMemory = derivation.deviceMemory {
            regions.append(GuestRegion(name: "device-memory", kind: .deviceMemory, range: deviceMemory, isDMATarget: false))
        }
        for dimm in derivation.dimms {
            regions.append(GuestRegion(name: dimm.id, kind: .dimm, range: dimm.range, isDMATarget: true))
        }
        for dimm in derivation.plannedDIMMs {
            regions.append(GuestRegion(name: dimm.id, kind: .hotplug, range: dimm.range, isDMATarget: true))
        }
        if derivation.reservesAMDHyperTransport {
            regions.append(GuestRegion(
                name: "amd-ht-reserved", kind: .reserved,
                range: AddressRange(spanning: C.AMD_HT_START, C.AMD_HT_END), isDMATarget: false))
        }
        regions.append(GuestRegion(name: "pci-hole64", kind: .pciHole64, range: derivation.pciHole64, isDMATarget: p2p))
        return regions.sorted { ($0.range.start, $1.range.last, $0.name) < ($1.range.start, $0.range.last, $1.name) }
    }
}
