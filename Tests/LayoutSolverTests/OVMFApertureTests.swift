import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutSolver

/// OVMF 2022.11's 64-bit aperture (OVMFAperture, edk2 OvmfPkg/Library/PlatformInitLib/MemDetect.c)
/// against what the guest-boot tests measured (GuestBoot.md), and the steering size.
@Suite("OVMF's 64-bit aperture and opt/ovmf/X-PciMmio64Mb")
struct OVMFApertureTests {
    let gib: UInt64 = 1 << 30

    func range(_ start: UInt64, _ end: UInt64) -> AddressRange? { AddressRange(start: start, last: end - 1) }

    @Test func measuredPlacements() {
        // Hole at 22G. phys-bits 36 Intel is trusted but 32G ≥ 2^33: classic, ALIGN(22G, 32G) = 32G.
        #expect(OVMFAperture.aperture(hole64Start: 22 * gib, sizeMiB: nil, physBits: 36, vendor: .intel) == range(32 * gib, 64 * gib))
        // phys-bits 35 is not trusted: classic, and the fw_cfg size moves it to ALIGN(22G, 8G) = 24G.
        #expect(OVMFAperture.aperture(hole64Start: 22 * gib, sizeMiB: nil, physBits: 35, vendor: .intel) == range(32 * gib, 64 * gib))
        #expect(OVMFAperture.aperture(hole64Start: 22 * gib, sizeMiB: 8192, physBits: 35, vendor: .intel) == range(24 * gib, 32 * gib))
        // phys-bits 39 Intel is trusted and 32G < 2^36: the dynamic window, the BAR seen at 0x7000000000.
        #expect(OVMFAperture.aperture(hole64Start: 8 * gib, sizeMiB: nil, physBits: 39, vendor: .intel) == range(448 * gib, 512 * gib))
        // A size below 2^(P-3) does not help then; 39 on AMD is not trusted.
        #expect(OVMFAperture.aperture(hole64Start: 8 * gib, sizeMiB: 32768, physBits: 39, vendor: .intel) == range(448 * gib, 512 * gib))
        #expect(OVMFAperture.aperture(hole64Start: 8 * gib, sizeMiB: 32768, physBits: 39, vendor: .amd) == range(32 * gib, 64 * gib))
        // 0 disables the aperture only while phys-bits is not trusted.
        #expect(OVMFAperture.aperture(hole64Start: 8 * gib, sizeMiB: 0, physBits: 35, vendor: .intel) == nil)
        #expect(OVMFAperture.aperture(hole64Start: 8 * gib, sizeMiB: 0, physBits: 39, vendor: .intel) == range(448 * gib, 512 * gib))
        // Capped at 47 bits; 40 without 1 GiB pages.
        #expect(OVMFAperture.aperture(hole64Start: 8 * gib, sizeMiB: nil, physBits: 52, vendor: .intel) == range(112 << 40, 128 << 40))
        #expect(OVMFAperture.aperture(hole64Start: 8 * gib, sizeMiB: nil, physBits: 46, vendor: .amd, gigabytePages: false) == range(896 * gib, 1024 * gib))
        // An over-large fw_cfg value is ignored (32 GiB default).
        #expect(OVMFAperture.aperture(hole64Start: 8 * gib, sizeMiB: 0x100_0001, physBits: 35, vendor: .intel) == range(32 * gib, 64 * gib))
    }

