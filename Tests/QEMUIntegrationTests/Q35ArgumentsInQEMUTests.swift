import Foundation
import LayoutSolver
import Testing
import TestSupport

/// The emitted q35 arguments, proven: a real, paused qemu-system-x86_64 (Debian's 7.2, and 10.0) is started
/// from `qemu.argv` and its flat memory map must show exactly the predicted RAM, clear of every
/// host's holes.
@Suite("q35 arguments in real QEMU 7.2 and 10.0", .blocking)
struct Q35ArgumentsInQEMUTests {
    static let gib = LayoutProof.gib

    static func hosts(_ paths: String...) throws -> [HostProfile] { try LayoutProof.hosts(paths) }
    static func host(_ name: String, vendor: HostCPUVendor = "intel", cpuBits: Int = 46, iommuBits: Int = 48, reserved: [(UInt64, UInt64, ReservedType)]) -> HostProfile {
        LayoutProof.host(name, vendor: vendor, cpuBits: cpuBits, iommuBits: iommuBits, reserved: reserved)
    }
    func prove(on binary: QEMUBinary, _ hosts: [HostProfile], _ vm: VMSpec, backing: QEMUArguments.Options.Backing? = nil) throws -> (Solution, QEMUProcess) {
        try LayoutProof.prove(on: binary, hosts, vm, backing: backing)
    }
    func temporaryFolder() throws -> URL { try LayoutProof.temporaryFolder() }

    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func rmrrBelow4GiBShortensLowRAM(on binary: QEMUBinary) throws {
        let hosts = try Self.hosts("Examples/fleets/xeon-rmrr-strict/")
        let (solution, qemu) = try prove(on: binary, hosts, VMSpec(ram: 6 * Self.gib, cpuModel: "max"))
        defer { qemu.stop() }
        guard let knobs = solution.layout.guest.knobs.pc else { return }
        #expect(knobs.maxRamBelow4G != nil && knobs.maxRamBelow4G! <= 0x7bb2_4000)
        #expect(try qemu.qomGetUInt64("/machine", "max-ram-below-4g") == knobs.maxRamBelow4G)
    }

    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func holeAbove4GiBSplitsRAMIntoADIMM(on binary: QEMUBinary) throws {
        let hosts = [try Self.hosts("Profiles/intel-xeon-vtd48.json")[0], Self.host("hole-at-8g", reserved: [(8 * Self.gib, 9 * Self.gib - 1, .reserved)])]
        let (solution, qemu) = try prove(on: binary, hosts, VMSpec(ram: 16 * Self.gib, cpuModel: "max"))
        defer { qemu.stop() }
        #expect(solution.layout.dimmCount == 1)
    }

    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func narrowIOMMUHostWithMaxmemAndSlots(on binary: QEMUBinary) throws {
        let hosts = try Self.hosts("Examples/fleets/mixed-x86/")
        let (solution, qemu) = try prove(on: binary, hosts, VMSpec(ram: 12 * Self.gib, maxmem: 20 * Self.gib, slots: 2, cpuModel: "max"))
        defer { qemu.stop() }
        // 38: within the 39-bit IOMMU, and trusted by no firmware (BARs stay in pci-hole64).
        #expect(solution.layout.physBits == 38)
        let hole64End = try qemu.qomGetUInt64("/machine/q35", "pci-hole64-end")
        #expect(hole64End <= UInt64(1) << 38)
        #expect(hole64End == solution.layout.regions.first { $0.kind == .pciHole64 }!.range.last + 1)
        let tree = try qemu.memoryTree()
        let device = try #require(tree.first(named: "device-memory"))
        #expect(device.start...device.end == solution.layout.regions.first { $0.kind == .deviceMemory }!.range.start...solution.layout.regions.first { $0.kind == .deviceMemory }!.range.last)
    }

    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func hugepageAlignedPieces(on binary: QEMUBinary) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let hosts = [Self.host("odd-holes", reserved: [(0x5000_0000, 0x5000_0fff, .direct), (7 * Self.gib + 0x20_0000, 8 * Self.gib, .reserved)])]
        let (solution, qemu) = try prove(on: binary, hosts, VMSpec(ram: 10 * Self.gib, ramAlign: Self.gib, cpuModel: "max"), backing: .file(folder: folder.path, shared: true))
        defer { qemu.stop() }
        for region in solution.layout.regions where region.kind == .ram || region.kind == .dimm {
            #expect(region.range.start % Self.gib == 0 && (region.range.last + 1) % Self.gib == 0, "\(region.name) \(region.range)")
        }
        #expect(solution.layout.dimmCount == 1)
    }

    /// More than 1 TiB of RAM on a small machine: the RAM is backed by sparse shared files, which
    /// QEMU maps without committing memory, and a paused guest never touches it.
    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func intelVCPUStepsOverTheHyperTransportHoleAt1TiB(on binary: QEMUBinary) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let hosts = try Self.hosts("Profiles/intel-xeon-vtd48.json", "Profiles/amd-epyc-7003.json")
        let (solution, qemu) = try prove(on: binary, hosts, VMSpec(ram: 1100 * Self.gib, cpuModel: "max", cpuVendor: .intel), backing: .file(folder: folder.path, shared: true))
        defer { qemu.stop() }
        guard let knobs = solution.layout.guest.knobs.pc else { return }
        #expect(knobs.dimms.map(\.address) == [0x100_0000_0000])
    }

    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func amdVCPURelocatesAbove1TiB(on binary: QEMUBinary) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let hosts = try Self.hosts("Profiles/amd-epyc-7003.json")
        let (solution, qemu) = try prove(on: binary, hosts, VMSpec(ram: 1100 * Self.gib, cpuModel: "max"), backing: .file(folder: folder.path, shared: true))
        defer { qemu.stop() }
        #expect(solution.layout.cpuVendor == .amd)
        #expect(solution.layout.regions.first { $0.name == "ram-above-4g" }?.range.start == 0x100_0000_0000)
        #expect(try qemu.e820Table().contains { $0.address == 0xfd_0000_0000 && $0.type == 2 })
    }
}
