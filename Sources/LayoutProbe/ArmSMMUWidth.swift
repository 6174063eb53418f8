import LayoutCore
/// The input width of Arm SMMUs, which sysfs does not expose: the driver reads it from IDR5
/// (SMMUv3) or ID2 (v1/v2) and prints it only to the kernel log
/// (`arm-smmu-v3 ...: ias 48-bit, oas 48-bit`).
package enum ArmSMMUWidth {
    /// The stage-1 input size VFIO's domains get without the VAX extension (52 with it), capped
    /// by the kernel's VA_BITS.
    package static let stage1InputBits = 48

    /// The width a profile can defend without the log: no wider than the guest can address
    /// (the KVM IPA limit) and no wider than a stage-1 domain without VAX.
    package static func assumedBits(ipaBits: Int) -> Int { min(ipaBits, stage1InputBits) }

    package static func warning(kind: IOMMUKind, bits: Int) -> String {
        "the \(kind.displayName) input address size is not in sysfs (only the kernel log prints it, as 'ias N-bit'); "
            + "iommu.address_bits \(bits) assumes min(the IPA width, \(stage1InputBits)), the stage-1 input size without VAX: "
            + "check 'dmesg | grep ias' and correct it if the SMMU is narrower"
    }
}
