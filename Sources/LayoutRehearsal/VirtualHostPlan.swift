// How one host profile becomes a virtual host: the IOMMU the outer QEMU emulates and the reserved
// regions its kernel then reports, chosen so that VFIO in the virtual host refuses exactly what it
// refuses on the real host (the profile's non-relaxable holes and its IOMMU width), and says where
// it cannot.
//
// - VT-d with no hard hole beyond the MSI window and a width of 39 or 48: QEMU's own intel-iommu
//   (`aw-bits`, hw/i386/intel_iommu.c accepts 39 and 48 in 7.2). The kernel's real VT-d driver
//   then enforces the width.
// - AMD-Vi with no hard hole beyond the MSI window and the HyperTransport hole: QEMU's amd-iommu;
//   Linux adds both holes itself (drivers/iommu/amd/iommu.c, amd_iommu_get_resv_regions). Its
//   width is not rehearsed: Linux's v1 page-table aperture there is not set from the profile.
// - Anything else on x86_64 (RMRR-like reserved ranges, `direct` RMRRs, iova_ranges, other
//   widths): virtio-iommu with a user reserved-regions list (the patched outer QEMU,
//   Patches/). A `direct` region becomes `reserved` (virtio-iommu has no direct type, and a
//   non-relaxable RMRR on the assigned device would make it unassignable on current kernels),
//   and a width below 64 bits becomes a reserved region from 2^bits to 2^64-1: VFIO type1 refuses
//   an IOVA there with -EINVAL exactly as past the aperture (vfio_iommu_type1.c builds one valid
//   IOVA list from the aperture minus the reserved regions).

import LayoutCore

/// A profile hole the virtual host reproduces, for naming the one a refused map hit.
public struct RehearsedHole: Sendable, Equatable {
    public var range: AddressRange
    /// `direct 0xbdf6e000-0xbdf84fff (HP RMRR)` or `the 39-bit IOMMU width`.
    public var label: String
}

/// How a host profile is rehearsed: the virtual host, what it reproduces and what it does not.
public struct VirtualHostPlan: Sendable, Equatable {
    /// nil when the profile cannot be rehearsed here (``notRehearsable`` says why).
    package var spec: VirtualHostSpec?
    /// One line: `intel-iommu aw-bits=39`, `virtio-iommu, 2 reserved regions`.
    public var virtualHost: String
    /// What is rehearsed differently from the profile (a `direct` region as `reserved`, a width
    /// as a reserved region, a width not rehearsed).
    public var notes: [String]
    public var notRehearsable: String?
    /// The profile's holes VFIO must refuse, including the width.
    public var holes: [RehearsedHole]

    /// The x86 interrupt window every x86 IOMMU driver reserves itself (IOAPIC_RANGE_START..END, MSI_RANGE_*).
    static let x86MSI = AddressRange(start: 0xfee0_0000, last: 0xfeef_ffff)
    /// amd_iommu_get_resv_regions: HT_RANGE_START..HT_RANGE_END.
    static let hyperTransport = AddressRange(start: 0xfd_0000_0000, last: 0xff_ffff_ffff)

