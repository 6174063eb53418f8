import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// Checks one profile for things that parse but are probably wrong. Each finding says what to
/// look at and why it matters for the layout.
package enum FleetLint {
    package static func findings(for document: ProfileDocument) -> [LintFinding] {
        if let error = document.error {
            return [LintFinding(severity: .error, code: "schema", file: document.file, line: error.line, path: error.path, message: error.message)]
        }
        guard let profile = document.profile else { return [] }
        var found: [LintFinding] = []
        func warn(_ code: String, _ path: String, _ message: String) {
            found.append(LintFinding(severity: .warning, code: code, file: document.file, line: document.line(of: path), path: path, message: message))
        }
        overlaps(profile, warn: warn)
        pastWidths(profile, warn: warn)
        softwareMSIHeuristic(profile, warn: warn)
        return found
    }

    /// The kernel merges overlapping regions only when their types match
    /// (`iommu_insert_resv_region`), so a real sysfs listing never shows two overlapping
    /// regions of one type, and regions of different types rarely overlap; when they do here,
    /// a region was likely mistyped or copied from another host.
    package static func overlaps(_ profile: HostProfile, warn: (String, String, String) -> Void) {
        let regions = profile.reserved
        for later in regions.indices {
            for earlier in regions.indices where earlier < later {
                let a = regions[earlier], b = regions[later]
                guard a.type != b.type, a.range.overlaps(b.range) else { continue }
                // The same RMRR listed for two groups, direct for one device and relaxable for
                // another (a USB controller's), is what the kernel reports, not a mistake.
                if a.range == b.range, Set([a.type, b.type]) == [.direct, .directRelaxable] { continue }
                warn("overlap", b.path, "\(b.type.rawValue) \(b.range) overlaps \(a.type.rawValue) \(a.range) at \(a.path), a region of another type; check whether one is mistyped or copied from another host (the blocking one wins for the layout)")
            }
        }
    }

    /// Nothing at or past 2^address_bits can be mapped anyway, and no guest address reaches past
    /// the CPU's width: a region out there constrains nothing, so the width or the region is wrong.
    package static func pastWidths(_ profile: HostProfile, warn: (String, String, String) -> Void) {
        let iommuLimit = Sizes.limit(bits: profile.iommuAddressBits)
        let cpuLimit = Sizes.limit(bits: profile.cpuPhysBits)
        for region in profile.reserved {
            if let limit = iommuLimit, region.range.last >= limit {
                let how = region.range.start >= limit ? "lies entirely at or past" : "runs past"
                warn("past-width", region.path, "\(region.type.rawValue) \(region.range) \(how) 2^\(profile.iommuAddressBits) = \(Hex.format(limit)) (iommu.address_bits \(profile.iommuAddressBits)), where nothing can be DMA-mapped anyway; check address_bits or the region")
            } else if let limit = cpuLimit, region.range.start >= limit {
                warn("past-width", region.path, "\(region.type.rawValue) \(region.range) lies past 2^\(profile.cpuPhysBits) = \(Hex.format(limit)) (cpu.phys_bits \(profile.cpuPhysBits)), where no guest address can reach; check phys_bits or the region")
            }
        }
        if let limit = iommuLimit, let ranges = profile.iovaRanges {
            for (index, range) in ranges.enumerated() where range.last >= limit {
                warn("past-width", "$.iova_ranges[\(index)]", "usable range \(range) reaches past 2^\(profile.iommuAddressBits) = \(Hex.format(limit)) (iommu.address_bits \(profile.iommuAddressBits)); VFIO never reports usable IOVAs past the aperture, so one of the two is wrong")
            }
        }
        if let limit = iommuLimit {
            for window in profile.programmable where window.within.start >= limit {
                warn("past-width", window.path + ".within", "the \(window.type.rawValue) window's range \(window.within) lies past 2^\(profile.iommuAddressBits) (iommu.address_bits \(profile.iommuAddressBits))")
            }
        }
    }

    /// Sysfs prints hardware and software MSI regions alike as `msi`. On arm64 the SMMU drivers'
    /// software window is MSI_IOVA_BASE 0x8000000, MSI_IOVA_LENGTH 1 MiB, so a profile copied
    /// from sysfs shows exactly this; typed `msi` it is treated as a fixed doorbell.
    package static var armSoftwareMSI: AddressRange { HostMSIWindows.armSoftware }

    package static func softwareMSIHeuristic(_ profile: HostProfile, warn: (String, String, String) -> Void) {
        guard profile.arch == .aarch64 else { return }
        for region in profile.reserved where region.type == .msi && region.range == armSoftwareMSI {
            warn("msi-is-sw-msi", region.path + ".type", "a 1 MiB msi region at 0x8000000 on arm64 is almost certainly the SMMU driver's software MSI window (MSI_IOVA_BASE, IOMMU_RESV_SW_MSI), which sysfs also prints as msi: type it sw-msi, or describe it under programmable if the host can move it")
        }
    }
}
