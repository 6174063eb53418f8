// fuzz-sources: Sources/LayoutCore Sources/LayoutMachines Sources/LayoutPlacement Sources/LayoutOutputs Sources/LayoutFleetCheck Sources/LayoutSolver/HugepageMount.swift
// fuzz-c-sources: Sources/CGLPK Sources/CGLPKGuard
// fuzz-link: glpk
// fuzz-corpus: .ci/fuzz-targets/pipeline-seeds
// fuzz-max-len: 16384
//
// The whole pipeline: flags x VM spec x 1-3 host profiles -> solve -> every emitter -> the
// emitted QEMU line and layout JSON read back by `verify` -> fleet check (issue 15).
//
// Input: parts separated by a line "---". Part 0 is flag-like options, `key=value` words
// (machine, ram, maxmem, slots, qemu, ram-align, pci-hole32, pci-hole64, cpu-vendor, p2p,
// strict, vcpus, width, hugepages, diagnose, check); part 1 a VM spec (empty: flags only, as
// the command line without --vm); parts 2-4 host profiles. The seeds are .ci/fuzz-targets/
// pipeline-seeds (made by make-pipeline-seeds from Profiles/ and Examples/vm/).
//
// Oracles (any failure is a finding): parsing throws only InputError; the solver throws only
// InputError, NoLayoutExists or SolveTimedOut (VerifierRejectedLayout is a bug by its own
// definition); every emitter renders without trapping (libvirt XML may refuse with InputError);
// the emitted QEMU arguments, read back by verify's parser and FitCheck, fit every host; the
// layout JSON, read back by `verify --layout`'s reader, fits every host; fleet check's reports
// render and its exit code is 0 or 1.

import Foundation

let separator = Array("\n---\n".utf8)

/// The input split on separator lines; at most `limit` parts (the rest stays in the last one).
func parts(of bytes: [UInt8], limit: Int) -> [[UInt8]] {
    var result: [[UInt8]] = []
    var start = 0, index = 0
    while index + separator.count <= bytes.count, result.count < limit - 1 {
        if bytes[index..<(index + separator.count)].elementsEqual(separator) {
            result.append(Array(bytes[start..<index]))
            index += separator.count
            start = index
        } else {
            index += 1
        }
    }
    result.append(Array(bytes[start...]))
    return result
}

/// Errors a user may see from bad input or a hard problem; anything else is a finding.
func isExpected(_ error: Error) -> Bool {
    error is InputError || error is InputErrors || error is NoLayoutExists || error is SolveTimedOut
}

struct Flags {
    var words: [String: String] = [:]
    init(_ text: String) {
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            let pair = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            words[String(pair[0])] = pair.count > 1 ? String(pair[1]) : "1"
        }
    }
    subscript(_ key: String) -> String? { words[key] }
    func on(_ key: String) -> Bool { words[key].map { $0 == "1" || $0 == "on" || $0 == "true" } ?? false }
}

/// Applies the flags the way `layoutsolve solve` does (VMSpecFlags): a flag that does not parse
/// is an InputError of that flag.
func apply(_ flags: Flags, to spec: inout VMSpec) throws {
    func size(_ key: String) throws -> UInt64? {
        guard let text = flags[key] else { return nil }
        switch SizeSyntax.parse(text) {
        case .success(let value): return value
        case .failure: throw InputError(source: "--\(key)", message: "not a size")
        }
    }
    if let machine = flags["machine"] {
        let kind = MachineKind(rawValue: machine)
        guard (try? MachineRegistry.model(for: kind)) != nil else { throw InputError(source: "--machine", message: "unknown") }
        spec.machine = kind
    }
    if let ram = try size("ram") { spec.ram = ram }
    if let maxmem = try size("maxmem") { spec.maxmem = maxmem }
    if let slots = flags["slots"] {
        guard let count = Int(slots), (0...256).contains(count) else { throw InputError(source: "--slots", message: "0 to 256") }
        spec.slots = count
    }
    if let hole = try size("pci-hole64") { spec.pciHole64 = hole }
    if let hole = try size("pci-hole32") { spec.pciHole32 = hole }
    if let align = try size("ram-align") { spec.ramAlign = align }
    if let vendor = flags["cpu-vendor"] {
        guard let parsed = CPUVendor(rawValue: vendor) else { throw InputError(source: "--cpu-vendor", message: "intel or amd") }
        spec.cpuVendor = parsed
    }
    if flags.on("p2p") { spec.p2p = true }
    if let qemu = flags["qemu"] {
        guard let version = QEMUVersion(qemu) else { throw InputError(source: "--qemu", message: "a version") }
        spec.qemu = version
    }
}

