import Foundation
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

/// The probe's fixture trees (copies of real hosts' sys/, proc/ and etc/ files, see
/// Fixtures/probe/README.md) and scratch copies of them to break on purpose.
enum ProbeFixture {
    /// Each platform with the options it is probed with: arm64 hosts need the KVM IPA limit,
    /// which no file holds.
    static let platforms: [(name: String, ipaBits: Int?)] = [
        ("intel-client", nil), ("intel-server", nil), ("amd-epyc", nil),
        ("arm64-smmuv3", 48), ("hisilicon-d05", 44), ("s390x", nil),
    ]

    static let folder = Fixture.repository.appendingPathComponent("Tests/LayoutSolverTests/Fixtures/probe")

    static func root(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static func expectedJSON(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name).appendingPathComponent("expected.json"), encoding: .utf8)
    }

    static func options(_ name: String, _ configure: (inout ProbeOptions) -> Void = { _ in }) -> ProbeOptions {
        var options = ProbeOptions(root: root(name), ipaBits: platforms.first { $0.name == name }?.ipaBits)
        configure(&options)
        return options
    }

    /// A scratch copy of a fixture tree (or an empty tree), removed by `remove()`.
    struct Scratch {
        let url: URL
        var path: String { url.path }

        init(copying name: String?) throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("ls-probe-\(UUID().uuidString)")
            if let name {
                try FileManager.default.copyItem(at: folder.appendingPathComponent(name), to: url)
            } else {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            }
        }

        func write(_ hostPath: String, _ text: String) throws {
            let file = url.appendingPathComponent(String(hostPath.dropFirst()))
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
        }

        func remove(_ hostPath: String) throws {
            try FileManager.default.removeItem(at: url.appendingPathComponent(String(hostPath.dropFirst())))
        }

        func makeFolder(_ hostPath: String) throws {
            try FileManager.default.createDirectory(at: url.appendingPathComponent(String(hostPath.dropFirst())), withIntermediateDirectories: true)
        }

        func link(_ hostPath: String, to target: String) throws {
            let file = url.appendingPathComponent(String(hostPath.dropFirst()))
            try? FileManager.default.removeItem(at: file)
            try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: target)
        }

        func options(ipaBits: Int? = nil, _ configure: (inout ProbeOptions) -> Void = { _ in }) -> ProbeOptions {
            var options = ProbeOptions(root: path, ipaBits: ipaBits)
            configure(&options)
            return options
        }

        func delete() { try? FileManager.default.removeItem(at: url) }
    }

    /// The problems of a probe that must fail, or an empty list when it printed a profile.
    static func problems(_ options: ProbeOptions) -> [InputError] {
        do {
            _ = try Prober.probe(options)
            return []
        } catch let failure as ProbeFailed {
            return failure.problems
        } catch let error as InputError {
            return [error]
        } catch {
            return [InputError(source: "?", message: "unexpected \(error)")]
        }
    }

    /// A profile with the bookkeeping members cleared, for comparing a parse with a probe.
    static func comparable(_ profile: HostProfile) -> HostProfile {
        var copy = profile
        copy.file = ""
        for index in copy.reserved.indices { copy.reserved[index].path = "" }
        for index in copy.programmable.indices { copy.programmable[index].path = "" }
        return copy
    }
}
