import Foundation

/// The QEMU command-line arguments that make QEMU derive exactly the verified layout.
/// Only memory-map arguments: the caller adds disks, devices, accelerators and the binary.
public enum QEMUArguments {
    public struct Options: Sendable, Equatable {
        /// Where hugepage-backed memory comes from (a hugetlbfs mount) when the VM has `ram_align`.
        public var hugepagePath: String
        public init(hugepagePath: String = "/dev/hugepages") { self.hugepagePath = hugepagePath }
    }

    public static func argv(for layout: GuestLayout, options: Options = Options()) -> [String] {
        switch layout.knobs {
        case .q35(let knobs): return q35(knobs, layout: layout, options: options)
        }
    }

    static func q35(_ knobs: Q35Knobs, layout: GuestLayout, options: Options) -> [String] {
        // ram_align means hugepage backing: all guest RAM then comes from files on a hugetlbfs mount.
        let hugepages = layout.vm.ramAlign != nil
        var machine = knobs.machineType
        if let below = knobs.maxRamBelow4G { machine += ",max-ram-below-4g=\(ByteCount.qemuSize(below))" }
        var arguments: [String] = []
        if hugepages {
            machine += ",memory-backend=ls-ram"
        }
        arguments += ["-machine", machine]
        var memory = "size=\(ByteCount.qemuSize(knobs.ramSize))"
        if let maxmem = knobs.maxmem { memory += ",slots=\(knobs.slots),maxmem=\(ByteCount.qemuSize(maxmem))" }
        arguments += ["-m", memory]
        // phys-bits pinned and host-phys-bits off: with `host`/`max` QEMU would otherwise copy each
        // host's width, and the map would differ from host to host. The vendor is pinned because an
        // AMD vCPU changes QEMU's derivation (1 TiB relocation).
        var cpu = "\(layout.vm.cpuModel),host-phys-bits=off,phys-bits=\(knobs.physBits)"
        if let vendor = layout.cpuVendor { cpu += ",vendor=\(vendor.cpuidString)" }
        arguments += ["-cpu", cpu]
        if let hole = knobs.pciHole64Size {
            arguments += ["-global", "q35-pcihost.pci-hole64-size=\(ByteCount.qemuSize(hole))"]
        }
        if hugepages {
            arguments += ["-object", backend(id: "ls-ram", size: knobs.ramSize, layout: layout, options: options)]
        }
        for (index, dimm) in knobs.dimms.enumerated() {
            let memdev = "ls-mem\(index)"
            if hugepages {
                arguments += ["-object", backend(id: memdev, size: dimm.size, layout: layout, options: options)]
            } else {
                arguments += ["-object", "memory-backend-ram,id=\(memdev),size=\(ByteCount.qemuSize(dimm.size))"]
            }
            arguments += ["-device", "pc-dimm,id=\(dimm.id),memdev=\(memdev),addr=\(Hex.format(dimm.address))"]
        }
        return arguments
    }

    static func backend(id: String, size: UInt64, layout: GuestLayout, options: Options) -> String {
        "memory-backend-file,id=\(id),size=\(ByteCount.qemuSize(size)),mem-path=\(options.hugepagePath),share=off"
    }

    /// One shell-safe line: arguments that need it are single-quoted.
    public static func shellLine(_ argv: [String]) -> String {
        argv.map(shellQuoted).joined(separator: " ")
    }

    static func shellQuoted(_ argument: String) -> String {
        let safe = argument.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_=,.:/@%+".unicodeScalars.contains(scalar))
        }
        if safe && !argument.isEmpty { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
