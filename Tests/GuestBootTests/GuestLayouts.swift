// The layouts the guest tests boot, written as QEMU arguments plus the RAM the layout predicts.
// Derivations follow QEMUMemoryLayout.md in LayoutSolver.docc (QEMU 7.2 hw/i386/pc.c,
// pc_q35.c, pc_piix.c, hw/arm/virt.c). DIMMs sit at 128 MiB granularity, the guest's own memory
// block below 64 GiB of boot memory: finer than the whole GiB the solver emits today.

import Foundation

enum GuestLayouts {
    static func range(_ start: UInt64, _ end: UInt64) -> GuestRange {
        // Literal, known-good bounds: a bad literal is a bug in this file.
        GuestRange(start: start, end: end) ?? GuestRange(first: 0, last: 0)
    }

    /// q35, 3 GiB, two planned hot-adds (512M at 6G, 128M at 6.625G): q35 puts 2 GiB low (ram ≥ 0xb0000000) and 1 GiB at 4 GiB. Device memory is
    /// [5G, 5G + (16G-3G) + 4×1G) = [5G, 22G); pci-hole64 = [22G, 22G + 32G default) = [22G, 54G),
    /// below 2^36 = 64 GiB. Intel vendor so the AMD 1 TiB logic stays out of the way under TCG.
    static func q35(firmware: GuestFirmware, name: String) -> GuestBootLayout {
        let d0 = GuestDIMM(id: "d0", size: 128 * .MiB, address: 0x1_4000_0000)   // 5 GiB, the device-memory base
        let d1 = GuestDIMM(id: "d1", size: 256 * .MiB, address: 0x1_5000_0000)   // a 128 MiB gap after d0
        return GuestBootLayout(
            name: name, architecture: .x86_64, firmware: firmware,
            qemuArguments: ["-machine", "q35", "-cpu", "host,host-phys-bits=off,phys-bits=36,vendor=GenuineIntel",
                            "-m", "3G,slots=4,maxmem=16G"] + d0.qemuArguments + d1.qemuArguments,
            bootRAM: [range(0, 0xa0000), range(0x10_0000, 0x8000_0000), range(0x1_0000_0000, 0x1_4000_0000)],
            coldDIMMs: [d0, d1],
            hotAddDIMMs: [GuestDIMM(id: "h0", size: 512 * .MiB, address: 0x1_8000_0000),
                          GuestDIMM(id: "h1", size: 128 * .MiB, address: 0x1_a800_0000)],
            pciHole64: range(22 * .GiB, 54 * .GiB), physBits: 36, blockSize: 128 * .MiB)
    }

    /// pc, 4 GiB: i440fx clamps low RAM to 3 GiB (gigabyte_align), 1 GiB at 4 GiB. Device memory
    /// [5G, 5G + 4G + 2×1G) = [5G, 11G); pci-hole64 [11G, 11G + 16G).
    static var pc: GuestBootLayout {
        let d0 = GuestDIMM(id: "d0", size: 256 * .MiB, address: 0x1_4000_0000)
        return GuestBootLayout(
            name: "pc-seabios", architecture: .x86_64, firmware: .seabios,
            qemuArguments: ["-machine", "pc", "-cpu", "max,phys-bits=36,vendor=GenuineIntel",
                            "-m", "4G,slots=2,maxmem=8G", "-global", "i440FX-pcihost.pci-hole64-size=16G"] + d0.qemuArguments,
            bootRAM: [range(0, 0xa0000), range(0x10_0000, 0xc000_0000), range(0x1_0000_0000, 0x1_4000_0000)],
            coldDIMMs: [d0],
            hotAddDIMMs: [GuestDIMM(id: "h0", size: 128 * .MiB, address: 0x1_6000_0000)],
            pciHole64: range(11 * .GiB, 27 * .GiB), physBits: 36, blockSize: 128 * .MiB)
    }

