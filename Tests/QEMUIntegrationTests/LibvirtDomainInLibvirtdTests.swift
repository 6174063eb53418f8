import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LayoutSolver
import Testing
import TestSupport

/// The layout merged into a domain as `virsh dumpxml` prints it (4 vCPUs, a hostdev, pc-q35-7.2),
/// checked by the real libvirt 9.0: its schema, `virsh define`, a paused start with the predicted
/// RAM map, and a planned DIMM attached live from the hotplug file. TCG (`type='qemu'`), so no /dev/kvm.
@Suite("libvirt domain merge in a real libvirtd", .blocking, .serialized)
struct LibvirtDomainInLibvirtdTests {
    static let gib: UInt64 = 1 << 30
    static let fixture = LayoutProof.repository.appendingPathComponent("Tests/QEMUIntegrationTests/Fixtures/dumpxml-q35-7.2-hostdev.xml")

    /// Solves as `layoutsolve --libvirt-domain` does: machine type, vCPUs and CPU from the domain.
    static func merged(_ domainXML: String, vm base: VMSpec) throws -> (GuestLayout, String) {
        let facts = try LibvirtDomainMerge.facts(ofDomain: domainXML, source: "fixture")
        var vm = base
        vm.machine = facts.machine
        vm.qemu = facts.qemu
        if let model = facts.cpuModel { vm.cpuModel = model }
        let solution = try Solver.solve(hosts: LayoutProof.hosts(["Examples/fleets/mixed-x86/"]), vm: vm)
        let layout = solution.layout.guest
        let fragment = try LibvirtXML.document(for: layout, options: .init(vcpus: facts.vcpus, name: facts.name))
        return (layout, try LibvirtDomainMerge.merge(fragment: fragment, into: domainXML, source: "fixture"))
    }

    static func values(_ xml: String, _ xpath: String) throws -> [String] {
        try XMLDocument(xmlString: xml, options: []).nodes(forXPath: xpath).map { $0.stringValue ?? "" }
    }