    @Test func steeringSizeIsTheLargestThatStaysInside() throws {
        // The hand-tuned guest-boot value: hole [22G, 32G) under 35 bits → 8192.
        let tight = try #require(range(22 * gib, 32 * gib))
        #expect(OVMFAperture.steeringSizeMiB(hole: tight, physBits: 35, vendors: [.intel]) == 8192)
        // 36 bits Intel (trusted): a 32G hole at 22G has no size ≥ 8G that fits below 2^36 except [32G, 64G)
        // outside [22G, 54G) by default; sizes below 2^33 turn the dynamic window [56G, 64G) on.
        let q35 = try #require(range(22 * gib, 54 * gib))
        let mib = OVMFAperture.steeringSizeMiB(hole: q35, physBits: 36, vendors: [.intel])
        if let mib {
            let window = try #require(OVMFAperture.aperture(hole64Start: 22 * gib, sizeMiB: mib, physBits: 36, vendor: .intel))
            #expect(q35.contains(window), "\(mib) MiB → \(window)")
        }
        #expect(mib == 22 * 1024, "ALIGN(22G, 16G) = 32G, 22G up to the hole's end, ≥ 2^33: \(String(describing: mib))")
        // 39 bits Intel with QEMU's 32G hole: nothing; a 128G hole holds [64G, 64G + S).
        let small = try #require(range(8 * gib, 40 * gib))
        #expect(OVMFAperture.steeringSizeMiB(hole: small, physBits: 39, vendors: [.intel]) == nil)
        #expect(OVMFAperture.minimumHoleSize(hole64Start: 8 * gib, physBits: 39, vendors: [.intel]) == 120 * gib)
        let large = try #require(range(8 * gib, 136 * gib))
        #expect(OVMFAperture.steeringSizeMiB(hole: large, physBits: 39, vendors: [.intel]) == 72 * 1024)
        // Unpinned vendor: both outcomes must fit; 40 bits is trusted on AMD only.
        #expect(OVMFAperture.steeringSizeMiB(hole: small, physBits: 40, vendors: [.intel]) == 24 * 1024)
        #expect(OVMFAperture.steeringSizeMiB(hole: small, physBits: 40, vendors: [.intel, .amd]) == nil)
    }

