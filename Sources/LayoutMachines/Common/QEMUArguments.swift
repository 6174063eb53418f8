import LayoutCore
import Foundation

/// The QEMU command-line arguments that make QEMU derive exactly the verified layout.
/// Only memory-map arguments: the caller adds disks, devices, accelerators and the binary.
public enum QEMUArguments {
    /// Where RAM comes from; none of this changes the map.
    public struct Options: Sendable {
        /// Where guest RAM comes from.
        public enum Backing: Sendable, Equatable {
            /// Anonymous memory (`memory-backend-ram` for DIMMs, QEMU's own RAM for boot memory).
            case anonymous
            /// Files in a folder (`memory-backend-file`): a hugetlbfs mount, or shared memory for vhost-user.
            case file(folder: String, shared: Bool)
        }

        /// Where hugepage-backed memory comes from (a hugetlbfs mount) when the VM has `ram_align`.
        public var hugepagePath: String
        /// Overrides the backing; nil means anonymous, or hugepage files when the VM has `ram_align`.
        public var backing: Backing?

        /// UEFI firmware for Arm virt guests with DIMMs (QEMU 7.2 needs it for ACPI memory hotplug).
        public var armFirmware: String

        public init(hugepagePath: String = "/dev/hugepages", backing: Backing? = nil, armFirmware: String = "/usr/share/AAVMF/AAVMF_CODE.fd") {
            self.hugepagePath = hugepagePath
            self.backing = backing
            self.armFirmware = armFirmware
        }

        package func effectiveBacking(for vm: VMSpec) -> Backing {
            backing ?? (vm.ramAlign != nil ? .file(folder: hugepagePath, shared: false) : .anonymous)
        }
    }

    /// The memory-map arguments, one element per argument (no shell quoting); see ``shellLine(_:)``
    /// for one line. The machine's model writes its own; a virtual IOMMU's device follows.
    package static func argv(for layout: GuestLayout, options: Options = Options()) -> [String] {
        var arguments = layout.knobs.model.qemuArguments(for: layout, options: options)
        if let viommu = layout.viommu { arguments += ["-device", viommu.deviceJSON] }
        return arguments
    }

    package static func dimmArguments(_ dimms: [DIMM], backing: Options.Backing) -> [String] {
        var arguments: [String] = []
        for (index, dimm) in dimms.enumerated() {
            let memdev = "ls-mem\(index)"
            arguments += ["-object", backendDescription(id: memdev, size: dimm.size, backing: backing)]
            arguments += ["-device", "pc-dimm,id=\(dimm.id),memdev=\(memdev),addr=\(Hex.format(dimm.address))"]
        }
        return arguments
    }

    /// `memory-backend-ram,id=…,size=…` or the file form: the text `-object` and `object_add` take.
    package static func backendDescription(id: String, size: UInt64, backing: Options.Backing) -> String {
        switch backing {
        case .anonymous: return "memory-backend-ram,id=\(id),size=\(ByteCount.qemuSize(size))"
        case .file(let folder, let shared): return fileBackend(id: id, size: size, folder: folder, shared: shared)
        }
    }

    package static func fileBackend(id: String, size: UInt64, folder: String, shared: Bool) -> String {
        "memory-backend-file,id=\(id),size=\(ByteCount.qemuSize(size)),mem-path=\(folder),share=\(shared ? "on" : "off")"
    }

    /// One shell-safe line: arguments that need it are single-quoted.
    public static func shellLine(_ argv: [String]) -> String {
        argv.map(shellQuoted).joined(separator: " ")
    }

    package static func shellQuoted(_ argument: String) -> String {
        let safe = argument.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_=,.:/@%+".unicodeScalars.contains(scalar))
        }
        if safe && !argument.isEmpty { return argument }
        // By Unicode scalar, as ShellWords splits and a shell reads bytes: a quote followed by a
        // combining mark is one Character, which replacingOccurrences(of: "'") does not match.
        var quoted = String.UnicodeScalarView()
        for scalar in argument.unicodeScalars {
            if scalar == "'" { quoted.append(contentsOf: "'\\''".unicodeScalars) } else { quoted.append(scalar) }
        }
        return "'" + String(quoted) + "'"
    }
}
