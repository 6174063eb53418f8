import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutPlacement

/// Machines are reached only through the registry: every model is found by its spec name and by
/// the `-machine` types it owns, and a name no model serves is refused with the list.
@Suite("Machine registry")
struct MachineRegistryTests {
    @Test func everyModelIsFoundByItsNameAndItsMachineTypes() throws {
        #expect(MachineRegistry.names == ["q35", "pc", "virt"])
        for model in MachineRegistry.models {
            #expect(try MachineRegistry.model(for: model.kind).kind == model.kind)
            let versioned = model.machineType(for: QEMUVersion(major: 7, minor: 2))
            #expect(MachineRegistry.model(forMachineType: versioned)?.kind == model.kind, "\(versioned)")
            #expect(MachineRegistry.model(forMachineType: model.kind.rawValue)?.kind == model.kind)
        }
        #expect(MachineRegistry.model(forMachineType: "microvm") == nil)
    }

    @Test func anUnmodelledMachineIsAnInputErrorWithTheModelledOnes() {
        let host = Fixture.x86Host("plain")
        #expect {
            try Solver.solve(hosts: [host], vm: VMSpec(machine: MachineKind(rawValue: "microvm"), ram: 4 << 30))
        } throws: { error in
            guard let input = error as? InputError else { return false }
            return input.path == "$.machine" && input.message.contains("microvm") && input.message.contains("q35, pc, virt")
        }
    }

    /// A layout reaches its model through its knobs, so printing one never needs a lookup that can fail.
    @Test func layoutsKnowTheirModel() throws {
        let q35 = try Solver.solve(hosts: [Fixture.x86Host("plain")], vm: VMSpec(ram: 8 << 30))
        #expect(q35.layout.guest.knobs.model.kind == .q35)
        let pc = try Solver.solve(hosts: [Fixture.x86Host("plain")], vm: VMSpec(machine: .pc, ram: 8 << 30))
        #expect(pc.layout.guest.knobs.model.kind == .pc)
    }
}
