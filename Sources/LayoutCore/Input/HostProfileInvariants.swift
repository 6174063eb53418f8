/// The invariants the host-profile parser enforces, checked again for profiles a library caller
/// builds with the public `HostProfile.init`, so a bad width or count is an `InputError` naming the
/// host instead of a trap in the arithmetic (`Sizes.limit(bits:)` shifts by the width;
/// `alignedUp` requires a power-of-two alignment).
extension HostProfile {
    package func invariantViolations() -> [InputError] {
        let source = file.isEmpty ? "host \"\(name.prefix(80))\"" : file
        var problems: [InputError] = []
        func fail(_ path: String, _ message: String) { problems.append(InputError(source: source, path: path, message: message)) }
        if name.isEmpty { fail("$.name", "the host name must not be empty") }
        if !(1...64).contains(cpuPhysBits) { fail("$.cpu.phys_bits", "phys_bits \(cpuPhysBits) is outside 1...64") }
        if !(1...64).contains(iommuAddressBits) { fail("$.iommu.address_bits", "address_bits \(iommuAddressBits) is outside 1...64") }
        if count < 1 { fail("$.count", "count \(count) must be at least 1") }
        for (index, window) in programmable.enumerated() {
            let path = window.path.isEmpty ? "$.programmable[\(index)]" : window.path
            if window.size == 0 { fail(path, "a programmable window of size 0") }
            if window.align == 0 || window.align & (window.align - 1) != 0 { fail(path, "align \(Hex.format(window.align)) is not a power of two") }
        }
        return problems
    }
}
