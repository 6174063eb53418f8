import LayoutCore

/// What the QEMU binary's virtio-iommu-pci device accepts, by release (hw/virtio/virtio-iommu.c;
/// measured on Debian's 7.2.22 and 10.0.2, see VirtioIOMMU.md in LayoutSolver.docc).
package enum VirtioIOMMUCompatibility {
    /// `aw-bits` exists from QEMU 9.0; 7.2 refuses it ("Property 'virtio-iommu-pci.aw-bits' not found").
    package static func hasAddressBits(qemu: QEMUVersion) -> Bool {
        qemu >= QEMUVersion(major: 9, minor: 0)
    }
}
