// Layout arguments are written for KVM hosts (`-cpu host,...`, solver output in
// Sources/LayoutSolver/Emit/QEMUArguments.swift). The guest tests run under TCG, where `host`
// needs KVM: use `max` with the same flags (phys-bits, host-phys-bits=off, vendor), which keeps the
// layout's address width and vendor, the two CPU properties that change QEMU's memory map.

enum TCGArguments {
    static func adapt(_ arguments: [String], architecture: GuestArchitecture) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "-enable-kvm" { i += 1; continue }
            if (a == "-accel") && i + 1 < arguments.count { i += 2; continue }
            if a == "-cpu" && i + 1 < arguments.count {
                var parts = arguments[i + 1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                if parts.first == "host" { parts[0] = "max" }
                // QARMA pointer authentication is slow to emulate; the implementation-defined
                // algorithm changes nothing in the memory map.
                if architecture == .aarch64 && parts.first == "max" && !parts.contains(where: { $0.hasPrefix("pauth") }) {
                    parts.append("pauth-impdef=on")
                }
                out += ["-cpu", parts.joined(separator: ",")]
                i += 2
                continue
            }
            if (a == "-machine" || a == "-M") && i + 1 < arguments.count {
                let parts = arguments[i + 1].split(separator: ",").filter { !$0.hasPrefix("accel=") }
                out += [a, parts.joined(separator: ",")]
                i += 2
                continue
            }
            out.append(a)
            i += 1
        }
        return out
    }
}
