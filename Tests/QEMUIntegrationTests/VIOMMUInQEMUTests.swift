import Foundation
import LayoutSolver
import Testing
import TestSupport

/// virtio-iommu as QEMU really takes it (VirtioIOMMU.md in LayoutSolver.docc): the emitted device starts on every
/// machine type of both binaries, and the guest is told only the machine's own MSI window.
@Suite("virtio-iommu in real QEMU 7.2 and 10.0", .blocking)
struct VIOMMUInQEMUTests {
    static let gib = LayoutProof.gib

    /// The path of the only virtio-iommu-pci (the emitted device has no id).
    static func devicePath(in qemu: QEMUProcess) throws -> String {
        let children = try #require(try qemu.execute("qom-list", arguments: ["path": "/machine/peripheral-anon"]) as? [[String: Any]])
        let child = try #require(children.first { ($0["type"] as? String) == "child<virtio-iommu-pci>" }, "no virtio-iommu-pci in \(children)")
        return "/machine/peripheral-anon/" + (try #require(child["name"] as? String))
    }

    @Test(.timeLimit(.minutes(3)), .enabled(if: !QEMUProcess.skipSlowTests(), "LAYOUTSOLVE_SKIP_SLOW_TESTS is set (starts one QEMU per machine type)"), arguments: MachineTypeCase.all)
    func emittedDeviceStartsAndCarriesOnlyTheMachinesMSIWindow(_ c: MachineTypeCase) throws {
        let hosts = try MachineTypesInQEMUTests.hosts(for: c.machine)
        var vm = VMSpec(machine: c.machine, ram: 4 * Self.gib, cpuModel: "max", qemu: c.target, viommu: .virtioIOMMU)
        if c.machine == .virt { vm.ram = 8 * Self.gib }
        let (solution, qemu) = try LayoutProof.prove(on: c.binary, hosts, vm)
        defer { qemu.stop() }
        let plan = try #require(solution.layout.guest.viommu)
        #expect(!plan.deviceJSON.contains("reserved-regions"))
        let path = try Self.devicePath(in: qemu)
        let regions: [String]
        if c.binary.release < QEMUVersion(major: 8, minor: 2) {
            // 7.2's array properties: len-reserved-regions and reserved-regions[i].
            let count = try qemu.qomGetUInt64(path, "len-reserved-regions")
            regions = try (0..<count).map { try #require(try qemu.qomGet(path, "reserved-regions[\($0)]") as? String) }
        } else {
            regions = try #require(try qemu.qomGet(path, "reserved-regions") as? [String])
        }
        // hw/i386/pc.c and hw/arm/virt.c pre-plug hooks: x86's MSI window, virt's ITS doorbell
        // (the layout pins gic-version=3): exactly the window the plan counts as told.
        let window = try #require(plan.machineWindow)
        #expect(regions == ["\(Hex.format(window.start)):\(Hex.format(window.last)):1"])
        #expect(solution.layout.notes.contains { $0.contains("NOT told") } == !plan.unconveyed.isEmpty)
        if c.target >= QEMUVersion(major: 9, minor: 0) {
            #expect(try qemu.qomGetUInt64(path, "aw-bits") == UInt64(try #require(plan.addressBits)))
        } else {
            #expect(plan.addressBits == nil)
        }
    }

    /// Why no reserved-regions are emitted: a user list is refused by 7.2 and aborts 10.0.
    @Test(.timeLimit(.minutes(5)), arguments: QEMUBinary.testable)
    func aUserReservedRegionListIsRefused(on binary: QEMUBinary) throws {
        let device = binary.release < QEMUVersion(major: 8, minor: 2)
            ? "virtio-iommu-pci,len-reserved-regions=1,reserved-regions[0]=0xfd00000000:0xffffffffff:0"
            : #"{"driver":"virtio-iommu-pci","reserved-regions":["0xfd00000000:0xffffffffff:0"]}"#
        #expect {
            _ = try QEMUProcess(binary, machine: .q35, arguments: ["-machine", "q35", "-m", "1G", "-device", device])
        } throws: { error in
            String(describing: error).contains("may not be set more than once")
        }
    }
}
