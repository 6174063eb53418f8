// The inner QEMU runs under TCG inside the virtual host (no nested KVM there): KVM-only
// arguments become their TCG equivalents, keeping the two CPU properties that move QEMU's memory
// map (phys-bits and vendor). Same rule as the `rehearse` branch's Tests/GuestBootTests/TCGArguments.swift.

enum InnerArguments {
    static func adapt(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "-enable-kvm" { i += 1; continue }
            if a == "-accel", i + 1 < arguments.count { i += 2; continue }
            if a == "-cpu", i + 1 < arguments.count {
                var parts = arguments[i + 1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                if parts.first == "host" { parts[0] = "max" }
                out += ["-cpu", parts.joined(separator: ",")]
                i += 2
                continue
            }
            if a == "-machine" || a == "-M", i + 1 < arguments.count {
                out += [a, arguments[i + 1].split(separator: ",").filter { !$0.hasPrefix("accel=") }.joined(separator: ",")]
                i += 2
                continue
            }
            out.append(a)
            i += 1
        }
        return out
    }

    /// True when the machine type is q35 (`-M q35`, `-machine pc-q35-7.2,...`, `type=q35`).
    static func isQ35(_ arguments: [String]) -> Bool {
        for (i, a) in arguments.enumerated() where (a == "-M" || a == "-machine") && i + 1 < arguments.count {
            let first = arguments[i + 1].split(separator: ",").first.map(String.init) ?? ""
            let type = first.hasPrefix("type=") ? String(first.dropFirst(5)) : first
            return type == "q35" || type.hasPrefix("pc-q35")
        }
        return false
    }
}
