// A layout as the guest test consumes it: the QEMU arguments that define the machine's memory
// (what the solver emits) plus the RAM ranges the solver predicts the guest will see. The tests
// write these by hand for now; the lead can later build them from solver output.

import Foundation

enum GuestArchitecture: String {
    case x86_64
    case aarch64

    var qemuBinary: String { self == .x86_64 ? "qemu-system-x86_64" : "qemu-system-aarch64" }
    /// The first UART: 8250 on x86, PL011 on virt.
    var console: String { self == .x86_64 ? "ttyS0" : "ttyAMA0" }
}

/// A pc-dimm the layout places at a fixed guest-physical address.
struct GuestDIMM {
    var id: String
    var size: UInt64
    var address: UInt64
    /// Traps on a zero size or on overflow: the layouts are literals, a bad one is a bug in the test.
    var range: GuestRange { GuestRange(first: address, last: address + size - 1) }
}

enum GuestFirmware: CustomStringConvertible {
    /// QEMU's default BIOS (SeaBIOS on x86) with -kernel/-initrd.
    case seabios
    /// Debian's `ovmf`: split CODE (read-only) and VARS (a private copy) pflash images.
    case ovmf
    /// Debian's `qemu-efi-aarch64` as -bios; 7.2 enables ACPI (and so DIMMs) on virt only with it.
    case aavmf

    var description: String {
        switch self {
        case .seabios: return "SeaBIOS"
        case .ovmf: return "OVMF"
        case .aavmf: return "AAVMF"
        }
    }
}

struct GuestBootLayout {
    var name: String
    var architecture: GuestArchitecture
    var firmware: GuestFirmware
    /// Machine, CPU, -m, -global and cold -device pc-dimm arguments: the layout itself.
    var qemuArguments: [String]
    /// RAM the firmware reports to the guest (boot RAM). Below 4 GiB the firmware may keep some of it
    /// (SeaBIOS/OVMF tables, ACPI NVS): see `GuestChecks.maximumFirmwareCarveOut`.
    var bootRAM: [GuestRange]
    /// Cold-plugged DIMMs; their `-device` arguments are in `qemuArguments`.
    var coldDIMMs: [GuestDIMM]
    /// DIMMs the layout plans to hot-add; the harness adds them over QMP after the first report.
    var hotAddDIMMs: [GuestDIMM] = []
    /// The predicted 64-bit PCI hole, [pc_pci_hole64_start, +pci-hole64-size) on x86, the high
    /// PCIe MMIO window on virt.
    var pciHole64: GuestRange
    /// The narrowest host IOMMU's address width the layout was made for.
    var physBits: UInt32
    /// The memory block size the solver assumed the guest uses (x86_64: 128 MiB while boot memory
    /// ends below 64 GiB, Linux arch/x86/mm/init_64.c:probe_memory_block_size; arm64 with 4 KiB
    /// pages: 128 MiB, SECTION_SIZE_BITS 27 in arch/arm64/include/asm/sparsemem.h).
    var blockSize: UInt64
    /// Size of the ivshmem-plain BAR the harness adds to see where the firmware puts a large 64-bit
    /// BAR (0 = none).
    var largeBARSize: UInt64 = 8 << 30
    /// Debian kernel flavour (nil: generic linux-image-<arch>; "cloud": linux-image-cloud-<arch>).
    var kernelFlavour: String? = nil

    var coldDIMMRanges: [GuestRange] { coldDIMMs.map(\.range) }
    var hotAddRanges: [GuestRange] { hotAddDIMMs.map(\.range) }
}

extension GuestDIMM {
    /// The `-object`/`-device` pair for a cold DIMM.
    var qemuArguments: [String] {
        ["-object", "memory-backend-ram,id=\(id)-mem,size=\(size)",
         "-device", "pc-dimm,id=\(id),memdev=\(id)-mem,addr=0x\(String(address, radix: 16))"]
    }
}

extension UInt64 {
    static let MiB: UInt64 = 1 << 20
    static let GiB: UInt64 = 1 << 30
}
