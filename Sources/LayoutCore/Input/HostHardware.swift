/// The CPU vendor a host profile names (`cpu.vendor`): `intel`, `amd`, `arm`, `ibm`, or another
/// lowercase word. Typed so callers compare against constants, not strings.
public struct HostCPUVendor: RawRepresentable, Hashable, Sendable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let intel = HostCPUVendor(rawValue: "intel")
    public static let amd = HostCPUVendor(rawValue: "amd")
    public static let arm = HostCPUVendor(rawValue: "arm")
    public static let ibm = HostCPUVendor(rawValue: "ibm")

    /// The guest vCPU vendor a `host` CPU model takes on this host, when QEMU's x86 model has one.
    package var guestVendor: CPUVendor? { CPUVendor(rawValue: rawValue) }
}

/// The IOMMU a host profile names (`iommu.kind`), one of the schema's values.
public enum IOMMUKind: String, Sendable, CaseIterable {
    case intelVTd = "intel-vt-d"
    case amdVi = "amd-vi"
    case armSMMUv3 = "arm-smmu-v3"
    case armSMMU = "arm-smmu"
    case s390
    case other

}
