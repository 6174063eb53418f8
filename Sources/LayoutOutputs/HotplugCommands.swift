import LayoutCore
import LayoutMachines
import LayoutPlacement
/// Monitor commands that hot-add the planned DIMMs at their planned addresses, for HMP
/// (`virsh qemu-monitor-command --hmp`, the QEMU console) and QMP (JSON, for tools).
public enum HotplugCommands {
    /// Per planned DIMM: `object_add` for its backend, then `device_add` with `addr=`.
    /// HMP commands that hot-add the layout's planned DIMMs, in order.
    public static func hmp(for layout: VerifiedLayout, options: QEMUArguments.Options = .init()) -> [String] { hmp(for: layout.guest, options: options) }
    /// QMP commands (one JSON object each) that hot-add the layout's planned DIMMs, in order.
    public static func qmp(for layout: VerifiedLayout, options: QEMUArguments.Options = .init()) -> [String] { qmp(for: layout.guest, options: options) }

    package static func hmp(for layout: GuestLayout, options: QEMUArguments.Options = .init()) -> [String] {
        layout.knobs.hotplugPlan.flatMap { dimm in
            ["object_add " + QEMUArguments.backendDescription(id: memdev(dimm), size: dimm.size, backing: options.effectiveBacking(for: layout.vm)),
             "device_add pc-dimm,id=\(dimm.id),memdev=\(memdev(dimm)),addr=\(Hex.format(dimm.address))"]
        }
    }

    /// The same as QMP commands, one JSON object per line (sizes and addresses as JSON integers, as QMP wants).
    package static func qmp(for layout: GuestLayout, options: QEMUArguments.Options = .init()) -> [String] {
        layout.knobs.hotplugPlan.flatMap { dimm -> [String] in
            var object: [(String, String)] = [("qom-type", quoted(backendType(options.effectiveBacking(for: layout.vm)))), ("id", quoted(memdev(dimm))), ("size", String(dimm.size))]
            if case .file(let folder, let shared) = options.effectiveBacking(for: layout.vm) {
                object += [("mem-path", quoted(folder)), ("share", shared ? "true" : "false")]
            }
            let device: [(String, String)] = [("driver", quoted("pc-dimm")), ("id", quoted(dimm.id)), ("memdev", quoted(memdev(dimm))), ("addr", String(dimm.address))]
            return [command("object-add", object), command("device_add", device)]
        }
    }

    package static func memdev(_ dimm: DIMM) -> String { "\(dimm.id)-mem" }

    package static func backendType(_ backing: QEMUArguments.Options.Backing) -> String {
        backing == .anonymous ? "memory-backend-ram" : "memory-backend-file"
    }

    package static func quoted(_ text: String) -> String { JSONOutput.quoted(text) }

    package static func command(_ name: String, _ arguments: [(String, String)]) -> String {
        "{\"execute\": \"\(name)\", \"arguments\": {" + arguments.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}}"
    }
}
