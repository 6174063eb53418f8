import LayoutCore
import Foundation

/// Reads a host's profile from its `sys/` and `proc/` files: the reserved regions of its IOMMU
/// groups, the CPU and IOMMU address widths, the vendor, the architecture and the kernel.
///
/// Everything is read in a fixed order and sorted, and nothing time- or run-dependent is written,
/// so probing the same host twice gives the same bytes.
public enum Prober {
    package static let cpuinfo = ProbeFiles.cpuinfo
    package static let osrelease = ProbeFiles.osrelease
    package static let archFile = ProbeFiles.archFile
    package static let hostnameFiles = ProbeFiles.hostnameFiles
    package static let defaultName = "probed-host"

    /// Stand-ins a `--partial` profile uses for what it could not read, each the narrow end of
    /// what real hosts report, so that a partial profile errs towards fewer usable addresses.
    package static let fallbackX86PhysBits = 36
    /// KVM_PHYS_SHIFT: the IPA size KVM gives a VM that asks for none.
    package static let fallbackArmIPABits = 40
    /// The narrowest VT-d MGAW seen (client parts).
    package static let fallbackVTdBits = 39

    /// Probes the host; throws `ProbeFailed` (or `InputError` for bad options) when no profile
    /// can be printed.
    public static func probe(_ options: ProbeOptions) throws -> ProbeResult {
        var session = ProbeSession(options: options)
        return try session.run()
    }
}

