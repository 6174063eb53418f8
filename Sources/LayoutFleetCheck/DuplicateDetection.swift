import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
/// Profiles that constrain a layout identically, grouped: the solver, the explainer, coverage and
/// pools see each group once, weighted by how many hosts it stands for. A 10,000-host fleet
/// usually has a few hundred such groups.
package struct DistinctProfile: Sendable {
    /// The first member by name, with `count` set to the whole group's count: what gets solved.
    package var representative: HostProfile
    /// Every profile of the group, by name.
    package var members: [HostProfile]
    /// The representative's file, for line numbers.
    package var document: ProfileDocument

    package var name: String { representative.name }
    package var weight: Int { representative.count }
    package var memberNames: [String] { members.map(\.name) }

    /// `amd-epyc-7003 ×40`, or `xeon-0001 (+2 alike) ×3`: the JSON report lists every member.
    package var label: String {
        var text = name
        if members.count > 1 { text += " (+\(members.count - 1) alike)" }
        if weight > 1 { text += " ×\(weight)" }
        return text
    }
}

/// The same host given twice, two hosts under one name, copies that differ only in name, and the
/// grouping of profiles that constrain a layout the same way.
package enum DuplicateDetection {
    package struct Result: Sendable {
        package var findings: [LintFinding]
        /// Indices of the documents that take part in solving (parsed, and not a later copy).
        package var used: [Int]
        package var distinct: [DistinctProfile]
    }

    package static func analyse(_ documents: [ProfileDocument], strictRelaxable: Bool) -> Result {
        var findings: [LintFinding] = []
        var used: [Int] = []
        var firstByName: [String: Int] = [:]
        for (index, document) in documents.enumerated() {
            guard let profile = document.profile else { continue }
            guard let earlier = firstByName[profile.name] else {
                firstByName[profile.name] = index
                used.append(index)
                continue
            }
            let other = documents[earlier]
            guard var b = other.profile else { continue }
            var a = profile
            a.file = ""; b.file = ""
            if a == b {
                findings.append(LintFinding(
                    severity: .warning, code: "duplicate-host", file: document.file, line: document.line(of: "$.name"), path: "$.name",
                    message: "the same host as \(other.file) (same name and content); counted once"))
            } else {
                findings.append(LintFinding(
                    severity: .error, code: "duplicate-name", file: document.file, line: document.line(of: "$.name"), path: "$.name",
                    message: "host name \"\(profile.name)\" is also used by \(other.file) with different content; every host needs its own name, and this one is left out of the layouts"))
            }
        }

        // A profile with a count stands for a kind of host; the same kind twice under two names,
        // down to the source text and notes, counts those hosts twice. Per-host profiles (count 1)
        // that are alike are normal in a fleet and are only grouped below.
        // `used` holds parsed documents only; pairing each with its profile keeps that typed.
        let parsed: [(index: Int, profile: HostProfile)] = used.compactMap { index in documents[index].profile.map { (index, $0) } }
        var firstByContent: [String: (index: Int, profile: HostProfile)] = [:]
        for entry in parsed where entry.profile.count > 1 {
            let key = contentKey(entry.profile)
            if let earlier = firstByContent[key] {
                findings.append(LintFinding(
                    severity: .warning, code: "identical-profile", file: documents[entry.index].file, line: documents[entry.index].line(of: "$.name"), path: "$.name",
                    message: "identical to \(earlier.profile.name) (\(documents[earlier.index].file)) except for the name, count included: the same kind of host listed twice counts its \(entry.profile.count) hosts twice; keep one profile, or edit the copy"))
            } else {
                firstByContent[key] = entry
            }
        }

        var groups: [String: [(index: Int, profile: HostProfile)]] = [:]
        var order: [String] = []
        for entry in parsed {
            let key = constraintKey(entry.profile, strictRelaxable: strictRelaxable)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(entry)
        }
        var distinct: [DistinctProfile] = order.compactMap { key in
            let members = (groups[key] ?? []).sorted { $0.profile.name < $1.profile.name }
            guard let first = members.first else { return nil }
            var representative = first.profile
            representative.count = members.reduce(0) { $0 + $1.profile.count }
            return DistinctProfile(representative: representative, members: members.map(\.profile), document: documents[first.index])
        }
        distinct.sort { $0.name < $1.name }
        return Result(findings: findings, used: used, distinct: distinct)
    }

    /// Everything in the profile except its name and file.
    package static func contentKey(_ profile: HostProfile) -> String {
        var parts = [profile.source, profile.arch.rawValue, profile.cpuVendor.rawValue, String(profile.cpuPhysBits), profile.iommuKind.rawValue, String(profile.iommuAddressBits), String(profile.count)]
        parts.append(profile.iovaRanges.map { $0.map(\.description).joined(separator: ",") } ?? "-")
        parts += profile.reserved.map { "\($0.range) \($0.type.rawValue) \($0.note ?? "\u{0}")" }
        parts += profile.programmable.map(programmableKey)
        return parts.joined(separator: "\u{1}")
    }

    /// What a layout depends on: two profiles with the same key get the same answer from the solver.
    /// Order of regions and regions VFIO ignores do not matter.
    package static func constraintKey(_ profile: HostProfile, strictRelaxable: Bool) -> String {
        var parts = [profile.arch.rawValue, profile.cpuVendor.rawValue, String(profile.cpuPhysBits), profile.iommuKind.rawValue, String(profile.iommuAddressBits)]
        parts.append(profile.iovaRanges.map { AddressSet($0).description } ?? "-")
        let blocking = profile.reserved.filter { $0.type.blocksDMA(strictRelaxable: strictRelaxable) }.map { "\($0.range) \($0.type.rawValue)" }.sorted()
        parts.append(blocking.joined(separator: ","))
        parts += profile.programmable.map(programmableKey).sorted()
        return parts.joined(separator: "\u{1}")
    }

    package static func programmableKey(_ window: ProgrammableRegion) -> String {
        "\(window.type.rawValue) \(window.size) \(window.align) \(window.within) \(window.defaultBase.map(Hex.format) ?? "-")"
    }
}
