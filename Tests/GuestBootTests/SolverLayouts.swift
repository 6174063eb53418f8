// Layouts the solver itself chooses, turned into what the guest harness boots: the emitted
// arguments, the boot RAM, cold DIMMs and planned hot-adds the layout predicts, its 64-bit PCI
// window and phys-bits. The hand-written layouts in GuestLayouts.swift probe finer granularity;
// these prove that what users get is what the guest sees.

import Foundation
import LayoutSolver

enum SolverLayouts {
    struct AdapterError: Error, CustomStringConvertible {
        var description: String
    }

    /// Solves `vm` on `hosts` and describes the layout for the harness. The harness loads firmware
    /// itself, so the emitted `-bios` is dropped.
    static func boot(
        name: String, hosts: [HostProfile], vm: VMSpec, firmware: GuestFirmware, kernelFlavour: String? = nil
    ) throws -> GuestBootLayout {
        let solution = try Solver.solve(hosts: hosts, vm: vm)
        let layout = solution.layout.guest
        var arguments = QEMUArguments.argv(for: solution.layout)
        if let bios = arguments.firstIndex(of: "-bios"), bios + 1 < arguments.count { arguments.removeSubrange(bios...(bios + 1)) }
        let x86 = layout.machine != .virt
        var boot: [GuestRange] = []
        for region in layout.regions where region.kind == .ram {
            let range = GuestRange(first: region.range.start, last: region.range.last)
            // The legacy VGA and BIOS area (0xa0000-0xfffff) is never RAM on x86, whatever the map says.
            if x86, range.first < 0xa0000, range.last >= 0x10_0000 {
                boot.append(GuestRange(first: range.first, last: 0x9_ffff))
                boot.append(GuestRange(first: 0x10_0000, last: range.last))
            } else {
                boot.append(range)
            }
        }
        func dimm(_ d: DIMM) -> GuestDIMM { GuestDIMM(id: d.id, size: d.size, address: d.address) }
        guard let hole = layout.regions.first(where: { $0.kind == .pciHole64 }) else {
            throw AdapterError(description: "\(name): the layout has no 64-bit PCI window to check BARs against")
        }
        var guest = GuestBootLayout(
            name: name, architecture: x86 ? .x86_64 : .aarch64, firmware: firmware, qemuArguments: arguments,
            bootRAM: boot, coldDIMMs: layout.knobs.dimms.map(dimm), hotAddDIMMs: layout.knobs.hotplugPlan.map(dimm),
            pciHole64: GuestRange(first: hole.range.start, last: hole.range.last), physBits: UInt32(layout.physBits),
            blockSize: 128 << 20)
        guest.kernelFlavour = kernelFlavour
        return guest
    }

    static func x86Host(_ name: String, holes: [(UInt64, UInt64)], iommuBits: Int = 39) -> HostProfile {
        HostProfile(
            name: name, arch: .x86_64, cpuVendor: .intel, cpuPhysBits: 46, iommuKind: .intelVTd, iommuAddressBits: iommuBits,
            reserved: ([(0xfee0_0000, 0xfeef_ffff)] + holes).enumerated().compactMap { index, hole in
                AddressRange(start: hole.0, last: hole.1).map { ReservedRegion(range: $0, type: index == 0 ? .msi : .reserved) }
            })
    }

    static let gib: UInt64 = 1 << 30

    /// q35: a firmware hole at 4.5 GiB splits above-4G RAM, so a cold DIMM steps over it; one
    /// planned hot-add DIMM; a 39-bit IOMMU sets phys-bits. `pciHole64`: the spec's minimum hole
    /// (nil: QEMU's 32 GiB default).
    static func q35(firmware: GuestFirmware, pciHole64: UInt64? = nil, iommuBits: Int = 39) throws -> GuestBootLayout {
        try boot(
            name: "solver-q35-\(firmware)" + (pciHole64.map { "-hole\($0 / gib)G" } ?? "") + (iommuBits == 39 ? "" : "-iommu\(iommuBits)"),
            hosts: [x86Host("hole-4g5", holes: [(0x1_2000_0000, 0x1_200f_ffff)], iommuBits: iommuBits)],
            vm: VMSpec(name: "g", ram: 4 * gib, pciHole64: pciHole64, cpuModel: "max", hotplug: [HotplugRequest(count: 1, size: gib)]),
            firmware: firmware)
    }

    /// The solved layout itself (for its notes and emitted arguments).
    static func q35Solution(pciHole64: UInt64? = nil) throws -> Solution {
        try Solver.solve(
            hosts: [x86Host("hole-4g5", holes: [(0x1_2000_0000, 0x1_200f_ffff)])],
            vm: VMSpec(name: "g", ram: 4 * gib, pciHole64: pciHole64, cpuModel: "max", hotplug: [HotplugRequest(count: 1, size: gib)]))
    }

    /// pc: the same hole and plan on i440FX (3 GiB low RAM default). i440FX's 64-bit hole is 2 GiB
    /// by default, too small for the harness's 8 GiB BAR (SeaBIOS then places it outside the hole,
    /// seen here): the spec asks for 16 GiB, as a user with such a device would.
    static func pc() throws -> GuestBootLayout {
        try boot(
            name: "solver-pc-seabios", hosts: [x86Host("hole-4g5", holes: [(0x1_2000_0000, 0x1_200f_ffff)])],
            vm: VMSpec(name: "g", machine: .pc, ram: 4 * gib, pciHole64: 16 * gib, cpuModel: "max", hotplug: [HotplugRequest(count: 1, size: gib)]),
            firmware: .seabios)
    }

    /// virt: the HiSilicon D05's ITS doorbell inside default RAM shortens boot RAM; the rest goes to a
    /// DIMM past it, and one planned hot-add. Debian's cloud-arm64 kernel sees DIMMs (ACPI memory hotplug).
    static func virt() throws -> GuestBootLayout {
        let host = HostProfile(
            name: "d05", arch: .aarch64, cpuVendor: .arm, cpuPhysBits: 48, iommuKind: .armSMMUv3, iommuAddressBits: 48,
            reserved: AddressRange(start: 0xc601_0000, last: 0xc601_ffff).map { [ReservedRegion(range: $0, type: .msi)] } ?? [])
        return try boot(
            name: "solver-virt-aavmf-cloud", hosts: [host],
            vm: VMSpec(name: "g", machine: .virt, ram: 4 * gib, cpuModel: "max", hotplug: [HotplugRequest(count: 1, size: gib)]),
            firmware: .aavmf, kernelFlavour: "cloud")
    }
}
