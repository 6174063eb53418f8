import Foundation
import Testing

/// The command line reads what it prints back into the verified knobs before printing it
/// (RenderingCheck), with nothing mocked: the real binary, real inputs.
@Suite("layoutsolve reads its renderings back")
struct RenderingCheckCLITests {
    let cli = CLITests()

    /// Two outputs the check found wrong, now right: virt's libvirt XML lacked the virtio-iommu
    /// device, and a merged x86 domain's <qemu:arg>s were not read back (exit 70 before the fixes).
    @Test func outputsTheCheckFoundWrongNowReadBack() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let vm = folder.appendingPathComponent("arm.json")
        try Data(#"{"schema": "layoutsolve/vm/v1", "machine": "virt", "ram": "8G", "maxmem": "16G", "slots": 2, "qemu": "9.0", "viommu": "virtio-iommu", "hotplug": [{"count": 1, "size": "2G"}]}"#.utf8).write(to: vm)
        for format in ["text", "json", "qemu", "libvirt"] {
            let run = try cli.run(["--hosts", "Examples/fleets/arm64/", "--vm", vm.path, "-f", format])
            #expect(run.status == 0, "\(format): \(run.stderr)")
            if format == "libvirt" { #expect(run.stdout.contains("virtio-iommu-pci")) }
        }
        let merged = try cli.run(["--hosts", "Profiles/amd-epyc-7003.json", "Profiles/intel-server-rmrr.json", "--ram", "64G", "--maxmem", "128G", "--slots", "2",
                                  "--libvirt-domain", "Tests/QEMUIntegrationTests/Fixtures/dumpxml-q35-7.2-hostdev.xml"])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("name=opt/ovmf/X-PciMmio64Mb,string="))
    }

    /// A domain whose own <qemu:commandline> changes the map: the merged answer would not run the
    /// verified layout, so it is not printed. layoutsolve's own domain reads back, so the cause is
    /// the user's domain: an input error naming the file and the field (exit 2), not exit 70.
    @Test func aMergedDomainThatWouldRunAnotherLayoutIsNotPrinted() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fixture = try String(contentsOf: CLITests.repository.appendingPathComponent("Tests/QEMUIntegrationTests/Fixtures/dumpxml-q35-7.2-hostdev.xml"), encoding: .utf8)
        let domain = folder.appendingPathComponent("domain.xml")
        let own = "<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><qemu:arg value='-machine'/><qemu:arg value='max-ram-below-4g=1G'/></qemu:commandline></domain>"
        try Data(fixture.replacingOccurrences(of: "</domain>", with: own).utf8).write(to: domain)
        let output = folder.appendingPathComponent("out.xml")
        let run = try cli.run(["--hosts", "Profiles/intel-xeon-vtd48.json", "--ram", "16G", "--libvirt-domain", domain.path, "-o", output.path])
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("\(domain.path): the domain's own settings change the guest memory map: max-ram-below-4g reads as 0x40000000 (1 GiB) in the merged domain; in the layout it is unset"), "\(run.stderr)")
        #expect(!run.stderr.contains("internal error"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