/// PIPELINE_FUZZ_TRACE=1 prints how far each input got (to check that the seeds reach the solver).
let tracing = ProcessInfo.processInfo.environment["PIPELINE_FUZZ_TRACE"] != nil
func trace(_ stage: @autoclosure () -> String) {
    if tracing { FileHandle.standardError.write(Data(("pipeline: " + stage() + "\n").utf8)) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipeline(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = parts(of: Array(UnsafeBufferPointer(start: data, count: size)), limit: 5)
    guard input.count >= 3 else { return 0 }
    let flags = Flags(String(decoding: input[0], as: UTF8.self))
    let strict = flags.on("strict")

    // Parse: only InputError.
    var spec: VMSpec
    var profiles: [HostProfile] = []
    do {
        spec = input[1].isEmpty ? VMSpec(ram: 0) : try VMSpecParser.parse(input[1], source: "vm.json")
        try apply(flags, to: &spec)
        for (index, bytes) in input.dropFirst(2).enumerated() {
            profiles.append(try HostProfileParser.parse(bytes, source: "host\(index + 1).json"))
        }
    } catch let error as InputError {
        precondition(!error.message.isEmpty)
        trace("input error: \(error)")
        _ = ErrorJSON.render(error)
        return 0
    } catch {
        preconditionFailure("parsing threw \(type(of: error)), not InputError: \(error)")
    }

    // Solve, with a short limit: a slow input is a timeout (exit 3), not a finding.
    var options = SolveOptions(strictRelaxable: strict, timeLimitSeconds: 2)
    options.diagnosesFailures = flags.on("diagnose")
    let solution: Solution
    do {
        solution = try Solver.solve(hosts: profiles, vm: spec, options: options)
    } catch {
        precondition(isExpected(error), "Solver.solve threw \(type(of: error)): \(error)")
        trace("solve: \(type(of: error))")
        precondition(ErrorJSON.kind(of: error).exitCode != 70, "an expected error maps to exit 70: \(error)")
        _ = ErrorJSON.render(error)
        if let failure = error as? NoLayoutExists {
            _ = SVGFailureMap.render(hosts: profiles, failure: failure, strictRelaxable: strict)
        }
        return 0
    }

    trace("solved: \(solution.layout.guest.machineType) on \(solution.hosts.count) host(s)")
    // Every emitter.
    let hugepages = flags["hugepages"] ?? HugepageMount.defaultPath(ramAlign: spec.ramAlign)
    let qemuOptions = QEMUArguments.Options(hugepagePath: hugepages)
    let width = flags["width"].flatMap(Int.init).map { min(max($0, 1), 400) }
    let argv = QEMUArguments.argv(for: solution.layout, options: qemuOptions)
    precondition(!argv.isEmpty)
    let json = LayoutJSON.document(for: solution, qemuOptions: qemuOptions).rendered()
    _ = TextReport.render(solution, qemuOptions: qemuOptions, map: ASCIIMap.Options(color: flags.on("color"), strictRelaxable: strict, width: width))
    _ = ASCIIMap.render(solution, options: ASCIIMap.Options(color: true, strictRelaxable: strict, width: width))
    _ = SVGMap.render(solution, options: SVGMap.Options(strictRelaxable: strict))
    if solution.layout.guest.knobs.pc != nil {
        let vcpus = flags["vcpus"].flatMap(Int.init).map { min(max($0, 1), 4096) } ?? 1
        do {
            let xml = try LibvirtXML.document(for: solution.layout, vcpus: vcpus)
            precondition(xml.hasSuffix("\n"))
        } catch {
            precondition(error is InputError, "libvirt XML threw \(type(of: error)): \(error)")
        }
    }

    // verify --qemu-args on the line it printed: every host fits.
    var verifySpec = VMSpec(ram: 0, p2p: spec.p2p)
    verifySpec.qemu = spec.qemu
    let line = QEMUArguments.shellLine(argv)
    let fits: [HostFit]
    do {
        fits = try FitCheck.check(qemuCommandLine: line, hosts: solution.hosts, vm: verifySpec, strictRelaxable: strict)
    } catch {
        preconditionFailure("verify refuses the emitted QEMU line \(line): \(error)")
    }
    for fit in fits where !fit.fits {
        preconditionFailure("verify --qemu-args: the emitted line \(line) does not fit \(fit.host): \(fit.problems.map(\.description))")
    }

    // verify --layout on the JSON it printed: every host fits.
    do {
        let read = try LayoutReader.read(Array(json.utf8), source: "layout.json")
        for fit in FitCheck.check(layout: read, hosts: solution.hosts, strictRelaxable: strict) where !fit.fits {
            preconditionFailure("verify --layout: the emitted layout does not fit \(fit.host): \(fit.problems.map(\.description))")
        }
    } catch {
        preconditionFailure("verify --layout refuses the emitted layout JSON: \(error)")
    }

    // Fleet check: lint always; the shape too when asked (a second solve).
    var checkOptions = FleetCheck.Options()
    checkOptions.strictRelaxable = strict
    checkOptions.timeLimitSeconds = 2
    let documents = input.dropFirst(2).enumerated().map { CheckInput.parseProfile($0.element, file: "host\($0.offset + 1).json") }
    let shapes = flags.on("check") ? [ShapeDocument(file: "vm.json", spec: spec, name: spec.name ?? "vm")] : []
    do {
        let report = try FleetCheck(options: checkOptions).run(profiles: documents, shapes: shapes)
        precondition([0, 1].contains(report.exitCode), "check exit code \(report.exitCode)")
        trace("check: \(report.verdict)")
        _ = CheckTextReport.render(report)
        _ = CheckJSONReport.document(for: report).rendered()
        _ = CheckJUnitReport.render(report)
        _ = CheckGitHubReport.render(report)
    } catch {
        precondition(error is InputError || error is InputErrors, "FleetCheck.run threw \(type(of: error)): \(error)")
    }
    return 0
}