    @Test func everySteeringSizeKeepsEveryCaseInside() throws {
        for physBits in 35...48 {
            for startGiB in [4, 5, 11, 22, 63, 64, 65, 200] {
                for sizeGiB in [1, 2, 10, 32, 64, 100, 128, 300, 1024] {
                    let start = UInt64(startGiB) * gib
                    guard let hole = AddressRange(start: start, size: UInt64(sizeGiB) * gib), hole.last < UInt64(1) << UInt64(physBits) else { continue }
                    for vendors in [[CPUVendor.intel], [.amd], [.intel, .amd]] {
                        guard let mib = OVMFAperture.steeringSizeMiB(hole: hole, physBits: physBits, vendors: vendors) else { continue }
                        for vendor in vendors {
                            for pages in [true, false] {
                                let window = OVMFAperture.aperture(hole64Start: start, sizeMiB: mib, physBits: physBits, vendor: vendor, gigabytePages: pages)
                                #expect(window.map(hole.contains) == true, "P=\(physBits) hole \(hole) \(vendor) pages=\(pages): \(mib) MiB → \(String(describing: window))")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func solverLayoutsCarryTheArgumentOrTheNote() throws {
        let hosts = [HostProfile(name: "h", arch: .x86_64, cpuVendor: .intel, cpuPhysBits: 46, iommuKind: .intelVTd, iommuAddressBits: 39, reserved: [])]
        // A 39-bit IOMMU: the solver picks phys-bits 38, which no firmware trusts, so both keep BARs
        // in pci-hole64, and OVMF is steered into QEMU's 32G hole; no firmware note.
        let plain = try Solver.solve(hosts: hosts, vm: VMSpec(name: "g", ram: 4 * gib, cpuModel: "max")).layout.guest
        #expect(plain.physBits == 38 && plain.notes.isEmpty, "\(plain.physBits) \(plain.notes)")
        #expect(QEMUArguments.argv(for: plain).contains { $0.hasPrefix("name=opt/ovmf/X-PciMmio64Mb,string=") })
        // An AMD host with phys-bits 40 (trusted on AMD, whose dynamic window [896G, 1T) holds the
        // HyperTransport range): the solver picks 39, which AMD firmware does not trust.
        let amd = HostProfile(name: "epyc", arch: .x86_64, cpuVendor: .amd, cpuPhysBits: 40, iommuKind: .amdVi, iommuAddressBits: 48,
                              reserved: [AddressRange(start: 0xfd_0000_0000, last: 0xff_ffff_ffff).map { ReservedRegion(range: $0, type: .reserved) }].compactMap { $0 })
        let onAMD = try Solver.solve(hosts: [amd], vm: VMSpec(name: "g", ram: 4 * gib, cpuModel: "max")).layout.guest
        #expect(onAMD.physBits == 39 && onAMD.cpuVendor == .amd && onAMD.notes.isEmpty, "\(onAMD.physBits) \(onAMD.notes)")
        // A map that needs 41 bits or more: every width that holds it is trusted, so firmware puts
        // BARs in the top eighth and the notes say where, for OVMF and SeaBIOS 1.16.3.
        let wide = [HostProfile(name: "big", arch: .x86_64, cpuVendor: .intel, cpuPhysBits: 46, iommuKind: .intelVTd, iommuAddressBits: 46, reserved: [])]
        let large = try Solver.solve(hosts: wide, vm: VMSpec(name: "g", ram: 1100 * gib, cpuModel: "max")).layout.guest
        #expect(large.physBits == 46)
        #expect(large.notes.contains { $0.hasPrefix("OVMF (edk2 2022.11) would put its 64-bit PCI aperture at 0x380000000000-0x3fffffffffff") && $0.contains("pci_hole64 of at least") }, "\(large.notes)")
        #expect(large.notes.contains { $0.hasPrefix("SeaBIOS 1.16.3") && $0.contains("0x380000000000-0x3fffffffffff") }, "\(large.notes)")
        // phys-bits 38 (a 38-bit IOMMU): trusted by no firmware, so no SeaBIOS note, and OVMF is steered
        // into QEMU's default hole.
        let narrow = HostProfile(name: "h38", arch: .x86_64, cpuVendor: .intel, cpuPhysBits: 46, iommuKind: .intelVTd, iommuAddressBits: 38, reserved: [])
        let at38 = try Solver.solve(hosts: [narrow], vm: VMSpec(name: "g", ram: 4 * gib, cpuModel: "max")).layout.guest
        #expect(at38.physBits == 38 && at38.notes.isEmpty, "\(at38.physBits) \(at38.notes)")
        #expect(QEMUArguments.argv(for: at38).contains { $0.hasPrefix("name=opt/ovmf/X-PciMmio64Mb,string=") })
        // Asking for 128G: the argument, and OVMF's modelled aperture inside the hole.
        let steered = try Solver.solve(hosts: hosts, vm: VMSpec(name: "g", ram: 4 * gib, pciHole64: 128 * gib, cpuModel: "max")).layout.guest
        let arguments = QEMUArguments.argv(for: steered)
        let index = try #require(arguments.firstIndex(of: "-fw_cfg"))
        let value = arguments[index + 1]
        #expect(value.hasPrefix("name=opt/ovmf/X-PciMmio64Mb,string="))
        let mib = try #require(UInt64(value.split(separator: "=").last ?? ""))
        let hole = try #require(steered.regions.first { $0.kind == .pciHole64 }?.range)
        let window = try #require(OVMFAperture.aperture(hole64Start: hole.start, sizeMiB: mib, physBits: steered.physBits, vendor: steered.cpuVendor ?? .intel))
        #expect(hole.contains(window), "\(window) not in \(hole)")
        #expect(!steered.notes.contains { $0.hasPrefix("OVMF") })
        #expect(SeaBIOSWindow.topWindow(physBits: 52, vendor: .intel) == range(56 << 40, 64 << 40))
        #expect(SeaBIOSWindow.topWindow(physBits: 38, vendor: .intel) == nil && SeaBIOSWindow.topWindow(physBits: 39, vendor: .amd) == nil)
        // libvirt: the same argument in <qemu:commandline> (libvirt reserves opt/ovmf/ in <sysinfo type='fwcfg'>).
        let xml = try LibvirtXML.document(for: steered)
        #expect(xml.contains("<qemu:arg value='-fw_cfg'/>") && xml.contains("<qemu:arg value='name=opt/ovmf/X-PciMmio64Mb,string=\(mib)'/>"), "\(xml)")
        #expect(xml.contains("libvirt reserves opt/ovmf/"))
        #expect(!(try LibvirtXML.document(for: large)).contains("fw_cfg"))
    }
}