    /// virt (QEMU 7.2 legacy high-memory layout), 2 GiB RAM at 1 GiB: device memory [3G, 3G + 6G + 2×1G);
    /// the high PCIe MMIO window is [512G, 1T). AAVMF is needed: 7.2 enables ACPI (and with it pc-dimm) on virt only with firmware.
    /// `cloud`: Debian's linux-image-cloud-arm64, built with CONFIG_ACPI_HOTPLUG_MEMORY=y (the generic
    /// arm64 flavour is not), so DIMMs and the planned hot-add reach the guest.
    static func virt(cloud: Bool) -> GuestBootLayout {
        let d0 = GuestDIMM(id: "d0", size: 128 * .MiB, address: 0xc000_0000)
        var layout = GuestBootLayout(
            name: cloud ? "virt-aavmf-cloud" : "virt-aavmf", architecture: .aarch64, firmware: .aavmf,
            qemuArguments: ["-machine", "virt,gic-version=3", "-cpu", "max",
                            "-m", "2G,slots=2,maxmem=8G"] + d0.qemuArguments,
            bootRAM: [range(0x4000_0000, 0xc000_0000)],
            coldDIMMs: [d0],
            pciHole64: range(512 * .GiB, 1024 * .GiB), physBits: 40, blockSize: 128 * .MiB)
        if cloud {
            layout.kernelFlavour = "cloud"
            layout.hotAddDIMMs = [GuestDIMM(id: "h0", size: 256 * .MiB, address: 0xd000_0000)]
        }
        return layout
    }

    /// q35 with a tight hole: pci-hole64 [22G, 32G) (10 GiB, room for one 8 GiB BAR at its natural
    /// alignment, 24G) under phys-bits 35 (32 GiB), as a solver lowering phys-bits to a narrow IOMMU
    /// would emit. QEMU accepts it (max used GPA = 2^35 - 1). OVMF
    /// 2022.11 ignores both: it aligns its own 64-bit aperture (32 GiB unless fw_cfg
    /// `opt/ovmf/X-PciMmio64Mb` says otherwise) to its size above the device memory
    /// (OvmfPkg/Library/PlatformInitLib/MemDetect.c, PlatformGetFirstNonAddress), i.e. [32G, 64G).
    /// `apertureMiB` adds that fw_cfg item so the aperture is the hole.
    static func q35TightHole(apertureMiB: Int?) -> GuestBootLayout {
        let d0 = GuestDIMM(id: "d0", size: 128 * .MiB, address: 0x1_4000_0000)
        var arguments = ["-machine", "q35", "-cpu", "host,host-phys-bits=off,phys-bits=35,vendor=GenuineIntel",
                         "-m", "3G,slots=4,maxmem=16G", "-global", "q35-pcihost.pci-hole64-size=10G"] + d0.qemuArguments
        if let apertureMiB { arguments += ["-fw_cfg", "name=opt/ovmf/X-PciMmio64Mb,string=\(apertureMiB)"] }
        return GuestBootLayout(
            name: apertureMiB == nil ? "q35-ovmf-tight" : "q35-ovmf-tight-aperture", architecture: .x86_64, firmware: .ovmf,
            qemuArguments: arguments,
            bootRAM: [range(0, 0xa0000), range(0x10_0000, 0x8000_0000), range(0x1_0000_0000, 0x1_4000_0000)],
            coldDIMMs: [d0],
            pciHole64: range(22 * .GiB, 32 * .GiB), physBits: 35, blockSize: 128 * .MiB)
    }

    /// A large q35 guest: 66 GiB (2 GiB low, 64 GiB at 4 GiB), so boot memory ends at 68 GiB, at or
    /// above 64 GiB: Linux then picks the largest block size up to 2 GiB that divides the end of boot
    /// memory (arch/x86/mm/init_64.c:probe_memory_block_size), here 2 GiB. d0 (2 GiB at 68G) fits
    /// that; d1 (1 GiB at 70G, the solver's 1 GiB DIMM unit) does not. `reserve=off` so that QEMU's
    /// 66 GiB mapping is not refused by the host's overcommit heuristic; the guest touches ~1.5 GiB.
    static var q35Large: GuestBootLayout {
        let d0 = GuestDIMM(id: "d0", size: 2 * .GiB, address: 68 * .GiB)
        let d1 = GuestDIMM(id: "d1", size: 1 * .GiB, address: 70 * .GiB)
        return GuestBootLayout(
            name: "q35-seabios-large", architecture: .x86_64, firmware: .seabios,
            qemuArguments: ["-machine", "q35,memory-backend=ram0", "-cpu", "host,host-phys-bits=off,phys-bits=40,vendor=GenuineIntel",
                            "-object", "memory-backend-ram,id=ram0,size=66G,reserve=off",
                            "-m", "66G,slots=2,maxmem=69G"] + d0.qemuArguments + d1.qemuArguments,
            bootRAM: [range(0, 0xa0000), range(0x10_0000, 0x8000_0000), range(0x1_0000_0000, 68 * .GiB)],
            coldDIMMs: [d0, d1],
            // device memory [68G, 68G + 3G + 2×1G) = [68G, 73G); hole64 [73G, 73G + 32G).
            pciHole64: range(73 * .GiB, 105 * .GiB), physBits: 40, blockSize: 2 * .GiB)
    }