/// One probe's state: what was read, what is missing, and what was assumed.
package struct ProbeSession {
    package let options: ProbeOptions
    package let root: ProbeRoot
    /// Missing, unreadable or malformed inputs: fatal unless `--partial`.
    package var problems: [InputError] = []
    /// Inputs no profile can be made without, or options that contradict the host.
    package var fatal: [InputError] = []
    package var warnings: [String] = []
    /// Host paths read, in the order the source line names them.
    package var files: [String] = []
    /// The groups whose reserved_regions file could be read.
    package var groupsRead: [Int] = []

    package init(options: ProbeOptions) {
        self.options = options
        self.root = ProbeRoot(options.root)
    }

    package mutating func run() throws -> ProbeResult {
        try checkOptions()
        let cpu = readCPUInfo()
        let kernel = readKernelRelease()
        let units = readUnits()
        guard let arch = architecture(cpu: cpu, units: units) else {
            throw ProbeFailed(problems: fatal + problems, partialWouldHelp: false)
        }
        let selection = selectGroups(cpu: cpu)
        let sysfsRegions = readRegions(selection.groups)

        let (kind, kindWarning) = IOMMUUnits.kind(of: units, arch: arch)
        if let kindWarning { warnings.append(kindWarning) }
        if units.isEmpty && !selection.groups.isEmpty && arch != .s390x {
            warnings.append("\(IOMMUUnits.folder) lists no IOMMU units, so the IOMMU kind is recorded as other")
        }

        let classified = sysfsRegions.map { (range: $0.range, type: MSIClassifier.type(of: $0.kind, range: $0.range, arch: arch), group: $0.group) }
        let merged = ReservedRegionMerger.merge(classified)
        var reserved = merged.enumerated().map { index, region in
            ReservedRegion(range: region.range, type: region.type, note: RegionNotes.note(for: region, arch: arch, kind: kind, allRegions: merged), path: "$.reserved[\(index)]")
        }
        if groupsRead.isEmpty && arch == .x86_64 {
            reserved.append(ReservedRegion(
                range: MSIClassifier.x86InterruptWindow, type: .msi,
                note: "not read (no reserved_regions file could be read): the x86 interrupt window, defined by the processor and reserved by every x86 IOMMU, kept so that this partial profile still avoids it",
                path: "$.reserved[\(reserved.count)]"))
        }

        let (vendor, cpuBits, cpuText) = cpuFacts(cpu: cpu, arch: arch, units: units)
        let (iommuBits, iommuText) = iommuWidth(kind: kind, units: units, cpuBits: cpuBits, regions: merged, arch: arch)

        if !fatal.isEmpty { throw ProbeFailed(problems: fatal + problems, partialWouldHelp: false) }
        if !problems.isEmpty && !options.partial { throw ProbeFailed(problems: problems, partialWouldHelp: true) }

        let name = profileName()
        let source = sourceLine(kernel: kernel, cpuText: cpuText, kind: kind, units: units, iommuText: iommuText, selection: selection, sawMSI: sysfsRegions.contains { $0.kind == .msi })
        let profile = HostProfile(
            name: name, source: source, arch: arch, cpuVendor: HostCPUVendor(rawValue: vendor), cpuPhysBits: cpuBits,
            iommuKind: kind, iommuAddressBits: iommuBits, reserved: reserved)
        return ProbeResult(profile: profile, warnings: warnings, missing: problems)
    }

    // MARK: options and files

    package func checkOptions() throws {
        if let error = root.archiveError { throw error }
        guard root.isDirectory("/") else {
            throw InputError(source: options.root, message: "no such folder or archive (--root names a copy of a host's sys/, proc/ and etc/ files: a folder, or the .tar.gz that probe --collector's script writes)")
        }
        if let name = options.name, !ProbeOptions.isValidName(name) {
            throw InputError(source: "--name", message: "expected lowercase letters, digits, '.', '_' or '-' (starting with a letter or digit, at most 100), found \"\(name.prefix(120))\"")
        }
        if options.groups != nil && options.devices != nil {
            throw InputError(source: "--groups", message: "give --groups or --devices, not both")
        }
        if let ipa = options.ipaBits, !(32...52).contains(ipa) {
            throw InputError(source: "--ipa-bits", message: "expected a KVM IPA limit from 32 to 52 bits, found \(ipa)")
        }
    }

    package mutating func readCPUInfo() -> CPUInfo? {
        do {
            let text = try root.readText(Prober.cpuinfo)
            files.append(Prober.cpuinfo)
            let (info, errors) = CPUInfoReader.parse(text, file: root.location(Prober.cpuinfo))
            problems += errors
            return info
        } catch {
            problems.append(asInputError(error, file: Prober.cpuinfo))
            return nil
        }
    }

    package mutating func readKernelRelease() -> String? {
        do {
            guard let text = try root.readTextIfPresent(Prober.osrelease) else {
                warnings.append("\(Prober.osrelease) is missing: the kernel version is unknown")
                return nil
            }
            let release = text.trimmingWhitespace()
            guard !release.isEmpty, !release.contains("\n") else {
                warnings.append("\(Prober.osrelease) does not hold one kernel release: the kernel version is unknown")
                return nil
            }
            files.append(Prober.osrelease)
            return release
        } catch {
            warnings.append("\(Prober.osrelease) cannot be read: the kernel version is unknown")
            return nil
        }
    }

    package mutating func readUnits() -> [IOMMUUnit] {
        do {
            return try IOMMUUnits.list(root)
        } catch {
            problems.append(asInputError(error, file: IOMMUUnits.folder))
            return []
        }
    }

    /// `/proc/sys/kernel/arch` where the kernel has it, else the shape of `/proc/cpuinfo`,
    /// else the IOMMU units' kind.
    package mutating func architecture(cpu: CPUInfo?, units: [IOMMUUnit]) -> HostProfile.Architecture? {
        var arch: HostProfile.Architecture?
        do {
            if let text = try root.readTextIfPresent(Prober.archFile) {
                let machine = text.trimmingWhitespace()
                files.append(Prober.archFile)
                guard let known = HostProfile.Architecture(rawValue: machine) else {
                    fatal.append(InputError(source: root.location(Prober.archFile), line: 1, message: "architecture \"\(machine.prefix(40))\" has no host profiles; layoutsolve knows \(HostProfile.Architecture.allCases.map(\.rawValue).joined(separator: ", "))"))
                    return nil
                }
                arch = known
            }
        } catch {
            problems.append(asInputError(error, file: Prober.archFile))
        }
        if arch == nil { arch = cpu?.inferredArch }
        if arch == nil {
            let kinds = Set(units.map(\.kind))
            if kinds.contains(.intelVTd) || kinds.contains(.amdVi) { arch = .x86_64 }
            else if kinds.contains(.armSMMUv3) || kinds.contains(.armSMMU) { arch = .aarch64 }
            else if kinds.contains(.s390) { arch = .s390x }
            if let arch { warnings.append("the architecture, \(arch.rawValue), was inferred from the IOMMU units, since \(Prober.cpuinfo) did not say") }
        }
        guard let arch else {
            fatal.append(InputError(source: root.location(Prober.cpuinfo), message: "cannot tell the architecture: \(Prober.archFile) is missing and \(Prober.cpuinfo) matches no x86-64, arm64 or s390x layout"))
            return nil
        }
        if arch == .ppc64le {
            fatal.append(InputError(source: root.location(Prober.cpuinfo), message: "POWER hosts use the sPAPR TCE IOMMU, whose DMA windows VFIO reports through VFIO_IOMMU_SPAPR_TCE_GET_INFO, not reserved_regions: write this host's profile by hand with iova_ranges"))
            return nil
        }
        return arch
    }

    // MARK: groups and regions

    package enum Selection {
        case all([Int])
        case groups([Int])
        case devices([(PCIAddress, Int)])

        package var groups: [Int] {
            switch self {
            case .all(let groups), .groups(let groups): return groups
            case .devices(let pairs): return Array(Set(pairs.map(\.1))).sorted()
            }
        }
    }

    package mutating func selectGroups(cpu: CPUInfo?) -> Selection {
        if let devices = options.devices {
            var pairs: [(PCIAddress, Int)] = []
            for device in Array(Set(devices)).sorted() {
                do {
                    pairs.append((device, try IOMMUGroups.group(of: device, root: root)))
                } catch {
                    fatal.append(asInputError(error, file: IOMMUGroups.deviceLink(device)))
                }
            }
            if !pairs.isEmpty { files.append(braced("/sys/bus/pci/devices/", pairs.map { "\($0.0)" }, "/iommu_group")) }
            return .devices(pairs)
        }
        if let groups = options.groups {
            var present: [Int] = []
            for group in Array(Set(groups)).sorted() {
                let folder = "\(IOMMUGroups.folder)/\(group)"
                if root.isDirectory(folder) {
                    present.append(group)
                } else {
                    let here = (try? IOMMUGroups.all(root)).map { $0.isEmpty ? "none" : IOMMUGroups.compact($0) } ?? "none"
                    fatal.append(InputError(source: root.location(folder), message: "no such IOMMU group (this host has groups: \(here))"))
                }
            }
            return .groups(present)
        }
        let vmHint = cpu?.isVirtualMachine == true
            ? "; this system is itself a virtual machine (cpuinfo flag hypervisor), which has an IOMMU only if its hypervisor emulates one"
            : ""
        guard root.exists(IOMMUGroups.folder) else {
            problems.append(InputError(source: root.location(IOMMUGroups.folder), message: "no such folder: this kernel has no IOMMU support (CONFIG_IOMMU_API) or sysfs is not mounted, so there are no reserved regions to read\(vmHint)"))
            return .all([])
        }
        do {
            let groups = try IOMMUGroups.all(root)
            if groups.isEmpty {
                problems.append(InputError(source: root.location(IOMMUGroups.folder), message: "no IOMMU groups: the IOMMU is off or absent, so VFIO cannot assign devices on this host and there are no reserved regions to read; turn it on in the firmware (VT-d, AMD-Vi, SMMU) and, on Intel, with intel_iommu=on\(vmHint)"))
            }
            return .all(groups)
        } catch {
            problems.append(asInputError(error, file: IOMMUGroups.folder))
            return .all([])
        }
    }

    package mutating func readRegions(_ groups: [Int]) -> [SysfsReservedRegion] {
        var regions: [SysfsReservedRegion] = []
        for group in groups {
            let hostPath = IOMMUGroups.regionsFile(group)
            guard root.entryKind(hostPath) != .missing else {
                problems.append(InputError(source: root.location(hostPath), message: "no such file; every IOMMU group has one since Linux 4.11"))
                continue
            }
            do {
                let text = try root.readText(hostPath)
                let (parsed, errors) = ReservedRegionsReader.parse(text, file: root.location(hostPath), group: group)
                regions += parsed
                problems += errors
                groupsRead.append(group)
            } catch {
                problems.append(asInputError(error, file: hostPath))
            }
        }
        if !groupsRead.isEmpty { files.append(braced(IOMMUGroups.folder + "/", groupsRead.map(String.init), "/reserved_regions", compact: groupsRead)) }
        return regions
    }

    // MARK: widths

    package mutating func cpuFacts(cpu: CPUInfo?, arch: HostProfile.Architecture, units: [IOMMUUnit]) -> (vendor: String, bits: Int, text: String) {
        if options.ipaBits != nil && arch != .aarch64 {
            fatal.append(InputError(source: "--ipa-bits", message: "only arm64 hosts have a KVM IPA limit to give; this host is \(arch.rawValue), and \(Prober.cpuinfo) gives its width"))
        }
        let vendor = cpu?.vendor ?? {
            switch arch {
            case .aarch64: return "arm"
            case .s390x, .ppc64le: return "ibm"
            case .x86_64:
                let kinds = Set(units.map(\.kind))
                return kinds.contains(.intelVTd) ? "intel" : kinds.contains(.amdVi) ? "amd" : "unknown"
            }
        }()
        if cpu != nil && cpu?.vendor == nil {
            problems.append(InputError(source: root.location(Prober.cpuinfo), message: "no vendor_id or CPU implementer line: the CPU vendor is unknown"))
        }
        switch arch {
        case .x86_64:
            let described = [cpu?.vendorID, cpu?.modelName.map { "'\($0)'" }].compactMap { $0 }.joined(separator: " ")
            if let bits = cpu?.physBits {
                return (vendor, bits, "\(described.isEmpty ? "x86-64" : described), address sizes \(bits) bits physical (the narrowest processor in \(Prober.cpuinfo))")
            }
            if cpu != nil {
                problems.append(InputError(source: root.location(Prober.cpuinfo), message: "no \"address sizes\" line: the CPU's physical address width is unknown"))
            }
            let bits = Prober.fallbackX86PhysBits
            warnings.append("cpu.phys_bits \(bits) is a stand-in (the narrowest x86-64 'address sizes'), since \(Prober.cpuinfo) did not give the width")
            return (vendor, bits, "physical address width not read; \(bits) bits assumed")
        case .aarch64:
            let described = [cpu?.implementer.map { "CPU implementer 0x\(String($0, radix: 16)) (\(vendor))" }, cpu?.part.map { "part \($0)" }].compactMap { $0 }.joined(separator: ", ")
            let prefix = described.isEmpty ? "" : described + "; "
            let how = "no file holds it: the kernel prints it at boot ('kvm [1]: IPA Size Limit: N bits') and reports it through the KVM_CAP_ARM_VM_IPA_SIZE ioctl on /dev/kvm"
            if let ipa = options.ipaBits {
                return (vendor, ipa, "\(prefix)KVM IPA limit \(ipa) bits, given with --ipa-bits (\(how))")
            }
            problems.append(InputError(source: "--ipa-bits", message: "an arm64 host's CPU width is its KVM IPA limit, and \(how); read it with 'dmesg | grep \"IPA Size Limit\"' and pass --ipa-bits N"))
            let bits = Prober.fallbackArmIPABits
            warnings.append("cpu.phys_bits \(bits) is a stand-in (KVM_PHYS_SHIFT, the IPA size of a VM that asks for none), since --ipa-bits was not given")
            return (vendor, bits, "\(prefix)KVM IPA limit not given; \(bits) bits assumed")
        case .s390x, .ppc64le:
            let described = cpu?.vendorID ?? "s390x"
            return (vendor, 64, "\(described); s390x prints no physical address width (no 'address sizes' line), so cpu.phys_bits is 64 and the IOMMU width binds")
        }
    }

    package mutating func iommuWidth(kind: IOMMUKind, units: [IOMMUUnit], cpuBits: Int, regions: [ProbedRegion], arch: HostProfile.Architecture? = nil) -> (bits: Int, text: String) {
        switch kind {
        case .intelVTd:
            let (readings, unitFiles, errors) = IntelVTdWidth.read(units: units, root: root)
            problems += errors
            if !unitFiles.isEmpty && !readings.isEmpty { files.append(braced(IOMMUUnits.folder + "/", readings.map(\.unit), "/intel-iommu/cap")) }
            guard let narrowest = readings.map(\.bits).min() else {
                let bits = Prober.fallbackVTdBits
                warnings.append("iommu.address_bits \(bits) is a stand-in (the narrowest VT-d MGAW seen), since no dmar*/intel-iommu/cap could be read")
                return (bits, "MGAW not read; \(bits) bits assumed")
            }
            let perUnit = readings.map { "\($0.unit) cap \(String($0.capability, radix: 16)): \($0.bits)" }.joined(separator: ", ")
            return (narrowest, "MGAW \(narrowest), ((cap >> 16) & 0x3f) + 1 of the narrowest unit (\(perUnit); every unit counts, whichever groups were read); a first-stage (scalable-mode first-level) domain has one bit less")
        case .amdVi:
            let (readings, unitFiles, errors) = AMDViWidth.read(units: units, root: root)
            problems += errors
            if !unitFiles.isEmpty && !readings.isEmpty { files.append(braced(IOMMUUnits.folder + "/", readings.map(\.unit), "/amd-iommu/features")) }
            for reading in readings { warnings += reading.warnings }
            guard let narrowest = readings.map(\.bits).min() else {
                let bits = AMDViWidth.fallbackBits
                warnings.append("iommu.address_bits \(bits) is a stand-in (a 4-level host page table), since no ivhd*/amd-iommu/features could be read")
                return (bits, "EFR not read; \(bits) bits assumed")
            }
            let perUnit = Self.groupedByDetail(readings.map { ($0.unit, "\($0.detail): \($0.bits)") })
            return (narrowest, "\(narrowest) bits, the host page-table levels EFR[11:10] HATS allows (0: 48, 1: 57, 2: 64 bits; the v1 page table, the kernel's default) on the narrowest unit (\(perUnit))")
        case .armSMMUv3, .armSMMU:
            let bits = ArmSMMUWidth.assumedBits(ipaBits: cpuBits)
            warnings.append(ArmSMMUWidth.warning(kind: kind, bits: bits))
            return (bits, "input address size not in sysfs; \(bits) bits assumed (see the warnings)")
        case .s390:
            guard let top = regions.filter({ $0.type == .reserved }).map(\.range.last).max() else {
                let bits = S390Width.tableSizeBits
                warnings.append("iommu.address_bits \(bits) is a stand-in (ZPCI_TABLE_SIZE_RT = 1 << 42), since no reserved region shows the aperture end")
                return (bits, "aperture end not shown; \(bits) bits assumed")
            }
            if let bits = S390Width.bits(topOfReservedRegions: top), (32...64).contains(bits) {
                return (bits, "aperture end \(Hex.format(top)) = 2^\(bits) - 1, the end of the highest reserved region (s390_iommu_get_resv_regions reserves up to ZPCI_TABLE_SIZE_RT - 1)")
            }
            let bits = max(32, 64 - top.leadingZeroBitCount)
            warnings.append("the highest reserved region ends at \(Hex.format(top)), not at 2^n - 1, so the zPCI aperture end is not known exactly; iommu.address_bits \(bits) covers it")
            return (bits, "aperture end not exact; \(bits) bits assumed")
        case .other where options.partial && units.isEmpty && arch == .x86_64:
            // A partial profile errs towards fewer usable addresses: with no unit to read, the
            // narrowest VT-d width seen, not the CPU's, which the IOMMU may not reach.
            let bits = min(cpuBits, Prober.fallbackVTdBits)
            warnings.append("iommu.address_bits \(bits) is a stand-in (the narrowest VT-d MGAW seen), since \(IOMMUUnits.folder) lists no unit")
            return (bits, "no unit read; \(bits) bits assumed")
        case .other:
            warnings.append("no sysfs file gives this IOMMU's address width; iommu.address_bits is the CPU width, \(cpuBits), which bounds guest addresses anyway")
            return (cpuBits, "width unknown; the CPU width \(cpuBits) assumed")
        }
    }

    /// `ivhd0, ivhd1: EFR 58f77ef22294a5a, HATS 2: 64` when units agree, instead of a clause per unit.
    package static func groupedByDetail(_ pairs: [(unit: String, detail: String)]) -> String {
        var order: [String] = []
        var units: [String: [String]] = [:]
        for pair in pairs {
            if units[pair.detail] == nil { order.append(pair.detail) }
            units[pair.detail, default: []].append(pair.unit)
        }
        return order.map { "\(units[$0, default: []].joined(separator: ", ")): \($0)" }.joined(separator: "; ")
    }

    // MARK: name and source

    package mutating func profileName() -> String {
        if let name = options.name { return name }
        for file in Prober.hostnameFiles {
            guard let text = try? root.readTextIfPresent(file),
                  let line = text.split(separator: "\n").first.map(String.init),
                  let name = ProbeOptions.profileName(fromHostname: line.trimmingWhitespace()) else { continue }
            files.append(file)
            return name
        }
        return Prober.defaultName
    }

    package func sourceLine(kernel: String?, cpuText: String, kind: IOMMUKind, units: [IOMMUUnit], iommuText: String, selection: Selection, sawMSI: Bool) -> String {
        var parts: [String] = []
        parts.append("Probed by layoutsolve probe from \(files.joined(separator: ", "))\(kernel.map { " on Linux \($0)" } ?? " (kernel version unknown)").")
        parts.append("CPU: \(cpuText).")
        let unitText = units.isEmpty ? "no units in \(IOMMUUnits.folder)" : "unit(s) \(units.map(\.name).joined(separator: ", "))"
        parts.append("IOMMU: \(kind.displayName), \(unitText): \(iommuText).")
        let groupText: String
        switch selection {
        case .all(let groups): groupText = "all \(groups.count) IOMMU group(s), \(IOMMUGroups.compact(groups))"
        case .groups(let groups): groupText = "group(s) \(IOMMUGroups.compact(groups)) (--groups)"
        case .devices(let pairs): groupText = "group(s) \(IOMMUGroups.compact(pairs.map(\.1))) of \(pairs.map { "\($0.0)" }.joined(separator: ", ")) (--devices)"
        }
        if groupsRead.isEmpty {
            parts.append("Reserved regions: none read.")
        } else {
            parts.append("Reserved regions: \(groupText), merged per type as iommu_insert_resv_region() merges them\(sawMSI ? "; msi lines told apart by architecture and address (see each note)" : "").")
        }
        if !warnings.isEmpty { parts.append("Warnings: \(warnings.joined(separator: "; ")).") }
        if !problems.isEmpty {
            parts.append("PARTIAL PROFILE (--partial), not read: \(problems.map(hostDescription).joined(separator: "; ")).")
        }
        return parts.joined(separator: " ")
    }

    /// A problem as the host names its file, so the source line does not depend on `--root`.
    package func hostDescription(_ error: InputError) -> String {
        guard !root.isLiveSystem, error.source.hasPrefix(root.locationPrefix + "/") else { return error.description }
        return InputError(source: String(error.source.dropFirst(root.locationPrefix.count)), path: error.path, line: error.line, message: error.message).description
    }

    /// `/sys/class/iommu/{dmar0,dmar1}/intel-iommu/cap`, or the plain path for one name.
    package func braced(_ prefix: String, _ names: [String], _ suffix: String, compact: [Int]? = nil) -> String {
        if names.count == 1 { return prefix + names[0] + suffix }
        let inner = compact.map { IOMMUGroups.compact($0).replacingOccurrences(of: ", ", with: ",") } ?? names.joined(separator: ",")
        return "\(prefix){\(inner)}\(suffix)"
    }

    package func asInputError(_ error: Error, file: String) -> InputError {
        (error as? InputError) ?? InputError(source: root.location(file), message: "\(error)")
    }
}
