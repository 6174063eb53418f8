import LayoutCore
import LayoutMachines
import LayoutPlacement
import Foundation

/// The default, human-readable answer: the map as a table, the hosts it was checked against,
/// where programmable windows went, notes, and the QEMU arguments as one shell line.
public enum TextReport {
    /// `map` draws ``ASCIIMap`` under the table (nil leaves it out); its colour is the caller's
    /// decision, so the report is the same bytes for the same inputs.
    /// The report a person reads: the layout, the QEMU arguments, the hosts and a plain-text map.
    public static func render(_ solution: Solution, qemuOptions: QEMUArguments.Options = .init()) -> String {
        render(solution, qemuOptions: qemuOptions, map: ASCIIMap.Options())
    }

    package static func render(_ solution: Solution, qemuOptions: QEMUArguments.Options = .init(), map: ASCIIMap.Options?) -> String {
        let layout = solution.layout.guest
        var lines: [String] = []
        let title = layout.vm.name.map { "VM \($0): " } ?? ""
        lines.append("\(title)\(layout.machine.rawValue) (\(layout.machineType)), \(ByteCount.format(layout.vm.ram)) RAM, guest \(layout.knobs.model.addressWidthName) \(layout.physBits)" + (layout.cpuVendor.map { ", \($0.rawValue) vCPU" } ?? ""))
        lines.append("")
        let header = ["REGION", "KIND", "START", "END", "SIZE", "DMA"]
        let rows = layout.regions.map { region in
            [region.name, region.kind.rawValue, Hex.padded(region.range.start), Hex.padded(region.range.last),
             region.range.size.map(ByteCount.format) ?? "16 EiB", region.isDMATarget ? "yes" : ""]
        }
        lines.append(contentsOf: table([header] + rows))
        lines.append("")
        if let map {
            lines.append(String(ASCIIMap.render(solution, options: map).dropLast()))
            lines.append("")
        }
        lines.append("Verified on \(solution.hosts.count) host profile(s):")
        let nameWidth = solution.hosts.map(\.name.count).max() ?? 0
        for host in solution.hosts {
            let count = host.count > 1 ? " ×\(host.count)" : ""
            lines.append("  ok  \(host.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0))  cpu \(host.cpuPhysBits) bits, iommu \(host.iommuAddressBits) bits, \(host.reserved.count) reserved region(s)\(count)")
        }
        if !solution.programmable.isEmpty {
            lines.append("")
            lines.append("Programmable windows:")
            for placement in solution.programmable {
                // Linux fixes the SMMU's software MSI window at 0x8000000; moving it needs a kernel that
                // lets userspace choose (proposed: arm-smmu msi_iova_base, iommufd IOMMU_OPTION_SW_MSI_START).
                let action = placement.isDefault
                    ? "the host's default, nothing to change"
                    : "not the host's default: that host's kernel must put its software MSI window here (iommufd IOMMU_OPTION_SW_MSI_START or a patched arm-smmu msi_iova_base), or the host cannot run this layout"
                lines.append("  \(placement.host): \(placement.type.rawValue) at \(placement.range) (\(action))")
            }
        }
        let hmp = HotplugCommands.hmp(for: layout, options: qemuOptions)
        if !hmp.isEmpty {
            lines.append("")
            lines.append("Hot-add the planned DIMMs (HMP; --format json has the QMP form):")
            lines.append(contentsOf: hmp.map { "  \($0)" })
        }
        if !layout.notes.isEmpty {
            lines.append("")
            lines.append("Notes:")
            lines.append(contentsOf: layout.notes.map { "  - \($0)" })
        }
        lines.append("")
        lines.append("QEMU arguments:")
        lines.append("  " + QEMUArguments.shellLine(QEMUArguments.argv(for: layout, options: qemuOptions)))
        return lines.joined(separator: "\n") + "\n"
    }

    package static func table(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            let cells = row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
            return "  " + cells.joined(separator: "  ").trimmingWhitespaceAtEnd()
        }
    }
}

extension String {
    package func trimmingWhitespaceAtEnd() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