    package static func plan(for profile: HostProfile, strictRelaxable: Bool = false) -> VirtualHostPlan {
        var holes = profile.reserved.filter { $0.type.blocksDMA(strictRelaxable: strictRelaxable) }
            .map { RehearsedHole(range: $0.range, label: "\($0.type.rawValue) \($0.range)") }
        let bits = profile.iommuAddressBits
        let widthHole: AddressRange? = bits < 64 ? AddressRange(start: UInt64(1) << UInt64(bits), last: .max) : nil
        if let widthHole { holes.append(RehearsedHole(range: widthHole, label: "the \(bits)-bit IOMMU width (nothing at or above \(Hex.format(widthHole.start)))")) }
        // iova_ranges: everything outside them is a hole too (VFIO's IOVA-range capability).
        var iovaHoles: [AddressRange] = []
        if let ranges = profile.iovaRanges?.sorted(by: { $0.start < $1.start }) {
            var next: UInt64? = 0
            for range in ranges {
                if let from = next, range.start > from, let gap = AddressRange(start: from, last: range.start - 1) { iovaHoles.append(gap) }
                next = range.last == .max ? nil : range.last + 1
            }
            if let from = next, let gap = AddressRange(start: from, last: widthHole.map { $0.start - 1 } ?? .max), gap.start <= gap.last { iovaHoles.append(gap) }
            holes += iovaHoles.map { RehearsedHole(range: $0, label: "outside iova_ranges \($0)") }
        }
        guard profile.arch == .x86_64 else {
            return VirtualHostPlan(spec: nil, virtualHost: "none", notes: [],
                                   notRehearsable: "only x86_64 hosts are rehearsed (an \(profile.arch.rawValue) virtual host is not implemented)", holes: holes)
        }
        var notes: [String] = []
        if !profile.programmable.isEmpty { notes.append("programmable windows are not rehearsed (x86 kernels have none)") }
        // Hard holes the emulated IOMMU's own driver does not add.
        let isAMD = profile.iommuKind == .amdVi
        let extra = profile.reserved.filter { region in
            guard region.type.blocksDMA(strictRelaxable: strictRelaxable) else { return false }
            if region.range == x86MSI { return false }
            if isAMD && region.range == hyperTransport && region.type == .reserved { return false }
            return true
        }
        if extra.isEmpty && iovaHoles.isEmpty {
            if profile.iommuKind == .intelVTd && (bits == 39 || bits == 48) {
                return VirtualHostPlan(spec: VirtualHostSpec(iommu: .intel(awBits: bits)), virtualHost: "intel-iommu aw-bits=\(bits)",
                                       notes: notes, notRehearsable: nil, holes: holes)
            }
            if isAMD && profile.reserved.contains(where: { $0.range == hyperTransport && $0.type == .reserved }) {
                if bits < 64 { notes.append("width not rehearsed: the virtual host's AMD-Vi aperture is not set from the profile's \(bits) bits") }
                return VirtualHostPlan(spec: VirtualHostSpec(iommu: .amd), virtualHost: "amd-iommu (Linux adds the HyperTransport hole)",
                                       notes: notes, notRehearsable: nil, holes: holes)
            }
        }
        // virtio-iommu with the profile's holes as its reserved-regions list.
        var regions: [VirtualHostSpec.Region] = []
        for region in extra {
            switch region.type {
            case .msi, .swMSI:
                regions.append(.init(start: region.range.start, end: region.range.last, kind: .msi))
            case .direct, .directRelaxable:
                regions.append(.init(start: region.range.start, end: region.range.last, kind: .reserved))
                notes.append("\(region.type.rawValue) \(region.range) rehearsed as reserved (a non-relaxable RMRR on the assigned device would make it unassignable)")
            case .reserved:
                regions.append(.init(start: region.range.start, end: region.range.last, kind: .reserved))
            }
        }
        for gap in iovaHoles { regions.append(.init(start: gap.start, end: gap.last, kind: .reserved)) }
        if let widthHole {
            regions.append(.init(start: widthHole.start, end: widthHole.last, kind: .reserved))
            notes.append("the \(bits)-bit width rehearsed as a reserved region \(widthHole) (virtio-iommu takes no width before QEMU 9.0)")
        }
        let flavour = profile.iommuKind == .intelVTd ? "VT-d" : profile.iommuKind == .amdVi ? "AMD-Vi" : profile.iommuKind.rawValue
        notes.append("\(flavour) rehearsed on virtio-iommu (QEMU's \(isAMD ? "amd-iommu" : "intel-iommu") takes no firmware holes)")
        return VirtualHostPlan(spec: VirtualHostSpec(iommu: .virtio(awBits: nil), reservedRegions: regions),
                               virtualHost: "virtio-iommu, \(regions.count) reserved region\(regions.count == 1 ? "" : "s")",
                               notes: notes, notRehearsable: nil, holes: holes)
    }

    /// The hole a refused map hit: the first of ``holes`` that overlaps `range`.
    package func hole(hitBy range: AddressRange) -> RehearsedHole? {
        holes.first { $0.range.overlaps(range) }
    }
}

/// Profiles whose virtual hosts are identical (the same IOMMU, holes and width) are rehearsed once.
public struct DistinctProfile: Sendable {
    /// The profiles' names, sorted.
    public var hosts: [String]
    public var plan: VirtualHostPlan

    package static func group(_ profiles: [HostProfile], strictRelaxable: Bool = false) -> [DistinctProfile] {
        var out: [DistinctProfile] = []
        for profile in profiles.sorted(by: { $0.name < $1.name }) {
            let plan = VirtualHostPlan.plan(for: profile, strictRelaxable: strictRelaxable)
            if plan.spec != nil, let index = out.firstIndex(where: { $0.plan.spec == plan.spec }) {
                out[index].hosts.append(profile.name)
                // Notes and hole labels may differ by wording only; the first profile's are kept.
            } else {
                out.append(DistinctProfile(hosts: [profile.name], plan: plan))
            }
        }
        return out
    }

    /// `a` or `a (+ b, c)`.
    public var name: String { hosts.count == 1 ? hosts[0] : "\(hosts[0]) (+ \(hosts.dropFirst().joined(separator: ", ")))" }
}
