// Fast checks of the report parser and of every guest check, on a report a real q35 + SeaBIOS guest
// printed (GuestLayouts.q35, trimmed: nested iomem lines and empty PCI resources removed, one kernel
// message left interleaved). They run without QEMU and show each check fires on the fault it names.

import Foundation
import Testing

@Suite("Guest report checks (no boot)")
struct GuestChecksTests {
    /// As it arrives from the serial port: "\r\n" line ends.
    static let console = #"""
    @@BEGIN iomem boot
    00000000-00000fff : Reserved
    00001000-0009fbff : System RAM
    0009fc00-0009ffff : Reserved
    000a0000-000bffff : PCI Bus 0000:00
    000c0000-000c05ff : Video ROM
    000f0000-000fffff : Reserved
      000f0000-000fffff : System ROM
    00100000-7ffdffff : System RAM
      69e00000-6adfffff : Kernel code
      6ae00000-6b96cfff : Kernel rodata
      6ba00000-6bc70d7f : Kernel data
      6c52f000-6c9fffff : Kernel bss
    7ffe0000-7fffffff : Reserved
    80000000-afffffff : PCI Bus 0000:00
    b0000000-bfffffff : PCI ECAM 0000 [bus 00-ff]
      b0000000-bfffffff : Reserved
    c0000000-febfffff : PCI Bus 0000:00
      febfe000-febfe0ff : 0000:00:01.0
      febff000-febfffff : 0000:00:1f.2
    [   10.482113] ACPI: \_SB_.PCI0.S08.S00: some late message
    fec00000-fec003ff : IOAPIC 0
    fed00000-fed003ff : HPET 0
      fed00000-fed003ff : PNP0103:00
    fed1c000-fed1ffff : Reserved
    fffc0000-ffffffff : Reserved
    100000000-13fffffff : System RAM
    140000000-147ffffff : System RAM
    150000000-15fffffff : System RAM
    600000000-dffffffff : PCI Bus 0000:00
      600000000-7ffffffff : 0000:00:01.0
    @@END iomem boot
    @@BEGIN memmap boot
    0x140000000 0x147ffffff System RAM
    0x150000000 0x15fffffff System RAM
    0x100000000 0x13fffffff System RAM
    0x0 0x9fbff System RAM
    0x9fc00 0x9ffff Reserved
    0xf0000 0xfffff Reserved
    0x100000 0x7ffdffff System RAM
    0x7ffe0000 0x7fffffff Reserved
    0xb0000000 0xbfffffff Reserved
    0xfed1c000 0xfed1ffff Reserved
    0xfffc0000 0xffffffff Reserved
    @@END memmap boot
    @@BEGIN blocksize boot
    8000000
    @@END blocksize boot
    @@BEGIN blocks boot
    0 1
    1 1
    10 1
    11 1
    12 1
    13 1
    14 1
    15 1
    2 1
    3 1
    32 1
    33 1
    34 1
    35 1
    36 1
    37 1
    38 1
    39 1
    4 1
    40 1
    42 1
    43 1
    5 1
    6 1
    7 1
    8 1
    9 1
    @@END blocks boot
    @@BEGIN pci boot
    device 0000:00:00.0 0x8086 0x29c0
    device 0000:00:01.0 0x1af4 0x1110
    0x00000000febfe000 0x00000000febfe0ff 0x0000000000040200
    0x0000000600000000 0x00000007ffffffff 0x000000000014220c
    device 0000:00:1f.0 0x8086 0x2918
    device 0000:00:1f.2 0x8086 0x2922
    0x000000000000c040 0x000000000000c05f 0x0000000000040101
    0x00000000febff000 0x00000000febfffff 0x0000000000040200
    device 0000:00:1f.3 0x8086 0x2930
    0x0000000000000700 0x000000000000073f 0x0000000000040101
    @@END pci boot
    @@BEGIN e820 boot
    @@END e820 boot
    """#.replacingOccurrences(of: "\n", with: "\r\n")

    let layout = GuestLayouts.q35(firmware: .seabios, name: "q35-fixture")

    func report(_ console: String = GuestChecksTests.console) throws -> GuestReport {
        try GuestReport(console: console, tag: "boot")
    }

    @Test func parsesTheRealReport() throws {
        let r = try report()
        #expect(r.blockSize == 128 * .MiB)
        #expect(r.blocks.count == 27 && r.blocks.allSatisfy(\.online))
        #expect(r.systemRAM.contains(GuestRange(first: 0x1_5000_0000, last: 0x1_5fff_ffff)))
        #expect(r.pci.contains { $0.is64Bit && $0.range == GuestRange(first: 0x6_0000_0000, last: 0x7_ffff_ffff) })
        #expect(!r.iomem.contains { $0.name.contains("late message") })
        #expect(GuestChecks.problems(r, layout: layout, withHotAdd: false) == [])
    }

    @Test func missingSectionIsAnError() {
        #expect(throws: ReportParseError.self) { try GuestReport(console: "@@BEGIN iomem boot\n@@END iomem boot\n", tag: "boot") }
    }

    @Test func wrongBlockSizeAssumption() throws {
        var l = layout
        l.blockSize = 256 * .MiB
        #expect(GuestChecks.problems(try report(), layout: l, withHotAdd: false).contains { $0.hasPrefix("guest memory block size 0x8000000") })
    }

    @Test func unpredictedRAM() throws {
        var l = layout
        l.coldDIMMs.removeLast()
        let problems = GuestChecks.problems(try report(), layout: l, withHotAdd: false)
        #expect(problems.contains("guest has System RAM at 0x150000000-0x15fffffff that the layout does not predict"))
        #expect(problems.contains("firmware memory map has RAM at 0x150000000-0x15fffffff that the layout does not predict"))
    }

    @Test func plannedHotAddNotYetInTheGuest() throws {
        let problems = GuestChecks.problems(try report(), layout: layout, withHotAdd: true)
        #expect(problems.contains { $0.hasPrefix("layout RAM 0x180000000-0x19fffffff is not System RAM") })
    }

    @Test func offlineBlock() throws {
        let r = try report(Self.console.replacingOccurrences(of: "\r\n42 1\r\n", with: "\r\n42 0\r\n"))
        #expect(GuestChecks.problems(r, layout: layout, withHotAdd: false).contains("memory block 42 is offline"))
    }

    @Test func barOutsideTheHoleOrAbovePhysBits() throws {
        var l = layout
        l.pciHole64 = GuestRange(first: 22 * .GiB, last: 24 * .GiB - 1)
        l.physBits = 34
        let problems = GuestChecks.problems(try report(), layout: l, withHotAdd: false)
        #expect(problems.contains("BAR 1 of 0000:00:01.0 at 0x600000000-0x7ffffffff is outside pci-hole64 0x580000000-0x5ffffffff"))
        #expect(problems.contains("BAR 1 of 0000:00:01.0 at 0x600000000-0x7ffffffff is above 2^34"))
    }

    @Test func tooMuchBootRAMKeptByFirmware() throws {
        var l = layout
        l.bootRAM[1] = GuestRange(first: 0x10_0000, last: 0x8fff_ffff)   // claims 256 MiB that are PCI/ECAM in the guest
        #expect(GuestChecks.problems(try report(), layout: l, withHotAdd: false).contains { $0.hasPrefix("firmware kept 0x") })
    }

    @Test func lowRAMPredictedTooHigh() throws {
        var l = layout
        l.bootRAM[1] = GuestRange(first: 0x10_0000, last: 0x807f_ffff)   // 8 MiB into the guest's PCI window
        let problems = GuestChecks.problems(try report(), layout: l, withHotAdd: false)
        #expect(problems == ["layout RAM 0x80000000-0x807fffff is neither System RAM nor kept by firmware in the guest (iomem: 0x80000000-0xafffffff PCI Bus 0000:00)"])
    }

    /// A fact of the captured q35 + SeaBIOS report: QEMU's published 64-bit window starts at the
    /// firmware's first 64-bit BAR (24G), not at the predicted hole start (22G), and keeps the
    /// hole's size, so it ends 2 GiB past the predicted end.
    @Test func publishedWindowShiftsWithTheFirmware() throws {
        #expect(GuestChecks.windowProblems(try report(), layout: layout)
                == ["64-bit PCI window 0x600000000-0xdffffffff leaves the predicted pci-hole64 0x580000000-0xd7fffffff"])
    }

    @Test func kvmArgumentsRunUnderTCG() {
        #expect(TCGArguments.adapt(["-machine", "q35,accel=kvm", "-enable-kvm", "-cpu", "host,host-phys-bits=off,phys-bits=39,vendor=GenuineIntel", "-m", "4G"],
                                   architecture: .x86_64)
                == ["-machine", "q35", "-cpu", "max,host-phys-bits=off,phys-bits=39,vendor=GenuineIntel", "-m", "4G"])
        #expect(TCGArguments.adapt(["-cpu", "host"], architecture: .aarch64) == ["-cpu", "max,pauth-impdef=on"])
    }

    @Test func initramfsIsNewcCpio() {
        let archive = Initramfs.build(busybox: Data([1, 2, 3]), initScript: "#!/bin/sh\n")
        #expect(archive.count % 4 == 0)
        #expect(archive.prefix(6) == Data("070701".utf8))
        #expect(String(decoding: archive.suffix(200), as: UTF8.self).contains("TRAILER!!!"))
    }
}
