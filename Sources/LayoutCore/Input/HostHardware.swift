/// The CPU vendor a host profile names (`cpu.vendor`): `intel`, `amd`, `arm`, `ibm`, or another
/// lowercase word. Typed so callers compare against constants, not strings.
public struct HostCPUVendor: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let intel: HostCPUVendor = "intel"
    public static let amd: HostCPUVendor = "amd"
    public static let arm: HostCPUVendor = "arm"
    public static let ibm: HostCPUVendor = "ibm"

    /// The guest vCPU vendor a `host` CPU model takes on this host, when QEMU's x86 model has one.
    public var guestVendor: CPUVendor? { CPUVendor(rawValue: rawValue) }
    public var description: String { rawValue }
}

/// The IOMMU a host profile names (`iommu.kind`), one of the schema's values.
public enum IOMMUKind: String, Sendable, CaseIterable, CustomStringConvertible {
    case intelVTd = "intel-vt-d"
    case amdVi = "amd-vi"
    case armSMMUv3 = "arm-smmu-v3"
    case armSMMU = "arm-smmu"
    case s390
    case other

    public var description: String { rawValue }
}
