import LayoutCore

/// Where OVMF puts its 64-bit PCI MMIO aperture on pc/q35, and the fw_cfg size that steers it into
/// the layout's pci-hole64.
///
/// Modelled on Debian bookworm's `ovmf` (edk2 2022.11, 2022.11-6+deb12u2; none of Debian's patches
/// touch this code): OvmfPkg/Library/PlatformInitLib/MemDetect.c, PlatformGetFirstNonAddress,
/// PlatformAddressWidthFromCpuid, PlatformDynamicMmioWindow and PlatformAddressWidthInitialization.
/// OVMF does not read QEMU's pci-hole64 at all:
/// 1. classic window: size S = fw_cfg `opt/ovmf/X-PciMmio64Mb` MiB (≤ 16 TiB) or PcdPciMmio64Size
///    (32 GiB, OvmfPkgX64.dsc); base = ALIGN(ALIGN(E, 1 GiB), pow2floor(ALIGN(S, 1 GiB))) where E is
///    QEMU's `etc/reserved-memory-end` (device-memory end rounded up to 1 GiB, hw/i386/pc.c) or the
///    end of RAM above 4 GiB (at least 4 GiB): the same address as QEMU's pci-hole64 start
///    (pc_pci_hole64_start, also rounded to 1 GiB);
/// 2. OVMF then trusts CPUID's phys-bits P only when P ≥ 41, or P is 36/39 on Intel, 40 on AMD
///    (its "QemuQuirk"); it caps P at 47 (no 5-level paging), and at 40 without 1 GiB pages;
/// 3. with a trusted P, when S < 2^(P-3) and base + 2^(P-3) < 2^P, the "dynamic MMIO window"
///    replaces the classic one: [2^P - 2^(P-3), 2^P), the top eighth of the address space.
/// Measured with the guest-boot tests (GuestBoot.md): phys-bits 36 and 35 → [32G, 64G) for a hole
/// at 22G; phys-bits 39 (Intel) → 0x7000000000; 40 on AMD → 0xe000000000; X-PciMmio64Mb=8192
/// under 35 → [24G, 32G); X-PciMmio64Mb=74752 under 39 with the hole at 9G → 64G.
package enum OVMFAperture {
    /// The fw_cfg file OVMF reads the aperture size from, in MiB (decimal text).
    package static let fwCfgName = "opt/ovmf/X-PciMmio64Mb"
    /// PcdPciMmio64Size of OvmfPkgX64.dsc (built without CSM, as Debian does).
    package static let defaultSize: UInt64 = 32 << 30
    /// QemuFwCfgParseUint32 accepts at most 0x1000000 MiB (16 TiB); a larger value is ignored.
    package static let maximumSizeMiB: UInt64 = 0x100_0000
    static let gib: UInt64 = 1 << 30

    /// PlatformAddressWidthFromCpuid with QemuQuirk on.
    package static func trustsPhysBits(_ physBits: Int, vendor: CPUVendor) -> Bool {
        physBits >= 41 || (vendor == .intel && (physBits == 36 || physBits == 39)) || (vendor == .amd && physBits == 40)
    }

    /// The width OVMF works with once it trusts CPUID.
    package static func usedPhysBits(_ physBits: Int, gigabytePages: Bool) -> Int {
        let capped = min(physBits, 47)
        return !gigabytePages && capped > 40 ? 40 : capped
    }

    /// OVMF's aperture, or nil when OVMF has none (size 0 and phys-bits not trusted).
    /// - Parameters:
    ///   - hole64Start: QEMU's pci-hole64 start (1 GiB aligned), i.e. OVMF's first non-RAM address.
    ///   - sizeMiB: the fw_cfg value, nil when the layout gives none.
    package static func aperture(hole64Start: UInt64, sizeMiB: UInt64?, physBits: Int, vendor: CPUVendor, gigabytePages: Bool = true) -> AddressRange? {
        var size = defaultSize
        if let sizeMiB, sizeMiB <= maximumSizeMiB { size = sizeMiB << 20 }
        var base: UInt64 = 0
        if size > 0 {
            guard let sized = alignUp(size, gib), let first = alignUp(hole64Start, gib), let placed = alignUp(first, powerOfTwoFloor(sized)) else { return nil }
            size = sized
            base = placed
        }
        if trustsPhysBits(physBits, vendor: vendor) {
            let bits = usedPhysBits(physBits, gigabytePages: gigabytePages)
            guard bits >= 3, bits < 64 else { return nil }
            let space = UInt64(1) << UInt64(bits), mmio = UInt64(1) << UInt64(bits - 3)
            let (reach, overflow) = base.addingReportingOverflow(mmio)
            if size < mmio && !overflow && reach < space {
                return AddressRange(start: space - mmio, size: mmio)
            }
        }
        return size == 0 ? nil : AddressRange(start: base, size: size)
    }

    /// The largest `opt/ovmf/X-PciMmio64Mb` (a whole number of GiB, in MiB) that makes OVMF's
    /// aperture lie inside `hole` and below 2^physBits for every vendor given and with or without
    /// 1 GiB pages; nil when no size does (then a trusted phys-bits needs a hole of at least
    /// ``minimumHoleSize(hole64Start:physBits:vendors:)``).
    package static func steeringSizeMiB(hole: AddressRange, physBits: Int, vendors: [CPUVendor]) -> UInt64? {
        guard physBits > 30, physBits < 64 else { return nil }
        let limit = min(hole.end ?? .max, UInt64(1) << UInt64(physBits))
        var best: UInt64?
        for shift in 30..<63 {
            let alignment = UInt64(1) << UInt64(shift)
            guard let first = alignUp(hole.start, gib), let base = alignUp(first, alignment), base < limit else { break }
            // Sizes with this alignment are [alignment, 2 × alignment), in whole GiB.
            let size = min(limit - base, 2 * alignment - gib, maximumSizeMiB << 20) / gib * gib
            guard size >= alignment, size > (best ?? 0) else { continue }
            let fits = vendors.allSatisfy { vendor in
                [true, false].allSatisfy { pages in
                    guard let window = aperture(hole64Start: hole.start, sizeMiB: size >> 20, physBits: physBits, vendor: vendor, gigabytePages: pages)
                    else { return false }
                    return hole.contains(window) && window.last < limit
                }
            }
            if fits { best = size }
        }
        return best.map { $0 >> 20 }
    }

    /// The smallest pci-hole64 (from `hole64Start`) that a steering size exists for: with a
    /// trusted phys-bits the aperture must be at least 2^(P-3), aligned to that.
    package static func minimumHoleSize(hole64Start: UInt64, physBits: Int, vendors: [CPUVendor]) -> UInt64? {
        var needed = gib
        for vendor in vendors where trustsPhysBits(physBits, vendor: vendor) {
            let bits = usedPhysBits(physBits, gigabytePages: true)
            guard bits >= 33, bits < 64 else { return nil }
            let mmio = UInt64(1) << UInt64(bits - 3)
            guard let base = alignUp(hole64Start, mmio) else { return nil }
            needed = max(needed, base - hole64Start + mmio)
        }
        return needed
    }

    /// The vendors a layout's vCPU can have: the pinned one, or either.
    package static func vendors(of layout: GuestLayout) -> [CPUVendor] {
        layout.cpuVendor.map { [$0] } ?? CPUVendor.allCases
    }

    /// The layout's pci-hole64 (pc/q35 only).
    package static func hole64(of layout: GuestLayout) -> AddressRange? {
        guard layout.knobs.pc != nil else { return nil }
        return layout.regions.first { $0.kind == .pciHole64 }?.range
    }

    /// The size to emit for a pc/q35 layout, nil when none keeps OVMF inside the hole.
    package static func steeringSizeMiB(for layout: GuestLayout) -> UInt64? {
        guard let hole = hole64(of: layout) else { return nil }
        return steeringSizeMiB(hole: hole, physBits: layout.physBits, vendors: vendors(of: layout))
    }

    /// What a user booting the layout with OVMF must know when no size steers it; `forbidden`: the
    /// fleet's host ranges, named when OVMF's window overlaps them.
    package static func notes(for layout: GuestLayout, forbidden: AddressSet? = nil) -> [String] {
        guard let hole = hole64(of: layout), steeringSizeMiB(for: layout) == nil else { return [] }
        let vendors = vendors(of: layout)
        let windows = Set(vendors.compactMap { aperture(hole64Start: hole.start, sizeMiB: nil, physBits: layout.physBits, vendor: $0) }).sorted(by: <)
        let place = windows.isEmpty ? "no 64-bit aperture" : windows.map(\.description).joined(separator: " or ")
        var note = "OVMF (edk2 2022.11) would put its 64-bit PCI aperture at \(place), not inside pci-hole64 \(hole), and no opt/ovmf/X-PciMmio64Mb keeps it there"
        let clashes = windows.flatMap { forbidden?.overlapping($0) ?? [] }
        if !clashes.isEmpty {
            note += "; that window overlaps host ranges the layout keeps clear (\(clashes.prefix(4).map(\.description).joined(separator: ", ")))"
        }
        if let size = minimumHoleSize(hole64Start: hole.start, physBits: layout.physBits, vendors: vendors), let needed = AddressRange(start: hole.start, size: size),
           needed.end.map({ $0 <= UInt64(1) << UInt64(layout.physBits) }) == true {
            note += "; with UEFI firmware ask for pci_hole64 of at least \(ByteCount.format(size))"
        }
        return [note + "."]
    }

    static func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64? {
        let (sum, overflow) = value.addingReportingOverflow(alignment - 1)
        return overflow ? nil : sum / alignment * alignment
    }

    static func powerOfTwoFloor(_ value: UInt64) -> UInt64 {
        value == 0 ? 0 : UInt64(1) << UInt64(63 - value.leadingZeroBitCount)
    }
}
