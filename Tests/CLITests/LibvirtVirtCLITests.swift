import Foundation
import Testing

/// The aarch64 libvirt workflow as an operator runs it: merge into the domain, write the
/// attach-device files, verify the merged domain.
@Suite("layoutsolve libvirt for Arm virt")
struct LibvirtVirtCLITests {
    let cli = CLITests()

    @Test func mergeHotplugFilesAndVerifyOnAnAarch64Domain() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-virtxml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let vm = folder.appendingPathComponent("vm.json")
        try Data("""
            {"schema": "layoutsolve/vm/v1", "machine": "virt", "ram": "8G", "maxmem": "16G", "slots": 1, "qemu": "7.2", "hotplug": [{"count": 1, "size": "1G"}]}
            """.utf8).write(to: vm)
        let merged = folder.appendingPathComponent("merged.xml")
        let hotplug = folder.appendingPathComponent("hotplug")
        let solve = try cli.run([
            "--hosts", "Examples/fleets/arm64/", "--vm", vm.path, "--libvirt-domain", "Tests/QEMUIntegrationTests/Fixtures/dumpxml-virt-7.2-hostdev.xml",
            "--libvirt-hotplug-dir", hotplug.path, "-o", merged.path,
        ])
        #expect(solve.status == 0, "\(solve.stderr)")
        let xml = try String(contentsOf: merged, encoding: .utf8)
        #expect(xml.contains("machine=\"virt-7.2\"") && xml.contains("<name>ls-arm</name>") && xml.contains("<gic version=\"3\">"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: hotplug.path).count == 1)
        let verify = try cli.run(["verify", "--libvirt-domain", merged.path, "--hosts", "Examples/fleets/arm64/"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        // Without ACPI, QEMU 7.2's virt has no ACPI GED for the DIMMs: verify fails it.
        let noACPI = folder.appendingPathComponent("no-acpi.xml")
        try Data(xml.replacingOccurrences(of: "<acpi></acpi>", with: "").utf8).write(to: noACPI)
        let refused = try cli.run(["verify", "--libvirt-domain", noACPI.path, "--hosts", "Examples/fleets/arm64/"])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
    }
}
