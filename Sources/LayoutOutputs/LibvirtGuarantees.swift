import LayoutCore
import LayoutMachines

/// What a libvirt domain with the layout may rely on, said in the XML itself (as comments) so it
/// travels with the domain: the map is the same on every host; live migration also needs the CPU
/// the guest sees to exist on the destination, which the layout does not make true.
package enum LibvirtGuarantees {
    package static func comments(for layout: GuestLayout, hasCommandline: Bool) -> [String] {
        var lines = ["Guarantee: the same guest physical memory map on every host of the fleet the layout was solved for (RAM, DIMMs and hotplug room avoid every host's reserved IOVA ranges), so the domain can be placed (cold) on any of them."]
        switch LibvirtXML.cpuKind(layout.vm.cpuModel) {
        case .hostLike(let mode) where mode == "host-model":
            // libvirt expands host-model to the source host's named model and features at start and
            // migrates that definition (libvirt's formatdomain "CPU model and topology").
            lines.append("Live migration: CPU mode host-model is expanded by libvirt to this host's named CPU model and features when the domain starts, and that definition migrates: live migration works to hosts whose CPU provides it, which in practice means the same vendor and a CPU generation at least as new; never between Intel and AMD.")
        case .hostLike(let mode) where layout.machine == .virt:
            lines.append("Live migration: CPU mode \(mode) shows each host's own CPU, so live migration only works between hosts with the same CPU (implementer, part and features). Use a named CPU model common to the fleet for live migration.")
        case .hostLike(let mode):
            lines.append("Live migration: CPU mode \(mode) shows each host's own CPU, so live migration only works between hosts with the same CPU model and vendor; across Intel and AMD hosts it cannot work, pinning the vendor string does not change that. Use a named CPU model common to the fleet for live migration.")
        case .custom(let model):
            lines.append("Live migration: possible between hosts that all run CPU model \(model) (check with virsh hypervisor-cpu-compare); the memory map does not change on migration.")
        }
        if hasCommandline {
            lines.append("The <qemu:commandline> arguments are for what libvirt has no element for (each says why); libvirt marks the domain tainted (custom-argv) and managed platforms may refuse it.")
        }
        return lines
    }
}
