import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// A fingerprint of what the guest sees: two layouts with one digest give the guest the same
/// memory map, CPU width and QEMU arguments, so a VM started under one can live-migrate to a host
/// given the other. A changed digest after a fleet change means running VMs cannot move.
package enum LayoutDigest {
    /// Members of the layout document that describe where it came from or who it was checked on,
    /// not what the guest sees. Everything else, including members added later, is covered.
    package static let volatileMembers: Set<String> = ["generator", "vm", "programmable", "hosts", "notes"]

    /// Top-level null members are left out too, so a feature a later version adds (and this layout
    /// does not use) leaves the digest as it was.
    package static func canonicalDocument(for solution: Solution) -> String {
        JSONOutput.object(LayoutJSON.members(for: solution).filter { !volatileMembers.contains($0.0) && $0.1 != .null }).rendered()
    }

    /// `sha256:` and 64 hex digits.
    package static func digest(for solution: Solution) -> String {
        "sha256:" + SHA256.hexDigest(canonicalDocument(for: solution))
    }

    /// The first 12 hex digits, for tables.
    package static func short(_ digest: String) -> String {
        String(digest.dropFirst("sha256:".count).prefix(12))
    }
}
