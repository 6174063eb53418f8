import Foundation
import LayoutSolver
import Testing

/// The emitted q35 arguments, proven: a real, paused qemu-system-x86_64 (Debian's 7.2) is started
/// from `qemu.argv` and its flat memory map must show exactly the predicted RAM, clear of every
/// host's holes.
@Suite("q35 arguments in a real QEMU 7.2")
struct Q35ArgumentsInQEMUTests {
    static let gib: UInt64 = 1 << 30

    static let repository: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("no Package.swift above \(#filePath)")
    }()

    static func hosts(_ paths: String...) throws -> [HostProfile] {
        try InputLoader.loadHosts(paths: paths.map { repository.appendingPathComponent($0).path })
    }

    static func host(_ name: String, vendor: String = "intel", cpuBits: Int = 46, iommuBits: Int = 48, reserved: [(UInt64, UInt64, ReservedType)]) -> HostProfile {
        HostProfile(
            name: name, arch: .x86_64, cpuVendor: vendor, cpuPhysBits: cpuBits, iommuKind: "test", iommuAddressBits: iommuBits,
            reserved: [ReservedRegion(range: AddressRange(start: 0xfee0_0000, last: 0xfeef_ffff)!, type: .msi)]
                + reserved.map { ReservedRegion(range: AddressRange(start: $0.0, last: $0.1)!, type: $0.2) },
            file: "\(name).json")
    }

    /// Address ranges merged where one ends right before the next starts.
    static func merged(_ ranges: [(UInt64, UInt64)]) -> [ClosedRange<UInt64>] {
        var result: [ClosedRange<UInt64>] = []
        for (start, end) in ranges.sorted(by: { $0.0 < $1.0 }) {
            if let last = result.last, last.upperBound &+ 1 == start {
                result[result.count - 1] = last.lowerBound...end
            } else {
                result.append(start...end)
            }
        }
        return result
    }

    /// What the flat view must show as RAM: the layout's RAM and DIMMs, less the ROM window.
    static func predictedRAM(_ layout: GuestLayout) -> [ClosedRange<UInt64>] {
        var pieces: [(UInt64, UInt64)] = []
        let rom = Q35Constants.romWindow
        for region in layout.regions where region.kind == .ram || region.kind == .dimm {
            if region.range.overlaps(rom) {
                if region.range.start < rom.start { pieces.append((region.range.start, rom.start - 1)) }
                if region.range.last > rom.last { pieces.append((rom.last + 1, region.range.last)) }
            } else {
                pieces.append((region.range.start, region.range.last))
            }
        }
        return merged(pieces)
    }

    @discardableResult
    func prove(_ hosts: [HostProfile], _ vm: VMSpec, backing: QEMUArguments.Options.Backing? = nil) throws -> (Solution, QEMUProcess) {
        let solution = try Solver.solve(hosts: hosts, vm: vm)
        let argv = QEMUArguments.argv(for: solution.layout, options: .init(backing: backing))
        let qemu = try QEMUProcess(arguments: argv)
        let seen = Self.merged(try qemu.flatView().ramRanges.map { ($0.start, $0.end) })
        #expect(seen == Self.predictedRAM(solution.layout), "argv: \(argv.joined(separator: " "))")
        for range in seen {
            for host in hosts {
                #expect(range.upperBound < UInt64(1) << UInt64(host.iommuAddressBits), "\(host.name): \(range) past its IOMMU width")
                for region in host.reserved where region.type.blocksDMA(strictRelaxable: false) {
                    #expect(!(region.range.start <= range.upperBound && range.lowerBound <= region.range.last), "\(host.name): RAM \(range) overlaps \(region.label)")
                }
            }
        }
        guard case .q35(let knobs) = solution.layout.knobs else { throw CancellationError() }
        let devices = try qemu.memoryDevices()
        let plugged = devices.compactMap { ($0["data"] as? [String: Any]).flatMap { data in QMPValueReader.uint64(data["addr"]) } }.sorted()
        #expect(plugged == knobs.dimms.map(\.address).sorted())
        let cpu = try qemu.firstCPUPath()
        #expect(try qemu.qomGetUInt64(cpu, "phys-bits") == UInt64(solution.layout.physBits))
        return (solution, qemu)
    }

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-ram-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test(.requiresQEMU(), .timeLimit(.minutes(1)))
    func rmrrBelow4GiBShortensLowRAM() throws {
        let hosts = try Self.hosts("Examples/fleets/xeon-rmrr-strict/")
        let (solution, qemu) = try prove(hosts, VMSpec(ram: 6 * Self.gib, cpuModel: "max"))
        defer { qemu.stop() }
        guard case .q35(let knobs) = solution.layout.knobs else { return }
        #expect(knobs.maxRamBelow4G != nil && knobs.maxRamBelow4G! <= 0x7bb2_4000)
        #expect(try qemu.qomGetUInt64("/machine", "max-ram-below-4g") == knobs.maxRamBelow4G)
    }

    @Test(.requiresQEMU(), .timeLimit(.minutes(1)))
    func holeAbove4GiBSplitsRAMIntoADIMM() throws {
        let hosts = [try Self.hosts("Profiles/intel-xeon-vtd48.json")[0], Self.host("hole-at-8g", reserved: [(8 * Self.gib, 9 * Self.gib - 1, .reserved)])]
        let (solution, qemu) = try prove(hosts, VMSpec(ram: 16 * Self.gib, cpuModel: "max"))
        defer { qemu.stop() }
        #expect(solution.layout.dimmCount == 1)
    }

    @Test(.requiresQEMU(), .timeLimit(.minutes(1)))
    func narrowIOMMUHostWithMaxmemAndSlots() throws {
        let hosts = try Self.hosts("Examples/fleets/mixed-x86/")
        let (solution, qemu) = try prove(hosts, VMSpec(ram: 12 * Self.gib, maxmem: 20 * Self.gib, slots: 2, cpuModel: "max"))
        defer { qemu.stop() }
        #expect(solution.layout.physBits == 39)
        let hole64End = try qemu.qomGetUInt64("/machine/q35", "pci-hole64-end")
        #expect(hole64End <= UInt64(1) << 39)
        #expect(hole64End == solution.layout.regions.first { $0.kind == .pciHole64 }!.range.last + 1)
        let tree = try qemu.memoryTree()
        let device = try #require(tree.first(named: "device-memory"))
        #expect(device.start...device.end == solution.layout.regions.first { $0.kind == .deviceMemory }!.range.start...solution.layout.regions.first { $0.kind == .deviceMemory }!.range.last)
    }

    @Test(.requiresQEMU(), .timeLimit(.minutes(1)))
    func hugepageAlignedPieces() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let hosts = [Self.host("odd-holes", reserved: [(0x5000_0000, 0x5000_0fff, .direct), (7 * Self.gib + 0x20_0000, 8 * Self.gib, .reserved)])]
        let (solution, qemu) = try prove(hosts, VMSpec(ram: 10 * Self.gib, ramAlign: Self.gib, cpuModel: "max"), backing: .file(folder: folder.path, shared: true))
        defer { qemu.stop() }
        for region in solution.layout.regions where region.kind == .ram || region.kind == .dimm {
            #expect(region.range.start % Self.gib == 0 && (region.range.last + 1) % Self.gib == 0, "\(region.name) \(region.range)")
        }
        #expect(solution.layout.dimmCount == 1)
    }

    /// More than 1 TiB of RAM on a small machine: the RAM is backed by sparse shared files, which
    /// QEMU maps without committing memory, and a paused guest never touches it.
    @Test(.requiresQEMU(), .timeLimit(.minutes(1)))
    func intelVCPUStepsOverTheHyperTransportHoleAt1TiB() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let hosts = try Self.hosts("Profiles/intel-xeon-vtd48.json", "Profiles/amd-epyc-7003.json")
        let (solution, qemu) = try prove(hosts, VMSpec(ram: 1100 * Self.gib, cpuModel: "max", cpuVendor: .intel), backing: .file(folder: folder.path, shared: true))
        defer { qemu.stop() }
        guard case .q35(let knobs) = solution.layout.knobs else { return }
        #expect(knobs.dimms.map(\.address) == [0x100_0000_0000])
    }

    @Test(.requiresQEMU(), .timeLimit(.minutes(1)))
    func amdVCPURelocatesAbove1TiB() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let hosts = try Self.hosts("Profiles/amd-epyc-7003.json")
        let (solution, qemu) = try prove(hosts, VMSpec(ram: 1100 * Self.gib, cpuModel: "max"), backing: .file(folder: folder.path, shared: true))
        defer { qemu.stop() }
        #expect(solution.layout.cpuVendor == .amd)
        #expect(solution.layout.regions.first { $0.name == "ram-above-4g" }?.range.start == 0x100_0000_0000)
        #expect(try qemu.e820Table().contains { $0.address == 0xfd_0000_0000 && $0.type == 2 })
    }
}

/// Reads QMP integers that may come back as any numeric type.
enum QMPValueReader {
    static func uint64(_ value: Any?) -> UInt64? { QMPValue.uint64(value) }
}
