// Self-tests of the QEMU harness (Support/QEMUProcess.swift, QMPClient.swift, MemoryTree.swift)
// against the real qemu-system-x86_64 7.2.22 (Debian bookworm), TCG, paused with -S.
// Every expected value below was observed on that binary and matches the derivations in
// Sources/LayoutSolver/LayoutSolver.docc/QEMUMemoryLayout.md (pc and q35 sections, AMD HyperTransport
// relocation, phys-bits, reading the map back).
// No LayoutSolver types are used here on purpose.

import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

private let GiB: UInt64 = 1 << 30

private func roundUp(_ v: UInt64, _ a: UInt64) -> UInt64 { (v + a - 1) / a * a }

/// PIDs of live processes whose command line mentions `needle` (e.g. a harness socket path).
private func processes(mentioning needle: String) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap { name -> Int32? in
        guard let pid = Int32(name),
              let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline"), !data.isEmpty
        else { return nil }
        // A zombie has an empty cmdline; a live process lists its argv NUL-separated.
        let cmd = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        return cmd.contains(needle) ? pid : nil
    }
}

@Suite("QEMU harness self-tests (real qemu-system-x86_64, TCG, paused)", .blocking)
struct HarnessSelfTests {

    // MARK: - q35 -m 4G

    @Test("q35 -m 4G: flat RAM of AS memory is pc.ram at 0-2G (minus 0xc0000-0xfffff) and 4G-6G",
          .requiresQEMU(), .timeLimit(.minutes(5)))
    func q35FourGiB() throws {
        let qemu = try QEMUProcess(arguments: ["-machine", "q35", "-m", "4G", "-cpu", "qemu64"])
        defer { qemu.stop() }

        let view = try qemu.flatView()
        #expect(view.addressSpaces.contains("memory"))
        #expect(view.rootRegion == "system")

        // What QEMU 7.2.22 shows (`info mtree -f`, FlatView of AS "memory", paused, no firmware run):
        //   0000000000000000-00000000000bffff (prio 0, ram): pc.ram
        //   00000000000c0000-00000000000dffff (prio 1, rom): pc.rom
        //   00000000000e0000-00000000000fffff (prio 0, rom): pc.bios @0000000000020000
        //   0000000000100000-000000007fffffff (prio 0, ram): pc.ram @0000000000100000
        //   00000000fec00000-00000000fec00fff (prio 0, i/o): ioapic
        //   00000000fed00000-00000000fed003ff (prio 0, i/o): hpet
        //   00000000fee00000-00000000feefffff (prio 4096, i/o): apic-msi
        //   00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios
        //   0000000100000000-000000017fffffff (prio 0, ram): pc.ram @0000000080000000
        // So the RAM gap in the low MiB is only 0xc0000-0xfffff (pc.rom, and the isa-bios alias of
        // the last 128 KiB of pc.bios), NOT the whole legacy window 0xa0000-0xfffff: the q35
        // `smram-region` alias at 0xa0000-0xbffff points into the PCI container, which is empty
        // there with -nodefaults (no VGA), and empty containers are transparent, so ram-below-4g
        // shows through. The PAM aliases (0xc0000-0xfffff) route to PCI where pc.rom/isa-bios live.
        #expect(view.ramRanges.map(\.description) == [
            "0000000000000000-00000000000bffff (prio 0, ram): pc.ram",
            "0000000000100000-000000007fffffff (prio 0, ram): pc.ram @0000000000100000",
            "0000000100000000-000000017fffffff (prio 0, ram): pc.ram @0000000080000000",
        ])
        let rom = view.ranges.filter { $0.type == "rom" }.map(\.description)
        #expect(rom == [
            "00000000000c0000-00000000000dffff (prio 1, rom): pc.rom",
            "00000000000e0000-00000000000fffff (prio 0, rom): pc.bios @0000000000020000",
            "00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios",
        ])
        #expect(view.range(containing: 0xfee0_0000)?.name == "apic-msi")
        #expect(view.range(containing: 0xfee0_0000)?.priority == 4096)

        // Structured fields of the above-4G piece.
        let high = try #require(view.range(containing: 4 * GiB))
        #expect(high.start == 0x1_0000_0000 && high.end == 0x1_7fff_ffff)
        #expect(high.name == "pc.ram" && high.type == "ram" && high.offset == 0x8000_0000)
        #expect(high.size == 2 * GiB)

        // Nothing in 2G..4G is RAM; total RAM is 4G minus the 256 KiB ROM window.
        #expect(view.ramRanges.allSatisfy { $0.end < 0x8000_0000 || $0.start >= 4 * GiB })
        #expect(view.ramRanges.reduce(0) { $0 + $1.size } == 4 * GiB - 0x40000)
        // The pieces are not adjacent, so merging changes nothing.
        #expect(view.ramRanges.merged() == view.ramRanges)

        // The non-flat tree has the two aliases of section 1.1.
        let tree = try qemu.memoryTree()
        let below = try #require(tree.first(named: "ram-below-4g"))
        #expect(below.start == 0 && below.end == 0x7fff_ffff)
        #expect(below.alias == .init(target: "pc.ram", start: 0, end: 0x7fff_ffff))
        let above = try #require(tree.first(named: "ram-above-4g"))
        #expect(above.start == 4 * GiB && above.end == 0x1_7fff_ffff)
        #expect(above.alias == .init(target: "pc.ram", start: 0x8000_0000, end: 0xffff_ffff))
        #expect(tree.first(named: "device-memory") == nil)

        // Section 1.2/1.3 values through qom-get.
        #expect(try qemu.qomGetUInt64("/machine/q35", "pci-hole-start") == 0x8000_0000)
        #expect(try qemu.qomGetUInt64("/machine/q35", "pci-hole64-start") == 0x1_8000_0000)
        #expect(try qemu.qomGetUInt64("/machine/q35", "pci-hole64-end") == 0x9_8000_0000)
        // MCFG is unmapped until firmware programs PCIEXBAR (full 64-bit value survives JSON).
        #expect(try qemu.qomGetUInt64("/machine/q35", "MCFG") == UInt64.max)

        // QEMU's own e820 (fw_cfg etc/e820): qemu64 is AuthenticAMD under TCG -> AMD HT hole entry.
        #expect(try qemu.e820Table().map(\.description) == [
            "0x000000fd00000000-0x000000ffffffffff type 2",
            "0x0000000000000000-0x000000007fffffff type 1",
            "0x0000000100000000-0x000000017fffffff type 1",
        ])
    }

    // MARK: - device-memory (empty container, only in the non-flat tree)

    @Test("q35 -m 2G,slots=4,maxmem=8G: device-memory 0x100000000-0x37fffffff, hole64 at 14G",
          .requiresQEMU(), .timeLimit(.minutes(5)))
    func q35DeviceMemory() throws {
        let qemu = try QEMUProcess(arguments: ["-machine", "q35", "-m", "2G,slots=4,maxmem=8G"])
        defer { qemu.stop() }

        let tree = try qemu.memoryTree()
        #expect(tree.addressSpaces.contains("memory"))
        let dm = try #require(tree.first(named: "device-memory"))
        // Base = ROUND_UP(above-4g end, 1G) = 4G (no above-4g RAM); size = 8G - 2G + 4 slots * 1G.
        #expect(dm.start == 0x1_0000_0000)
        #expect(dm.end == 0x3_7fff_ffff)
        #expect(dm.size == 10 * GiB)
        #expect(dm.type == "i/o")
        #expect(dm.children.isEmpty)
        #expect(tree.first(named: "ram-above-4g") == nil)

        // Empty containers do not appear in the flat view.
        let view = try qemu.flatView()
        #expect(view.ranges.named("device-memory").isEmpty)
        #expect(view.ramRanges.map(\.description) == [
            "0000000000000000-00000000000bffff (prio 0, ram): pc.ram",
            "0000000000100000-000000007fffffff (prio 0, ram): pc.ram @0000000000100000",
        ])

        #expect(try qemu.qomGetUInt64("/machine/q35", "pci-hole64-start") == 0x3_8000_0000)
        #expect(try qemu.qomGetUInt64("/machine", "device-memory-region-size") == 10 * GiB)
    }

    // MARK: - early exit with QEMU's own error text

    @Test("bad -machine argument: QEMUProcess throws QEMU's stderr and exit status",
          .requiresQEMU(), .timeLimit(.minutes(5)))
    func badArgumentThrowsStderr() throws {
        let error = #expect(throws: QEMUProcessError.self) {
            _ = try QEMUProcess(arguments: ["-machine", "q35,max-ram-below-4g=5G"])
        }
        let e = try #require(error)
        #expect(e.kind == .exitedEarly)
        #expect(e.exitStatus == .exited(1))
        #expect(e.stderr.contains("expects size less than or equal to 4G"))
        #expect(e.stderr.contains("Machine option 'max-ram-below-4g=5368709120' expects size less than or equal to 4G"))
        #expect(String(describing: e).contains("expects size less than or equal to 4G"))
        // Nothing left behind: no process mentions the socket path, temp dir gone.
        let sock = try #require(e.commandLine.first { $0.hasPrefix("unix:") })
        let path = String(sock.dropFirst(5).prefix { $0 != "," })
        #expect(processes(mentioning: path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: (path as NSString).deletingLastPathComponent))
    }

    @Test("error reported after the QMP greeting (phys-bits too low) is still an early exit",
          .requiresQEMU(), .timeLimit(.minutes(5)))
    func physBitsTooLowAfterGreeting() throws {
        // QEMU 7.2 sends the QMP greeting before pc_memory_init runs this check, so the harness
        // must notice the EOF during qmp_capabilities/query-status and report the exit.
        let error = #expect(throws: QEMUProcessError.self) {
            _ = try QEMUProcess(arguments: ["-machine", "q35", "-m", "4G",
                                            "-cpu", "max,host-phys-bits=off,phys-bits=33"])
        }
        let e = try #require(error)
        #expect(e.kind == .exitedEarly)
        #expect(e.exitStatus == .exited(1))
        // hole64 end = 0x980000000 (see q35FourGiB) > 2^33 - 1.
        #expect(e.stderr.contains("Address space limit 0x1ffffffff < 0x97fffffff phys-bits too low (33)"))
    }

    // MARK: - low RAM lowered to 0x7b800000, DIMM at 7 GiB

    @Test("q35 max-ram-below-4g=0x7b800000, 4219469824 B RAM, DIMM at 7 GiB: matches the derivation",
          .requiresQEMU(), .timeLimit(.minutes(5)))
    func loweredLowRAMAndDIMM() throws {
        let ramSize: UInt64 = 4_219_469_824  // 0xfb800000; decimal with B suffix (hex+B is misread)
        let maxRAMBelow4G: UInt64 = 0x7b80_0000
        let slots: UInt64 = 5
        let maxmem: UInt64 = 32 * GiB
        let dimmAddr: UInt64 = 0x1_c000_0000  // 7 GiB
        let qemu = try QEMUProcess(arguments: [
            "-machine", "pc-q35-7.2,max-ram-below-4g=0x7b800000",
            "-m", "size=\(ramSize)B,slots=\(slots),maxmem=32G",
            "-object", "memory-backend-ram,id=m0,size=1G",
            "-device", "pc-dimm,id=d0,memdev=m0,addr=0x1c0000000",
        ])
        defer { qemu.stop() }

        // Derivation (section 1.1/1.4): q35 lowmem = 0x80000000 (ram >= 0xb0000000), lowered to the
        // user's max-ram-below-4g; above-4g = rest from 4 GiB; device-memory from ROUND_UP(end, 1G).
        let below = min(0x8000_0000, maxRAMBelow4G)
        let above = ramSize - below
        let aboveEnd = 4 * GiB + above
        let dmBase = roundUp(aboveEnd, GiB)
        let dmSize = maxmem - ramSize + slots * GiB
        #expect(below == 0x7b80_0000 && aboveEnd == 6 * GiB && dmBase == 6 * GiB)

        let devices = try qemu.memoryDevices()
        #expect(devices.count == 1)
        let dimm = try #require(devices.first)
        #expect(dimm["type"] as? String == "dimm")
        let data = try #require(dimm["data"] as? [String: Any])
        #expect(data["id"] as? String == "d0")
        #expect(QMPValue.uint64(data["addr"]) == dimmAddr)
        #expect(QMPValue.uint64(data["size"]) == GiB)
        #expect(QMPValue.int(data["slot"]) == 0)
        #expect(QMPValue.int(data["node"]) == 0)
        #expect(data["memdev"] as? String == "/objects/m0")
        #expect(data["hotplugged"] as? Bool == false)

        // Observed flat RAM of AS "memory":
        let view = try qemu.flatView()
        #expect(view.ramRanges.map(\.description) == [
            "0000000000000000-00000000000bffff (prio 0, ram): pc.ram",
            "0000000000100000-000000007b7fffff (prio 0, ram): pc.ram @0000000000100000",
            "0000000100000000-000000017fffffff (prio 0, ram): pc.ram @000000007b800000",
            "00000001c0000000-00000001ffffffff (prio 0, ram): m0",
        ])
        let ram = view.ramRanges
        try #require(ram.count == 4)
        #expect(ram[1].end + 1 == below)
        #expect(ram[2].start == 4 * GiB && ram[2].end + 1 == aboveEnd && ram[2].offset == below)
        #expect(ram[3].start == dimmAddr && ram[3].size == GiB && ram[3].offset == nil)

        let tree = try qemu.memoryTree()
        let dm = try #require(tree.first(named: "device-memory"))
        #expect(dm.start == dmBase)
        #expect(dm.size == dmSize)
        #expect(dm.end == 0x9_c47f_ffff)
        #expect(dm.children.map(\.description) == [
            "00000001c0000000-00000001ffffffff (prio 0, ram): m0",
        ])
        #expect(tree.first(named: "ram-above-4g")?.alias
                == .init(target: "pc.ram", start: below, end: ramSize - 1))

        // hole64 starts at ROUND_UP(device-memory end, 1G) = 40 GiB.
        #expect(try qemu.qomGetUInt64("/machine/q35", "pci-hole64-start") == roundUp(dmBase + dmSize, GiB))
        #expect(try qemu.qomGetUInt64("/machine/q35", "pci-hole64-start") == 0xa_0000_0000)
        #expect(try qemu.qomGetUInt64("/machine", "max-ram-below-4g") == maxRAMBelow4G)
        let summary = try #require(try qemu.execute("query-memory-size-summary") as? [String: Any])
        #expect(QMPValue.uint64(summary["base-memory"]) == ramSize)
        #expect(QMPValue.uint64(summary["plugged-memory"]) == GiB)

        // The performance warning of the domain file's "Gotchas".
        #expect(qemu.stderr.contains("max-ram-below-4g is not a multiple of 1G"))
    }

    // MARK: - phys-bits and vendor under TCG

    struct CPUCase: Sendable, CustomTestStringConvertible {
        var cpu: String
        var physBits: Int
        var vendor: String
        /// QEMU adds the AMD HT e820 entry iff vendor is AMD and phys-bits >= 40 (section 2).
        var htE820: Bool
        var testDescription: String { cpu }
    }

    @Test("TCG accepts phys-bits other than 40 and the vendor override",
          .requiresQEMU(), .timeLimit(.minutes(5)),
          arguments: [
              CPUCase(cpu: "max,host-phys-bits=off,phys-bits=39,vendor=GenuineIntel",
                      physBits: 39, vendor: "GenuineIntel", htE820: false),
              CPUCase(cpu: "max,phys-bits=44,vendor=AuthenticAMD",
                      physBits: 44, vendor: "AuthenticAMD", htE820: true),
              CPUCase(cpu: "max", physBits: 40, vendor: "AuthenticAMD", htE820: true),
              // host-phys-bits is applied only under KVM/HVF: under TCG it stays at 40.
              CPUCase(cpu: "max,host-phys-bits=on", physBits: 40, vendor: "AuthenticAMD", htE820: true),
              CPUCase(cpu: "qemu64,phys-bits=39", physBits: 39, vendor: "AuthenticAMD", htE820: false),
          ])
    func physBitsAndVendor(_ c: CPUCase) throws {
        let qemu = try QEMUProcess(arguments: ["-machine", "q35", "-m", "4G", "-cpu", c.cpu])
        defer { qemu.stop() }
        let cpu = try qemu.firstCPUPath()
        #expect(QMPValue.int(try qemu.qomGet(cpu, "phys-bits")) == c.physBits)
        #expect(try qemu.qomGet(cpu, "vendor") as? String == c.vendor)
        #expect(qemu.stderr.isEmpty)
        let e820 = try qemu.e820Table()
        #expect(e820.contains(E820Entry(address: 0xfd_0000_0000, length: 12 * GiB, type: 2)) == c.htE820)
    }

    @Test("the CPU vendor decides AMD 1 TiB relocation under TCG; phys-bits 39 is enforced",
          .requiresQEMU(), .timeLimit(.minutes(5)))
    func vendorDecidesRelocation() throws {
        // 4G RAM + 996G device memory + 32G hole64 crosses 0xfd00000000 (section 2).
        let mem = ["-machine", "q35", "-m", "4G,slots=2,maxmem=1000G"]

        let amd = try QEMUProcess(arguments: mem + ["-cpu", "max,phys-bits=44,vendor=AuthenticAMD"])
        defer { amd.stop() }
        let amdTree = try amd.memoryTree()
        #expect(amdTree.first(named: "ram-above-4g")?.start == 0x100_0000_0000)
        #expect(amdTree.first(named: "device-memory")?.start == 0x100_8000_0000)
        #expect(try amd.flatView().ramRanges.last?.description
                == "0000010000000000-000001007fffffff (prio 0, ram): pc.ram @0000000080000000")
        amd.stop()

        let intel = try QEMUProcess(arguments: mem + ["-cpu", "max,phys-bits=44,vendor=GenuineIntel"])
        defer { intel.stop() }
        let intelTree = try intel.memoryTree()
        #expect(intelTree.first(named: "ram-above-4g")?.start == 4 * GiB)
        #expect(intelTree.first(named: "device-memory")?.start == 6 * GiB)
        intel.stop()

        // 39 bits cannot hold that layout: QEMU's own max-GPA check (section 3) rejects it.
        let error = #expect(throws: QEMUProcessError.self) {
            _ = try QEMUProcess(arguments: mem + ["-cpu", "max,host-phys-bits=off,phys-bits=39,vendor=GenuineIntel"])
        }
        #expect(error?.stderr.contains("phys-bits too low (39)") == true)

        // Out-of-range phys-bits is a CPU property error.
        let range = #expect(throws: QEMUProcessError.self) {
            _ = try QEMUProcess(arguments: ["-machine", "q35", "-cpu", "max,phys-bits=53"])
        }
        #expect(range?.stderr.contains("phys-bits should be between 32 and 52") == true)
    }

    // MARK: - aarch64 virt (same harness, other binary)

    @Test("aarch64 virt -m 2G,slots=2,maxmem=4G: RAM at 1G, device-memory at 3G, high MMIO at 512G",
          .requiresQEMU("qemu-system-aarch64"), .timeLimit(.minutes(5)))
    func armVirt() throws {
        let qemu = try QEMUProcess(binary: "qemu-system-aarch64",
                                   arguments: ["-machine", "virt", "-cpu", "max", "-m", "2G,slots=2,maxmem=4G"])
        defer { qemu.stop() }
        #expect(try qemu.flatView().ramRanges.map(\.description) == [
            "0000000040000000-00000000bfffffff (prio 0, ram): mach-virt.ram",
        ])
        let tree = try qemu.memoryTree()
        // device-memory = [ROUND_UP(1G + 2G, 1G), + (4G - 2G) + 2 slots * 1G) (section 4).
        let dm = try #require(tree.first(named: "device-memory"))
        #expect(dm.start == 3 * GiB && dm.size == 4 * GiB)
        let ecam = try #require(tree.first(named: "pcie-ecam"))
        #expect(ecam.start == 0x40_1000_0000 && ecam.alias?.target == "pcie-mmcfg-mmio")
        let high = try #require(tree.first(named: "pcie-mmio-high"))
        #expect(high.start == 0x80_0000_0000 && high.end == 0xff_ffff_ffff)
        #expect(high.alias?.target == "gpex_mmio_window")
    }

    // MARK: - lifecycle

    @Test("stop() kills and reaps QEMU and removes its temp dir; QMP errors carry class/desc",
          .requiresQEMU(), .timeLimit(.minutes(5)))
    func lifecycleAndQMPErrors() throws {
        let qemu = try QEMUProcess(arguments: ["-machine", "q35", "-m", "512M"])
        #expect(qemu.isRunning)
        #expect(qemu.qmp.qemuVersion?.major ?? 0 >= 7)
        let status = try #require(try qemu.execute("query-status") as? [String: Any])
        #expect(status["status"] as? String == "prelaunch")
        #expect(status["running"] as? Bool == false)
        #expect(processes(mentioning: qemu.socketPath).count >= 1)

        let err = #expect(throws: QMPError.self) { try qemu.execute("no-such-command") }
        if case let .commandFailed(cmd, cls, desc)? = err {
            #expect(cmd == "no-such-command")
            #expect(cls == "CommandNotFound")
            #expect(desc.contains("no-such-command"))
        } else {
            Issue.record("expected commandFailed, got \(String(describing: err))")
        }
        // Still usable after an error.
        #expect(try qemu.humanMonitorCommand("info status").contains("prelaunch"))

        qemu.stop()
        #expect(!qemu.isRunning)
        #expect(qemu.exitStatus == .signaled(SIGKILL))
        #expect(processes(mentioning: qemu.socketPath).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: qemu.temporaryDirectory))
        qemu.stop()  // idempotent

        // A QEMU that quits on its own is reported, not hung on.
        let q2 = try QEMUProcess(arguments: ["-machine", "q35", "-m", "512M"])
        _ = try? q2.execute("quit")
        let after = #expect(throws: QEMUProcessError.self) { try q2.execute("query-status") }
        #expect(after?.kind == .exitedDuringCommand)
        #expect(after?.exitStatus == .exited(0))
        q2.stop()

        // A hung QEMU (SIGSTOP) makes the command time out instead of hanging the test, and
        // stop() still kills it.
        let q3 = try QEMUProcess(arguments: ["-machine", "q35", "-m", "512M"])
        q3.qmp.timeout = 0.5
        kill(q3.pid, SIGSTOP)
        let started = Date()
        let hung = #expect(throws: QEMUProcessError.self) { try q3.execute("query-status") }
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(hung?.kind == .commandTimedOut && hung?.exitStatus == nil)
        #expect(hung?.message.contains("timed out") == true)
        q3.stop()
        #expect(q3.exitStatus == .signaled(SIGKILL))
        #expect(processes(mentioning: q3.socketPath).isEmpty)
    }

    @Test("skip policy: a missing binary skips locally but runs (and fails) when CI is set")
    func skipPolicy() {
        #expect(QEMUProcess.find("qemu-system-does-not-exist") == nil)
        #expect(!QEMUProcess.shouldRunTests(binary: "qemu-system-does-not-exist", environment: [:]))
        #expect(QEMUProcess.shouldRunTests(binary: "qemu-system-does-not-exist", environment: ["CI": "true"]))
        #expect(QEMUProcess.shouldRunTests(binary: "qemu-system-does-not-exist", environment: ["CI": "1"]))
        #expect(!QEMUProcess.shouldRunTests(binary: "qemu-system-does-not-exist", environment: ["CI": "false"]))
        #expect(QEMUProcess.find("/bin/sh") == "/bin/sh")
        if QEMUProcess.isCI() {
            // CI installs QEMU: both binaries the integration tests use must be there.
            #expect(QEMUProcess.find("qemu-system-x86_64") != nil)
            #expect(QEMUProcess.find("qemu-system-aarch64") != nil)
        }
        let e = #expect(throws: QEMUProcessError.self) {
            _ = try QEMUProcess(binary: "qemu-system-does-not-exist", arguments: [])
        }
        #expect(e?.kind == .binaryNotFound)
    }

    // MARK: - parsers on captured 7.2 text (format details the live runs may not exercise)

    @Test("flat-view parser: AS selection, CRLF, several AS lines, offsets, merging")
    func flatParser() throws {
        let text = [
            "FlatView #0",
            " AS \"cpu-smm-0\", root: memory",
            " Root memory region: memory",
            "  0000000000000000-00000000000bffff (prio 0, ram): pc.ram",
            "",
            "FlatView #1",
            " AS \"memory\", root: system",
            " AS \"cpu-memory-0\", root: system",
            " Root memory region: system",
            "  0000000000000000-000000000009ffff (prio 0, ram): pc.ram",
            "  00000000000a0000-00000000000bffff (prio 0, ram): pc.ram @00000000000a0000",
            "  00000000000c0000-00000000000dffff (prio 1, rom): pc.rom",
            "  0000000000100000-000000003fffffff (prio 0, ram): pc.ram @0000000000100000",
            "  0000000040000000-000000007fffffff (prio 0, ram): pc.ram @0000000050000000",
            "  0000000080000000-00000000800fffff (prio 0, ram): platform bus",
            "  00000000fee00000-00000000feefffff (prio 4096, i/o): apic-msi",
            "",
            "FlatView #2",
            " AS \"mch\", root: bus master container",
            " Root memory region: (none)",
            "  No rendered FlatView",
        ].joined(separator: "\r\n")
        let views = try MemoryTree.parseFlatViews(text)
        try #require(views.map(\.number) == [0, 1, 2])
        #expect(views[2].rootRegion == nil && views[2].ranges.isEmpty)
        let v = try MemoryTree.flatView(in: text)
        #expect(v.number == 1)
        #expect(v.addressSpaces == ["memory", "cpu-memory-0"])
        try #require(v.ranges.count == 7)
        #expect(v.ranges[5].name == "platform bus" && v.ranges[5].offset == nil)
        #expect(v.ranges[6].priority == 4096 && v.ranges[6].type == "i/o")
        try #require(v.ramRanges.count == 5)
        // 0-0x9ffff and 0xa0000-0xbffff (@0xa0000) merge; 0x40000000 @0x50000000 is not contiguous
        // in the region, and "platform bus" is another region.
        #expect(v.ramRanges.merged().map(\.description) == [
            "0000000000000000-00000000000bffff (prio 0, ram): pc.ram",
            "0000000000100000-000000003fffffff (prio 0, ram): pc.ram @0000000000100000",
            "0000000040000000-000000007fffffff (prio 0, ram): pc.ram @0000000050000000",
            "0000000080000000-00000000800fffff (prio 0, ram): platform bus",
        ])
        #expect(throws: MemoryTreeError.self) { try MemoryTree.flatView(addressSpace: "nope", in: text) }
        #expect(throws: MemoryTreeError.self) {
            try MemoryTree.parseFlatViews("FlatView #0\n AS \"memory\", root: system\n  0000-zz (prio 0, ram): x")
        }
    }

    @Test("tree parser: nesting, aliases, grouped address-space headers, disabled regions")
    func treeParser() throws {
        let text = """
            address-space: cpu-memory-0
            address-space: memory
              0000000000000000-ffffffffffffffff (prio 0, i/o): system
                0000000000000000-000000007fffffff (prio 0, ram): alias ram-below-4g @pc.ram 0000000000000000-000000007fffffff
                0000000000000000-ffffffffffffffff (prio -1, i/o): pci
                  00000000000c0000-00000000000dffff (prio 1, rom): pc.rom
                00000000000a0000-00000000000bffff (prio 1, i/o): alias smram-region @pci 00000000000a0000-00000000000bffff [disabled]
                0000000200000000-000000037fffffff (prio 0, i/o): device-memory
                  0000000200000000-000000023fffffff (prio 0, ram): m0

            address-space: I/O
              0000000000000000-000000000000ffff (prio 0, i/o): io

            memory-region: pc.ram
              0000000000000000-000000017fffffff (prio 0, ram): pc.ram

            """
        let trees = try MemoryTree.parseTrees(text)
        try #require(trees.count == 3)
        #expect(trees[2].memoryRegions == ["pc.ram"])
        let t = try MemoryTree.tree(in: text)
        #expect(t.addressSpaces == ["cpu-memory-0", "memory"])
        try #require(t.roots.count == 1)
        let system = t.roots[0]
        #expect(system.name == "system" && system.end == .max && system.size == 0)
        #expect(system.children.map(\.name) == ["ram-below-4g", "pci", "smram-region", "device-memory"])
        let pci = try #require(t.first(named: "pci"))
        #expect(pci.priority == -1 && pci.children.map(\.name) == ["pc.rom"])
        let smram = try #require(t.first(named: "smram-region"))
        #expect(!smram.enabled && smram.alias?.target == "pci" && smram.alias?.end == 0xbffff)
        let dm = try #require(t.first(named: "device-memory"))
        #expect(dm.start == 0x2_0000_0000 && dm.end == 0x3_7fff_ffff && dm.children.first?.name == "m0")
        #expect(t.allNodes.count == 7)
        #expect(t.first(named: "io") == nil)
    }
}