    /// q35 at the finest granularity the solver emits while boot memory ends below 64 GiB: the
    /// guest's 128 MiB memory block (Linux arch/x86/mm/init_64.c:probe_memory_block_size, boot
    /// memory end 1 GiB). 1 GiB of boot RAM, all below 4 GiB (q35 keeps RAM under 2.75 GiB low), so
    /// device memory starts at 4 GiB (pc_memory_init: ROUND_UP(4G + 0, 1G)) and is
    /// [4G, 4G + (3G - 1G) + slots × 1G): [4G, 8G) and pci-hole64 [8G, 40G) with 2 slots, [4G, 9G)
    /// and [9G, 41G) with 3; below 2^36 either way.
    /// d0: 384 MiB (3 blocks, not a power of two) at 4G + 128M; h0: a planned 256 MiB hot-add at
    /// 4G + 640M, 128 MiB aligned but not 256 MiB aligned. `misalignedHotAdd` adds h1, 128 MiB at
    /// 4G + 1G + 64M, off the block boundary (QEMU takes it: pc-dimm needs 2 MiB), which the guest
    /// must refuse ("unaligned hotplug range", mm/memory_hotplug.c:check_hotplug_memory_range).
    static func q35BlockGranular(misalignedHotAdd: Bool) -> GuestBootLayout {
        let d0 = GuestDIMM(id: "d0", size: 384 * .MiB, address: 0x1_0800_0000)
        var hotAdd = [GuestDIMM(id: "h0", size: 256 * .MiB, address: 0x1_2800_0000)]
        if misalignedHotAdd { hotAdd.append(GuestDIMM(id: "h1", size: 128 * .MiB, address: 0x1_4400_0000)) }
        return GuestBootLayout(
            name: misalignedHotAdd ? "q35-seabios-128m-blocks-misaligned-hotadd" : "q35-seabios-128m-blocks",
            architecture: .x86_64, firmware: .seabios,
            qemuArguments: ["-machine", "q35", "-cpu", "host,host-phys-bits=off,phys-bits=36,vendor=GenuineIntel",
                            "-m", "1G,slots=\(hotAdd.count + 1),maxmem=3G"] + d0.qemuArguments,
            bootRAM: [range(0, 0xa0000), range(0x10_0000, 0x4000_0000)],
            coldDIMMs: [d0], hotAddDIMMs: hotAdd,
            pciHole64: misalignedHotAdd ? range(9 * .GiB, 41 * .GiB) : range(8 * .GiB, 40 * .GiB),
            physBits: 36, blockSize: 128 * .MiB)
    }

    /// The q35 layout with its one DIMM moved 64 MiB off the 128 MiB memory-block boundary. QEMU
    /// accepts it (pc-dimm needs 2 MiB alignment), but Linux refuses to add it
    /// (mm/memory_hotplug.c:check_hotplug_memory_range, "unaligned hotplug range").
    static var q35Misaligned: GuestBootLayout {
        let d0 = GuestDIMM(id: "d0", size: 128 * .MiB, address: 0x1_4400_0000)
        var layout = q35(firmware: .seabios, name: "q35-seabios-misaligned")
        layout.qemuArguments = ["-machine", "q35", "-cpu", "max,phys-bits=36,vendor=GenuineIntel",
                                "-m", "3G,slots=4,maxmem=16G"] + d0.qemuArguments
        layout.coldDIMMs = [d0]
        layout.hotAddDIMMs = []
        layout.largeBARSize = 0
        return layout
    }
}
