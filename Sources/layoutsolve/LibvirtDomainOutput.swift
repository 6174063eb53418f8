import Foundation
import LayoutSolver

/// `--libvirt-domain FILE|-` and `--libvirt-hotplug-dir DIR`: the layout merged into the VM's own
/// domain, solved for that domain's machine-type version and vCPUs.
struct LibvirtDomainOutput {
    let path: String
    let xml: String
    let facts: LibvirtDomainMerge.DomainFacts

    init(path: String) throws {
        self.path = path
        let data: Data
        do {
            data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InputError(source: path, message: "cannot read the domain: \(error.localizedDescription)")
        }
        xml = String(decoding: data, as: UTF8.self)
        facts = try LibvirtDomainMerge.facts(ofDomain: xml, source: path == "-" ? "standard input" : path)
    }

    /// The domain decides machine, version and vCPUs; a flag saying otherwise is an error, not a silent override.
    func apply(to spec: inout VMSpec, machineFlag: String?, qemuFlag: String?, vcpusFlag: Int?, cpuModelFlag: String?) throws {
        if let machineFlag, machineFlag != facts.machine.rawValue {
            throw InputError(source: "--machine", message: "the domain \(path) runs machine type \(facts.machineType); --machine \(machineFlag) would change its guest ABI")
        }
        if let qemuFlag, QEMUVersion(qemuFlag) != facts.qemu {
            throw InputError(source: "--qemu", message: "the domain \(path) runs machine type \(facts.machineType); --qemu \(qemuFlag) would change its guest ABI")
        }
        if let vcpusFlag, vcpusFlag != facts.vcpus {
            throw InputError(source: "--vcpus", message: "the domain \(path) has \(facts.vcpus) vCPUs, not \(vcpusFlag)")
        }
        spec.machine = facts.machine
        spec.qemu = facts.qemu
        if spec.name == nil { spec.name = facts.name }
        // The domain's CPU stays unless --cpu-model asks for another one.
        if cpuModelFlag == nil, let model = facts.cpuModel { spec.cpuModel = model }
    }

    func render(_ layout: VerifiedLayout) throws -> String {
        let guest = layout.guest
        guard guest.machineType == facts.machineType else {
            throw InputError(source: path, path: "/domain/os/type/@machine", message: "the layout was solved as \(guest.machineType), which cannot be expressed in the domain's \(facts.machineType); refusing to change the guest ABI")
        }
        let fragment = try LibvirtXML.document(for: guest, options: .init(vcpus: facts.vcpus, name: facts.name))
        let merged = try LibvirtDomainMerge.merge(fragment: fragment, into: xml, source: path)
        // layoutsolve's own domain must read back (else an internal error, exit 70). When it does
        // and the merged one does not, a setting the user's domain keeps changes the map: an input
        // error naming the setting, not a bug to report.
        try RenderingCheck.checkLibvirt(fragment, of: layout)
        do {
            try RenderingCheck.checkLibvirt(merged, of: layout)
        } catch let disagreement as RenderingDisagrees {
            throw InputError(
                source: path,
                message: "the domain's own settings change the guest memory map: \(disagreement.field) reads as \(disagreement.rendered) in the merged domain; in the layout it is \(disagreement.verified); remove the setting from the domain (for example from its <qemu:commandline>)")
        }
        return merged
    }

    /// Writes one attach-device file per planned DIMM; returns their paths.
    static func writeHotplugFiles(_ layout: VerifiedLayout, to folder: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try LibvirtDomainMerge.hotplugFiles(for: layout.guest).map { file in
            let path = URL(fileURLWithPath: folder).appendingPathComponent(file.name).path
            try OutputFile.write(file.xml, to: path, option: "--libvirt-hotplug-dir")
            return path
        }
    }
}
