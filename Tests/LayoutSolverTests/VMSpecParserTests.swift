import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

@Suite("VM specs")
struct VMSpecParserTests {
    func parse(_ text: String) throws -> VMSpec { try VMSpecParser.parse(Array(text.utf8), source: "vm.json") }

    @Test func parsesAllFields() throws {
        let spec = try parse("""
            {"schema": "layoutsolve/vm/v1", "name": "db", "machine": "q35", "ram": "64G", "maxmem": "128G", "slots": 4,
             "ram_align": "1G", "pci_hole64": "64G", "cpu_model": "max", "cpu_vendor": "amd", "p2p": true, "qemu": "7.2"}
            """)
        #expect(spec == VMSpec(name: "db", machine: .q35, ram: 64 << 30, maxmem: 128 << 30, slots: 4, ramAlign: 1 << 30,
                               pciHole64: 64 << 30, cpuModel: "max", cpuVendor: .amd, p2p: true, qemu: .default))
    }

    @Test(arguments: [
        (#""ram": "0""#, "$.ram", "larger than 0"),
        (#""ram": "4G", "maxmem": "2G""#, "$.maxmem", "below ram"),
        (#""ram": "4G", "slots": 2"#, "$.slots", "need maxmem"),
        (#""ram": "4G", "maxmem": "4G", "slots": 2"#, "$.maxmem", "no room"),
        (#""ram": "4G", "ram_align": "3M""#, "$.ram_align", "power of two"),
        (#""ram": "4097M", "ram_align": "1G""#, "$.ram", "not a multiple of ram_align"),
        (#""ram": "4G", "pci_hole64": "1536M""#, "$.pci_hole64", "multiple of 1 GiB"),
        (#""ram": "4G", "qemu": "6.2""#, "$.qemu", "not modelled"),
        (#""ram": "4G", "qemu": "seven""#, "$.qemu", "QEMU version"),
        (#""ram": "4G", "cpu_model": "host,pmu=off""#, "$.cpu_model", "one QEMU CPU model"),
        (#""ram": "4G", "slots": 300, "maxmem": "8G""#, "$.slots", "from 1 to 256"),
        (#""ram": "4G", "hugepages": true"#, "$.hugepages", "unknown member"),
        (#""ram": "4G", "cpu_vendor": "via""#, "$.cpu_vendor", "intel"),
        (#""ram": "4G", "machine": "Micro VM""#, "$.machine", "expected a QEMU machine name"),
        (#""ram": -4"#, "$.ram", "negative"),
    ])
    func badSpecs(members: String, path: String, fragment: String) {
        do {
            _ = try parse(#"{"schema": "layoutsolve/vm/v1", "# + members + "}")
            Issue.record("accepted \(members)")
        } catch let error as InputError {
            #expect(error.path == path, "\(error)")
            #expect(error.message.contains(fragment), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func qemuVersions() {
        #expect(QEMUVersion("7.2") == .default)
        #expect(QEMUVersion("7.2.22") == .default)
        #expect(QEMUVersion("10.2")! > QEMUVersion("9.2")!)
        #expect(QEMUVersion("7") == nil && QEMUVersion("7.x") == nil && QEMUVersion("") == nil)
    }
}
