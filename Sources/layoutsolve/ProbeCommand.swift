import ArgumentParser
import Foundation
import LayoutSolver

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Print this host's profile (layoutsolve/host/v1), read from sysfs and procfs.",
        discussion: """
            Reads /sys/kernel/iommu_groups/*/reserved_regions (every group, or those of --groups or \
            --devices) and merges them per type; tells hardware MSI doorbells from software MSI windows \
            by architecture and address; reads the CPU vendor and physical address bits from \
            /proc/cpuinfo, the IOMMU width from /sys/class/iommu (Intel: MGAW from dmar*/intel-iommu/cap; \
            AMD: HATS from ivhd*/amd-iommu/features; Arm: not in sysfs, assumed and warned; s390: the top \
            of the reserved regions), and the kernel from /proc/sys/kernel/osrelease.

            arm64: the CPU width is KVM's IPA limit, which no file holds. Read it with \
            'dmesg | grep "IPA Size Limit"' and pass --ipa-bits N.

            The profile is named --name, else after /etc/hostname (or /proc/sys/kernel/hostname) \
            under the root, else "probed-host". Nothing else in it depends on when or where it runs: \
            the same host gives the same bytes. Warnings go to standard error and into the source line.

            Missing, unreadable or malformed files are errors naming the file and line (exit 2); \
            --partial prints what could be read instead, with stand-in values the source line names.

            Hosts without layoutsolve: --collector prints a shell script (sh, cat, tar, gzip) that \
            archives exactly the files above; probe reads the archive with --root.

            Examples:
              layoutsolve probe > host.json
              layoutsolve probe --collector > collect.sh
              ssh db-host-07 sh -s < collect.sh > db-host-07.tar.gz
              layoutsolve probe --root db-host-07.tar.gz
              layoutsolve probe --devices 0000:3b:00.0,0000:3b:00.1 --name db-host-07
              layoutsolve probe --root arm01.tar.gz --ipa-bits 48 | layoutsolve lint -
            """
    )

    @Option(help: ArgumentHelp("Read a copy of a host's sys/, proc/ and etc/ files instead of /: a folder, or the .tar.gz (or .tar) the --collector script writes.", valueName: "dir|archive"))
    var root: String = "/"

    @Flag(help: "Print a POSIX shell script that archives exactly the files probe reads, for hosts without layoutsolve; then run probe --root ARCHIVE where layoutsolve is.")
    var collector = false

    @Option(help: ArgumentHelp("Only these IOMMU groups, e.g. 9,12.", valueName: "n,m"))
    var groups: String?

    @Option(help: ArgumentHelp("Only the groups of these PCI devices (the ones to assign), e.g. 0000:3b:00.0,0000:3b:00.1.", valueName: "bdf,..."))
    var devices: String?

    @Option(help: ArgumentHelp("The profile's name (default: the host name).", valueName: "name"))
    var name: String?

    @Option(name: .customLong("ipa-bits"), help: ArgumentHelp("arm64: the KVM IPA limit ('kvm [1]: IPA Size Limit: N bits' in dmesg).", valueName: "n"))
    var ipaBits: Int?

    @Flag(help: "Print a partial profile when files are missing or malformed, with stand-ins for what could not be read.")
    var partial = false

    func validate() throws {
        if groups != nil && devices != nil { throw ValidationError("give --groups or --devices, not both") }
        _ = try parsedGroups()
        _ = try parsedDevices()
    }

    func parsedGroups() throws -> [Int]? {
        guard let groups else { return nil }
        return try list(groups, flag: "--groups").map { item in
            guard let group = Int(item), group >= 0 else { throw ValidationError("--groups: expected IOMMU group numbers such as 9,12, found \"\(item)\"") }
            return group
        }
    }

    func parsedDevices() throws -> [PCIAddress]? {
        guard let devices else { return nil }
        return try list(devices, flag: "--devices").map { item in
            guard let address = PCIAddress(item) else { throw ValidationError("--devices: expected PCI addresses such as 0000:3b:00.0, found \"\(item)\"") }
            return address
        }
    }

    func list(_ text: String, flag: String) throws -> [String] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.isEmpty, !items.contains(where: \.isEmpty) else { throw ValidationError("\(flag): expected a comma-separated list, found \"\(text)\"") }
        return items
    }

    func run() throws {
        if collector {
            FileHandle.standardOutput.write(Data(ProbeCollector.script(generator: "layoutsolve \(LayoutSolverVersion.current) probe --collector").utf8))
            return
        }
        do {
            let options = ProbeOptions(root: root, groups: try parsedGroups(), devices: try parsedDevices(), name: name, ipaBits: ipaBits, partial: partial)
            let result = try Prober.probe(options)
            var notices = result.missing.map { "layoutsolve: warning: not read: \($0)" }
            notices += result.warnings.map { "layoutsolve: warning: \($0)" }
            if result.isPartial { notices.append("layoutsolve: warning: this is a PARTIAL profile (--partial); its source line names the stand-ins") }
            if !notices.isEmpty { FileHandle.standardError.write(Data((notices.joined(separator: "\n") + "\n").utf8)) }
            FileHandle.standardOutput.write(Data(result.json.utf8))
        } catch let failure as ProbeFailed {
            let lines = failure.problems.map { "layoutsolve: error: \($0)" }
                + ["layoutsolve: " + (failure.partialWouldHelp
                    ? "no profile printed; --partial prints what could be read, with stand-ins for the rest"
                    : "no profile printed")]
            throw CommandFailure(code: 2, message: lines.joined(separator: "\n"))
        } catch let error as ValidationError {
            throw CommandFailure(code: 2, message: "layoutsolve: error: \(error.message)")
        } catch {
            throw CommandFailure.from(error)
        }
    }
}
