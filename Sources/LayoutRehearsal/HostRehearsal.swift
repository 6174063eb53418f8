// What a rehearsal says per distinct host profile, and per ordered pair of profiles when the VM is
// migrated and the device hot-added at the destination.

import LayoutCore

public struct HostRehearsal: Sendable {
    public enum Status: Sendable, Equatable {
        /// The virtual host's VFIO mapped every DMA target (boot RAM, cold DIMMs, planned DIMMs).
        case ok
        /// VFIO refused a map: QEMU's own error line and the profile hole it hit.
        case failed(qemuError: String, hole: String)
        /// This profile cannot be reproduced by a virtual host here; why.
        case notRehearsable(String)
    }

    public var profile: DistinctProfile
    public var status: Status
    /// Outer QEMU start to the device bound to vfio-pci.
    public var bootSeconds: Double?
    /// The vfio-pci hot-add: the map itself (pinning dominates a success).
    public var mapSeconds: Double?
}

/// Per distinct profile, for one VM.
public struct FleetRehearsalReport: Sendable {
    public var vm: RehearsalVM
    public var hosts: [HostRehearsal]
    public var totalSeconds: Double

    /// 0 every host ok, 1 a host refused, 4 a host could not be rehearsed here (and none refused).
    public var exitCode: Int32 { FleetRehearsal.exitCode(hosts.map(\.status)) }
}

/// The migrate-then-hot-add matrix: the VM starts in `from`'s virtual host with no assigned
/// device, its migration stream is loaded by `to`'s, and only there is vfio-pci hot-added.
public struct MigrationCell: Sendable {
    public var from: String
    public var to: String
    public var status: HostRehearsal.Status
    /// The source's `migrate` until query-migrate says completed.
    public var migrateSeconds: Double?
    /// The destination: start with -incoming, load, planned DIMMs, vfio-pci.
    public var incomingSeconds: Double?
}

public struct MigrationMatrix: Sendable {
    public var vm: RehearsalVM
    public var profiles: [DistinctProfile]
    public var cells: [MigrationCell]
    public var totalSeconds: Double
    public var exitCode: Int32 { FleetRehearsal.exitCode(cells.map(\.status)) }

    public func cell(from: String, to: String) -> MigrationCell? { cells.first { $0.from == from && $0.to == to } }
}

extension HostRehearsal.Status {
    /// A refusal's QEMU line, attributed to the profile hole its IOVA range overlaps.
    package static func refused(_ line: String, plan: VirtualHostPlan) -> Self {
        guard let range = DMAMapLine.range(in: line) else {
            return .failed(qemuError: line, hole: "not named by QEMU's message")
        }
        if let hole = plan.hole(hitBy: range) { return .failed(qemuError: line, hole: hole.label) }
        return .failed(qemuError: line, hole: "none of the profile's holes overlaps \(range) (the virtual host refused it)")
    }
}

/// QEMU's `vfio_dma_map(container, iova, size, vaddr) = -22` (hw/vfio/common.c, vfio_listener_region_add).
enum DMAMapLine {
    static func range(in line: String) -> AddressRange? {
        guard let open = line.range(of: "vfio_dma_map(") else { return nil }
        let rest = line[open.upperBound...]
        let fields = rest.prefix(while: { $0 != ")" }).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count >= 3 else { return nil }
        func hex(_ text: String) -> UInt64? { text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text) }
        guard let iova = hex(fields[1]), let size = hex(fields[2]), size > 0 else { return nil }
        return AddressRange(start: iova, size: size)
    }
}
