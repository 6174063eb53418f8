/// `-global <cpu-type>.<property>=<value>` as libvirt emits it for the vCPU (libvirt 9.0 pins the
/// vendor and host-phys-bits this way in `<qemu:commandline>` output and for some features).
///
/// QEMU applies a global to every object of that type or a subtype (qom/object.c:
/// object_apply_global_props), so `x86_64-cpu.vendor=…` reaches every x86 vCPU and
/// `host-x86_64-cpu.…` only the `host` model. A property given on `-cpu` itself is taken to win:
/// libvirt never sets both, and QEMU registers `-cpu`'s features as globals when the machine is
/// created (target/i386/cpu.c: x86_cpu_parse_featurestr), after `-global`s were registered, so they
/// are applied later. That order is read from the source, not measured against a running QEMU.
extension QEMUMemoryArguments {
    package mutating func applyCPUGlobals() {
        let model = cpuModel ?? "qemu64"
        for (key, value) in globals.sorted(by: { $0.key < $1.key }) {
            guard let dot = key.lastIndex(of: ".") else { continue }
            let driver = String(key[..<dot]), property = String(key[key.index(after: dot)...])
            let applies = ["x86_64-cpu", "i386-cpu", "\(model)-x86_64-cpu", "\(model)-i386-cpu", "arm-cpu", "\(model)-arm-cpu"].contains(driver)
            if applies && cpuProperties[property] == nil { cpuProperties[property] = value }
        }
    }
}
