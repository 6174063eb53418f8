import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutSolver

/// `verify --libvirt-domain` and `verify --qemu-args` on what the real libvirt 9.0 printed here
/// (`virsh dumpxml`, `virsh domxml-to-native qemu-argv`; fixtures recorded from libvirtd with QEMU 7.2).
@Suite("libvirt domains and libvirt's QEMU command lines, verified")
struct LibvirtDomainReaderTests {
    let gib: UInt64 = 1 << 30

    func fixture(_ name: String) throws -> String {
        try String(contentsOfFile: Fixture.path("Tests/QEMUIntegrationTests/Fixtures/\(name)"), encoding: .utf8)
    }

    func fleet() throws -> [HostProfile] { try InputLoader.loadHosts(paths: [Fixture.path("Examples/fleets/mixed-x86/")]) }

    @Test func theToolsOwnDomainAsLibvirtDefinedItFitsEveryHost() throws {
        let (arguments, version) = try LibvirtDomainReader.read(try fixture("dumpxml-q35-7.2-host-passthrough-layout.xml"), source: "dumpxml")
        #expect(arguments.machineType == "pc-q35-7.2" && version == QEMUVersion("7.2"))
        #expect(arguments.ramSize == 4 * gib && arguments.slots == 2 && arguments.maxmem == 8 * gib)
        #expect(arguments.cpuModel == "host")
        // phys-bits from <maxphysaddr>, host-phys-bits and the vendor from <qemu:commandline>'s -global.
        #expect(arguments.cpuProperties["phys-bits"] == "39")
        #expect(arguments.cpuProperties["host-phys-bits"] == "off")
        #expect(arguments.cpuProperties["vendor"] == "GenuineIntel")
        var vm = VMSpec(ram: 0)
        vm.qemu = try #require(version)
        let fits = FitCheck.check(arguments: arguments, hosts: try fleet(), vm: vm)
        #expect(fits.count == 4 && fits.allSatisfy(\.fits), "\(fits.flatMap(\.problems))")
    }

    @Test func libvirtsOwnCommandLineForThatDomainFitsToo() throws {
        // The issue's false FAIL: the vendor and host-phys-bits are -global x86_64-cpu.* there.
        let line = try fixture("domxml-to-native-q35-7.2-host-passthrough-layout.argv")
        let arguments = try QEMUArgumentParser.parse(line)
        #expect(arguments.machineType == "pc-q35-7.2" && arguments.machineProperties["dump-guest-core"] == "off")
        #expect(arguments.ramSize == 4 * gib && arguments.slots == 2 && arguments.maxmem == 8 * gib)
        #expect(arguments.cpuModel == "host" && arguments.cpuProperties["phys-bits"] == "39")
        #expect(arguments.cpuProperties["vendor"] == "GenuineIntel" && arguments.cpuProperties["host-phys-bits"] == "off")
        let fits = FitCheck.check(arguments: arguments, hosts: try fleet(), vm: VMSpec(ram: 0))
        #expect(fits.count == 4 && fits.allSatisfy(\.fits), "\(fits.flatMap(\.problems))")
    }

    @Test func aCPUPropertyOnDashCPUWinsOverAGlobalAndOtherModelsGlobalsDoNotApply() throws {
        let arguments = try QEMUArgumentParser.parse("-M q35 -m 2G -cpu host,host-phys-bits=on -global x86_64-cpu.host-phys-bits=off -global EPYC-x86_64-cpu.vendor=AuthenticAMD -global host-x86_64-cpu.phys-bits=42")
        #expect(arguments.cpuProperties["host-phys-bits"] == "on")
        #expect(arguments.cpuProperties["vendor"] == nil)
        #expect(arguments.cpuProperties["phys-bits"] == "42")
    }

    @Test func libvirtsJSONObjectsAndDevicesPlaceADIMM() throws {
        let line = #"-machine pc-q35-7.2,usb=off -m size=2097152k,slots=1,maxmem=4194304k -cpu Skylake-Server,phys-bits=39 "# +
            #"-object '{"qom-type":"memory-backend-ram","id":"memdimm0","size":1073741824}' "# +
            #"-device '{"driver":"pc-dimm","node":0,"memdev":"memdimm0","id":"dimm0","slot":0,"addr":6442450944}'"#
        let arguments = try QEMUArgumentParser.parse(line)
        #expect(arguments.ramSize == 2 * gib && arguments.maxmem == 4 * gib)
        #expect(arguments.dimms.map(\.address) == [6 * gib] && arguments.backends.map(\.size) == [gib])
    }

    @Test func aDomainWhoseRAMCoversAnRMRRFailsOnThatHostNamingIt() throws {
        let (arguments, version) = try LibvirtDomainReader.read(try fixture("dumpxml-pc-i440fx-7.2-4g-unlaid.xml"), source: "dumpxml")
        #expect(arguments.ramSize == 4 * gib && arguments.machineType == "pc-i440fx-7.2")
        var vm = VMSpec(ram: 0)
        vm.qemu = try #require(version)
        let fits = FitCheck.check(arguments: arguments, hosts: try fleet(), vm: vm)
        #expect(fits.filter { !$0.fits }.map(\.host) == ["intel-server-rmrr"])
        let problems = fits.flatMap(\.problems).map(\.description)
        #expect(problems.count == 1 && problems[0].contains("0xbdf6e000"), "\(problems)")
    }

    @Test func dimmsWithBasesAndTheNUMACellGiveTheBootRAMAndTheDIMMAddresses() throws {
        let xml = """
            <domain type='qemu'><name>d</name><maxMemory slots='2' unit='GiB'>16</maxMemory><memory unit='GiB'>6</memory>
            <vcpu>2</vcpu><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
            <cpu mode='host-passthrough'><maxphysaddr mode='passthrough' bits='40'/><numa><cell id='0' cpus='0-1' memory='4' unit='GiB'/></numa></cpu>
            <devices><controller type='pci' index='0' model='pcie-root'><pcihole64 unit='GiB'>64</pcihole64></controller>
            <memory model='dimm'><target><size unit='GiB'>2</size><node>0</node></target><address type='dimm' slot='0' base='0x300000000'/></memory></devices></domain>
            """
        let arguments = try LibvirtDomainReader.read(xml, source: "inline").0
        #expect(arguments.ramSize == 4 * gib && arguments.slots == 2 && arguments.maxmem == 16 * gib)
        #expect(arguments.cpuProperties["host-phys-bits"] == "on" && arguments.cpuProperties["host-phys-bits-limit"] == "40")
        #expect(arguments.globals["q35-pcihost.pci-hole64-size"] == "68719476736")
        #expect(arguments.dimms.map(\.address) == [12 * gib] && arguments.backends.map(\.size) == [2 * gib])
    }

    @Test func notADomainOrAnOddUnitIsAnInputErrorWithItsPath() throws {
        #expect(throws: InputError.self) { try LibvirtDomainReader.read("<network/>", source: "x") }
        do {
            _ = try LibvirtDomainReader.read("<domain><memory unit='parsec'>1</memory><os><type machine='pc-q35-7.2'>hvm</type></os></domain>", source: "x")
            Issue.record("accepted unit='parsec'")
        } catch let error as InputError {
            #expect(error.path == "/domain/memory" && error.message.contains("parsec"))
        }
    }
}
