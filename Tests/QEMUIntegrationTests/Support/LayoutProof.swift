import Foundation
import LayoutSolver
import Testing
import TestSupport

/// Solves, starts a real paused QEMU from the emitted arguments, and checks that its flat memory
/// map shows exactly the predicted RAM, clear of every host's holes.
enum LayoutProof {
    static let gib: UInt64 = 1 << 30

    static let repository = TestRepository.root

    static func hosts(_ paths: [String]) throws -> [HostProfile] {
        try InputLoader.loadHosts(paths: paths.map { repository.appendingPathComponent($0).path })
    }

    /// An Arm host with an SMMUv3 of the same width as its IPA limit.
    static func armHost(_ name: String, ipaBits: Int, reserved: [(UInt64, UInt64, ReservedType)]) -> HostProfile {
        HostProfile(
            name: name, arch: .aarch64, cpuVendor: .arm, cpuPhysBits: ipaBits, iommuKind: .armSMMUv3, iommuAddressBits: ipaBits,
            reserved: reserved.compactMap { hole in AddressRange(start: hole.0, last: hole.1).map { ReservedRegion(range: $0, type: hole.2) } },
            file: "\(name).json")
    }

    static func host(_ name: String, vendor: HostCPUVendor = "intel", cpuBits: Int = 46, iommuBits: Int = 48, reserved: [(UInt64, UInt64, ReservedType)]) -> HostProfile {
        HostProfile(
            name: name, arch: .x86_64, cpuVendor: vendor, cpuPhysBits: cpuBits, iommuKind: .other, iommuAddressBits: iommuBits,
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
        let rom = PCConstants.romWindow
        for region in layout.regions where region.kind == .ram || region.kind == .dimm {
            if layout.machine != .virt && region.range.overlaps(rom) {
                if region.range.start < rom.start { pieces.append((region.range.start, rom.start - 1)) }
                if region.range.last > rom.last { pieces.append((rom.last + 1, region.range.last)) }
            } else {
                pieces.append((region.range.start, region.range.last))
            }
        }
        return merged(pieces)
    }

    static func layout(_ solution: Solution) -> GuestLayout { solution.layout.guest }

    @discardableResult
    static func prove(on binary: QEMUBinary = .system, _ hosts: [HostProfile], _ vm: VMSpec, backing: QEMUArguments.Options.Backing? = nil) throws -> (Solution, QEMUProcess) {
        let solution = try Solver.solve(hosts: hosts, vm: vm)
        try #require(binary.proves(solution.layout.qemu), "\(binary) has no \(solution.layout.machineType)")
        let argv = QEMUArguments.argv(for: solution.layout, options: .init(backing: backing))
        let qemu = try QEMUProcess(binary, machine: solution.layout.machine, arguments: argv)
        // The pinned machine type exists in this binary and is the one that runs.
        #expect(try qemu.qomGet("/machine", "type") as? String == solution.layout.machineType + "-machine", "\(binary)")
        let seen = merged(try qemu.flatView().ramRanges.map { ($0.start, $0.end) })
        #expect(seen == predictedRAM(solution.layout.guest), "\(binary) argv: \(argv.joined(separator: " "))")
        for range in seen {
            for host in hosts {
                #expect(range.upperBound < UInt64(1) << UInt64(host.iommuAddressBits), "\(host.name): \(range) past its IOMMU width")
                for region in host.reserved where region.type.blocksDMA(strictRelaxable: false) {
                    #expect(!(region.range.start <= range.upperBound && range.lowerBound <= region.range.last), "\(host.name): RAM \(range) overlaps \(region.label)")
                }
            }
        }
        let devices = try qemu.memoryDevices()
        let plugged = devices.compactMap { ($0["data"] as? [String: Any]).flatMap { data in QMPValueReader.uint64(data["addr"]) } }.sorted()
        #expect(plugged == solution.layout.guest.knobs.dimms.map(\.address).sorted())
        if solution.layout.machine != .virt {
            let cpu = try qemu.firstCPUPath()
            #expect(try qemu.qomGetUInt64(cpu, "phys-bits") == UInt64(solution.layout.physBits))
        }
        return (solution, qemu)
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-ram-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

}

/// Reads QMP integers that may come back as any numeric type.
enum QMPValueReader {
    static func uint64(_ value: Any?) -> UInt64? { QMPValue.uint64(value) }
}

/// Test fixtures name host vendors as the profiles do.
extension HostCPUVendor: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
}