    static func write(_ text: String, in folder: URL, _ name: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func mergedDomainValidatesDefinesStartsWithThePredictedMapAndTakesThePlannedDIMM() throws {
        guard case .run = LibvirtDaemon.availability() else {
            if case .skip(let why) = LibvirtDaemon.availability() { print("skipped: \(why)") }
            return
        }
        let domainXML = try String(contentsOf: Self.fixture, encoding: .utf8)
        // 2 GiB boot RAM, room for the user's own DIMM, and one planned 1 GiB hot-add. A 128 GiB
        // pci-hole64 so that the layout carries OVMF's aperture size as <sysinfo type='fwcfg'>.
        let vm = VMSpec(ram: 2 * Self.gib, maxmem: 4 * Self.gib, slots: 1, pciHole64: 128 * Self.gib, hotplug: [HotplugRequest(count: 1, size: Self.gib)])
        let (layout, xml) = try Self.merged(domainXML, vm: vm)
        let folder = try LayoutProof.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }

        // Kept from the domain; the layout's values merged in.
        #expect(try Self.values(xml, "/domain/name") == ["ls-db"])
        #expect(try Self.values(xml, "/domain/vcpu") == ["4"])
        #expect(try Self.values(xml, "/domain/os/type/@machine") == ["pc-q35-7.2"])
        #expect(try Self.values(xml, "/domain/devices/hostdev/source/address/@bus") == ["0x3b"])
        #expect(try Self.values(xml, "/domain/cpu/topology/@cores") == ["2"])
        #expect(try Self.values(xml, "/domain/cpu/numa/cell/@cpus") == ["0-3"])
        #expect(try Self.values(xml, "/domain/cpu/maxphysaddr/@bits") == [String(layout.physBits)])
        #expect(layout.machineType == "pc-q35-7.2")

        let path = try Self.write(xml, in: folder, "merged.xml")
        let validate = try Command.run(["virt-xml-validate", path, "domain"], timeout: 60)
        #expect(validate.status == 0, "virt-xml-validate: \(validate.stdout)\(validate.stderr)\n\(xml)")

        let daemon = try LibvirtDaemon.acquire()
        defer { LibvirtDaemon.release() }
        // A name of its own, no uuid, and no hostdev: the PCI device does not exist on this machine.
        let name = "layoutsolve-test-\(UUID().uuidString.prefix(8).lowercased())"
        let document = try XMLDocument(xmlString: xml, options: [])
        for node in try document.nodes(forXPath: "/domain/uuid | /domain/devices/hostdev") { node.detach() }
        try document.nodes(forXPath: "/domain/name").first?.stringValue = name
        let runnable = try Self.write(document.xmlString, in: folder, "runnable.xml")

        try daemon.virsh(["define", runnable])
        defer {
            _ = try? daemon.virsh(["destroy", name], timeout: 60)
            _ = try? daemon.virsh(["undefine", name], timeout: 60)
        }
        let defined = try daemon.virsh(["dumpxml", name])
        #expect(try Self.values(defined, "/domain/vcpu") == ["4"])
        #expect(try Self.values(defined, "/domain/cpu/maxphysaddr/@bits") == [String(layout.physBits)])

        // verify --libvirt-domain on what libvirt defined, and verify --qemu-args on the command line
        // libvirt builds from it: both read the layout's knobs and pass every host of the fleet.
        let hosts = try LayoutProof.hosts(["Examples/fleets/mixed-x86/"])
        let (read, version) = try LibvirtDomainReader.read(defined, source: "virsh dumpxml")
        #expect(read.ramSize == layout.knobs.pc?.ramSize && read.maxmem == layout.knobs.pc?.maxmem && read.machineType == "pc-q35-7.2")
        let fromDomain = FitCheck.check(arguments: read, hosts: hosts, vm: VMSpec(ram: 0, qemu: try #require(version)))
        #expect(fromDomain.count == hosts.count && fromDomain.allSatisfy(\.fits), "\(fromDomain.flatMap(\.problems))")
        let native = try daemon.virsh(["domxml-to-native", "qemu-argv", "--domain", name])
        let fromArgv = FitCheck.check(arguments: try QEMUArgumentParser.parse(native), hosts: hosts, vm: VMSpec(ram: 0))
        let argvFits = fromArgv.count == hosts.count && fromArgv.allSatisfy { $0.fits }
        #expect(argvFits, "\(fromArgv.flatMap(\.problems))\n\(native)")

        try daemon.virsh(["start", "--paused", name], timeout: 180)
        // libvirt 9.0 turns the fw_cfg sysinfo entry into the -fw_cfg argument QEMU runs with.
        let fwCfg = try #require(QEMUArguments.argv(for: layout).first { $0.hasPrefix("name=opt/ovmf/X-PciMmio64Mb,string=") })
        let pidText = try String(contentsOfFile: "/run/libvirt/qemu/\(name).pid", encoding: .utf8)
        let pid = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        let argv = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        let index = try #require(argv.firstIndex(of: fwCfg), "QEMU's argv lacks \(fwCfg): \(argv.joined(separator: " "))")
        #expect(index > 0 && argv[index - 1] == "-fw_cfg")
        let mtree = try daemon.virsh(["qemu-monitor-command", "--hmp", name, "info mtree -f"], timeout: 60)
        let seen = LayoutProof.merged(try MemoryTree.flatView(in: mtree).ramRanges.map { ($0.start, $0.end) })
        #expect(seen == LayoutProof.predictedRAM(layout), "info mtree -f:\n\(mtree)")

        // The planned DIMM, attached live from its attach-device file, lands at the planned base.
        let files = try LibvirtDomainMerge.hotplugFiles(for: layout)
        let plan = try #require(layout.knobs.pc?.hotplugPlan)
        #expect(files.count == plan.count && plan.count == 1)
        for (file, dimm) in zip(files, plan) {
            try daemon.virsh(["attach-device", name, Self.write(file.xml, in: folder, file.name), "--live"], timeout: 60)
            let after = try daemon.virsh(["qemu-monitor-command", "--hmp", name, "info mtree -f"], timeout: 60)
            let ram = try MemoryTree.flatView(in: after).ramRanges
            #expect(ram.contains { $0.start == dimm.address && $0.size == dimm.size }, "no RAM at \(dimm.address) after attach:\n\(after)")
        }
    }

    @Test func aDefinedDomainWhoseRAMCoversAHostHoleFailsVerifyOnThatHostNamingIt() throws {
        guard case .run = LibvirtDaemon.availability() else { return }
        // pc-i440fx with 4 GiB puts RAM at 0-3 GiB (gigabyte_align), over intel-server-rmrr's RMRR.
        let name = "layoutsolve-test-\(UUID().uuidString.prefix(8).lowercased())"
        let xml = """
            <domain type='qemu'><name>\(name)</name><memory unit='GiB'>4</memory><vcpu placement='static'>2</vcpu>
            <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os>
            <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>Skylake-Server</model></cpu>
            <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><memballoon model='none'/></devices></domain>
            """
        let folder = try LayoutProof.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let daemon = try LibvirtDaemon.acquire()
        defer { LibvirtDaemon.release() }
        try daemon.virsh(["define", try Self.write(xml, in: folder, "unlaid.xml")])
        defer { _ = try? daemon.virsh(["undefine", name], timeout: 60) }
        let (read, version) = try LibvirtDomainReader.read(try daemon.virsh(["dumpxml", name]), source: "virsh dumpxml")
        let fits = FitCheck.check(arguments: read, hosts: try LayoutProof.hosts(["Examples/fleets/mixed-x86/"]), vm: VMSpec(ram: 0, qemu: try #require(version)))
        #expect(fits.filter { !$0.fits }.map(\.host) == ["intel-server-rmrr"])
        #expect(fits.flatMap(\.problems).map(\.description).contains { $0.contains("0xbdf6e000") })
    }

    @Test func anAliasOrDistributionMachineTypeIsRefusedWithTheReason() throws {
        let domain = try String(contentsOf: Self.fixture, encoding: .utf8)
        for (type, reason) in [("q35", "alias"), ("pc-q35-rhel9.2.0", "distribution")] {
            let changed = domain.replacingOccurrences(of: "machine='pc-q35-7.2'", with: "machine='\(type)'")
            #expect(throws: InputError.self) { try LibvirtDomainMerge.facts(ofDomain: changed, source: "fixture") }
            do { _ = try LibvirtDomainMerge.facts(ofDomain: changed, source: "fixture") } catch { #expect("\(error)".contains(reason)) }
        }
    }

    @Test func anotherModelledVersionIsSolvedForItAndAnUnmodelledOneRefused() throws {
        let domain = try String(contentsOf: Self.fixture, encoding: .utf8)
        let (layout, xml) = try Self.merged(domain.replacingOccurrences(of: "machine='pc-q35-7.2'", with: "machine='pc-q35-8.2'"), vm: VMSpec(ram: 2 * Self.gib))
        #expect(layout.machineType == "pc-q35-8.2")
        #expect(try Self.values(xml, "/domain/os/type/@machine") == ["pc-q35-8.2"])
        // 6.2's layout rules are not modelled: refused with the reason, never solved as 7.2.
        do {
            _ = try Self.merged(domain.replacingOccurrences(of: "machine='pc-q35-7.2'", with: "machine='pc-q35-6.2'"), vm: VMSpec(ram: 2 * Self.gib))
            Issue.record("pc-q35-6.2 was accepted")
        } catch {
            #expect("\(error)".contains("6.2 is not modelled"))
        }
    }
}
