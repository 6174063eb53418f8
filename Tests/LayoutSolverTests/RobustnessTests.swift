import FleetGenerator
import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

/// Hostile and broken input must end in an InputError that says where and what, never a crash,
/// a hang or a wrong number; inputs far larger than real ones must finish; the speed-ups that the
/// benchmark motivated must not change a single answer.
@Suite("Robustness")
struct RobustnessTests {
    static let profileHead = #"{"schema": "layoutsolve/host/v1", "name": "h", "arch": "x86_64", "cpu": {"vendor": "intel", "phys_bits": 46}, "iommu": {"kind": "intel-vt-d", "address_bits": 48}"#

    /// A profile with one reserved region whose members are `region`.
    static func profile(region: String) -> String { profileHead + #", "reserved": [{"# + region + "}]}" }

    static func profile(programmable: String) -> String { profileHead + #", "programmable": [{"type": "sw-msi", "#  + programmable + "}]}" }

    static func vm(_ members: String) -> String { #"{"schema": "layoutsolve/vm/v1", "# + members + "}" }

    static func temporaryFolder(_ label: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ls-robust-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func profileError(_ bytes: [UInt8]) -> InputError? {
        inputError { _ = try HostProfileParser.parse(bytes, source: "host.json") }
    }

    func vmError(_ bytes: [UInt8]) -> InputError? {
        inputError { _ = try VMSpecParser.parse(bytes, source: "vm.json") }
    }

    /// The InputError `parse` throws, nil when it accepts the input; any other error is a test failure.
    func inputError(_ parse: () throws -> Void) -> InputError? {
        do {
            try parse()
            return nil
        } catch let error as InputError {
            return error
        } catch {
            Issue.record("not an InputError: \(error)")
            return nil
        }
    }

    // MARK: - bad profiles

    @Test(arguments: [
        // (what, profile text, expected JSON path, a fragment of the message)
        ("empty file", "", "", "the file is empty"),
        ("only whitespace", " \n\t\r\n ", "", "the file is empty"),
        ("only a byte-order mark", "\u{FEFF}", "", "the file is empty"),
        ("not JSON", "schema: layoutsolve/host/v1\nname: h\n", "", "not valid JSON"),
        ("truncated", #"{"schema": "layoutsolve/host/v1", "name": "#, "", "unexpected end of file"),
        ("trailing garbage", profileHead + "}}", "", "after the end of the JSON document"),
        ("an array", "[]", "$", "expected an object"),
        ("a string", #""layoutsolve/host/v1""#, "$", "expected an object"),
        ("a number", "42", "$", "expected an object"),
        ("null", "null", "$", "expected an object"),
        ("cpu as an array", #"{"schema": "layoutsolve/host/v1", "name": "h", "arch": "x86_64", "cpu": [46]}"#, "$.cpu", "expected an object"),
        ("reserved as an object", profileHead + #", "reserved": {"start": "0x0"}}"#, "$.reserved", "expected an array"),
        ("start as true", profile(region: #""start": true, "size": "4K", "type": "reserved""#), "$.reserved[0].start", "expected a start address"),
        ("hex past 2^64", profile(region: #""start": "0x10000000000000000", "size": "4K", "type": "reserved""#), "$.reserved[0].start", "does not fit in 64 bits"),
        ("decimal number past 2^64", profile(region: #""start": 18446744073709551616, "size": "4K", "type": "reserved""#), "$.reserved[0].start", "does not fit in 64 bits"),
        ("size with unit past 2^64", profile(region: #""start": "0x0", "size": "16384P", "type": "reserved""#), "$.reserved[0].size", "does not fit in 64 bits"),
        ("end past 2^64", profile(region: #""start": "0x0", "end": "99999999999999999999999", "type": "reserved""#), "$.reserved[0].end", "does not fit in 64 bits"),
        ("region past 2^64", profile(region: #""start": "0xffffffffffffffff", "size": "2", "type": "reserved""#), "$.reserved[0].size", "past the 64-bit"),
        ("negative size", profile(region: #""start": "0x0", "size": "-4096", "type": "reserved""#), "$.reserved[0].size", "must not be negative"),
        ("negative JSON number", profile(region: #""start": -4096, "size": "4K", "type": "reserved""#), "$.reserved[0].start", "must not be negative"),
        ("negative hex", profile(region: #""start": "-0x1000", "size": "4K", "type": "reserved""#), "$.reserved[0].start", "must not be negative"),
        ("fraction", profile(region: #""start": 4096.5, "size": "4K", "type": "reserved""#), "$.reserved[0].start", "expected a start address"),
        ("exponent", profile(region: #""start": 1e9, "size": "4K", "type": "reserved""#), "$.reserved[0].start", "expected a start address"),
        ("size of zero", profile(region: #""start": "0x1000", "size": 0, "type": "reserved""#), "$.reserved[0].size", "size 0"),
        ("size of zero with a unit", profile(region: #""start": "0x1000", "size": "0K", "type": "reserved""#), "$.reserved[0].size", "size 0"),
        ("window of size zero", profile(programmable: #""size": "0", "align": "1M", "within": {"start": "0x0", "end": "0xffffffff"}"#), "$.programmable[0].size", "size 0"),
        ("alignment of three", profile(programmable: #""size": "1M", "align": "3M", "within": {"start": "0x0", "end": "0xffffffff"}"#), "$.programmable[0].align", "not a power of two"),
        ("alignment of zero", profile(programmable: #""size": "1M", "align": 0, "within": {"start": "0x0", "end": "0xffffffff"}"#), "$.programmable[0].align", "not a power of two"),
        ("odd alignment", profile(programmable: #""size": "1M", "align": "0x1001", "within": {"start": "0x0", "end": "0xffffffff"}"#), "$.programmable[0].align", "not a power of two"),
        ("width past 64", profileHead.replacingOccurrences(of: #""address_bits": 48"#, with: #""address_bits": 18446744073709551617"#) + "}", "$.iommu.address_bits", "from 32 to 64"),
        ("a member twice", profileHead + #", "name": "again"}"#, "", "appears twice"),
        ("a control character in a string", "{\"schema\": \"layoutsolve/host/v1\", \"name\": \"a\u{01}b\"}", "", "control character"),
        ("an unknown escape", #"{"schema": "layoutsolve/host/v1", "name": "a\qb"}"#, "", "unknown escape"),
        ("a lone surrogate", #"{"schema": "layoutsolve/host/v1", "name": "\ud800"}"#, "", "surrogate"),
    ])
    func badProfileIsAnInputError(what: String, text: String, path: String, fragment: String) {
        guard let error = profileError(Array(text.utf8)) else {
            Issue.record("\(what): accepted")
            return
        }
        #expect(error.source == "host.json", "\(what)")
        #expect(error.path == path, "\(what): \(error)")
        #expect(error.message.contains(fragment), "\(what): \(error)")
        #expect(error.line != nil, "\(what): \(error)")
    }

    @Test func binaryGarbageIsAnInputError() {
        var random = SplitMix64(seed: 8)
        for length in [1, 2, 7, 64, 4096] {
            for _ in 0..<50 {
                let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                // A byte such as "7" is valid JSON, just not a profile.
                let error = profileError(bytes)
                #expect(error.map { $0.message.contains("not valid JSON") || $0.message.contains("expected an object") } == true, "\(bytes.prefix(16)): \(String(describing: error))")
            }
        }
        #expect(profileError([0, 0, 0, 0])?.message.contains("not valid JSON") == true)
        // Invalid UTF-8 inside a string, before and after an escape: the same error either way.
        for bytes: [UInt8] in [[0x22, 0xC3, 0x28, 0x22], [0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x5C, 0x6E, 0x22]] {
            #expect(throws: JSONParser.SyntaxError(line: 1, message: "a string is not valid UTF-8")) { try JSONParser.parse(bytes) }
        }
    }

    @Test func deepNestingStopsAtTheLimitWithoutExhaustingTheStack() {
        for opener in ["[", "{\"a\": "] {
            let deep = #"{"schema": "layoutsolve/host/v1", "name": "#
                + String(repeating: opener, count: 200_000)
            let error = profileError(Array(deep.utf8))
            #expect(error?.message.contains("nested deeper than \(JSONParser.maximumDepth)") == true, "\(String(describing: error))")
        }
        let atTheLimit = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        #expect((try? JSONParser.parse(Array(atTheLimit.utf8))) != nil)
        #expect(vmError(Array(("{\"schema\": " + String(repeating: "[", count: 10_000)).utf8))?.message.contains("nested deeper") == true)
    }

    @Test func hugeObjectsAreReadInLinearTime() throws {
        // 10^5 members: the duplicate check was a linear scan per member, 5·10^9 comparisons.
        let members = (0..<100_000).map { "\"m\($0)\": \($0)" }
        let started = Date()
        let object = "{" + members.joined(separator: ",\n") + "}"
        let parsed = try JSONParser.parse(Array(object.utf8))
        guard case .object(let read) = parsed.value else { Issue.record("not an object"); return }
        #expect(read.count == 100_000 && read[99_999].key == "m99999" && read[99_999].value.line == 100_000)
        let duplicated = "{" + (members + ["\"m12345\": 0"]).joined(separator: ",\n") + "}"
        #expect(throws: JSONParser.SyntaxError(line: 100_001, message: "member \"m12345\" appears twice in one object")) {
            try JSONParser.parse(Array(duplicated.utf8))
        }
        let asProfile = Self.profileHead + "," + members.joined(separator: ",") + "}"
        #expect(profileError(Array(asProfile.utf8))?.message.contains("unknown member \"m0\"") == true)
        #expect(Date().timeIntervalSince(started) < 60)
    }

    @Test func duplicateMembersAreFoundInSmallAndLargeObjects() {
        for count in [2, 15, 16, 17, 40] {
            let members = (0..<count).map { "\"k\($0)\": 1" } + ["\"k0\": 2"]
            #expect(throws: JSONParser.SyntaxError.self, "\(count) members") { try JSONParser.parse(Array(("{" + members.joined(separator: ",") + "}").utf8)) }
            let distinct = (0..<count).map { "\"k\($0)\": 1" } + ["\"k\(count)\": 2"]
            #expect((try? JSONParser.parse(Array(("{" + distinct.joined(separator: ",") + "}").utf8))) != nil, "\(count) members")
        }
    }

    @Test func stringsKeepEveryCharacter() throws {
        let cases: [(String, String)] = [
            (#""plain ascii""#, "plain ascii"),
            (#""""#, ""),
            (#""caf\u00e9 \"q\" \\ \/ \b\f\n\r\t""#, "café \"q\" \\ / \u{08}\u{0C}\n\r\t"),
            ("\"Bühler – 𝄞\"", "Bühler – 𝄞"),
            (#""\ud834\udd1e and \u0000""#, "𝄞 and \u{0}"),
            ("\"é\\n\"", "é\n"),
            (#""\n""#, "\n"),
        ]
        for (json, expected) in cases {
            let node = try JSONParser.parse(Array(json.utf8))
            guard case .string(let text) = node.value else { Issue.record("\(json) is not a string"); continue }
            #expect(text.unicodeScalars.elementsEqual(expected.unicodeScalars), "\(json) -> \(text.debugDescription)")
        }
    }

    // MARK: - QEMU command lines (verify --qemu-args)

    /// Regression: a fraction whose digits are not ASCII ("1.½G") passed `isNumber` and then
    /// crashed on a force-unwrapped `UInt64(String(digit))`.
    @Test(arguments: ["-m 1.½G", "-m 1.٣G", "-m ½.5G", "-m size=2.Ⅻ5G", "-m 4G -object memory-backend-ram,id=m,size=1.½G"])
    func nonASCIIFractionsAreInputErrors(line: String) {
        #expect(throws: InputError.self, "\(line)") { try QEMUArgumentParser.parse(line) }
    }

    @Test func fractionsWithASCIIDigitsStillParse() throws {
        #expect(try QEMUArgumentParser.parse("-m 1.5G").ramSize == 3 << 29)
        #expect(try QEMUArgumentParser.parse("-m 0.25T").ramSize == 1 << 38)
    }

    /// Regression (found by .ci/fuzz): a quote followed by a combining mark was one Character,
    /// so it did not open a quote and the words differed from what a shell passes.
    @Test func shellWordsAreSplitByScalarNotByGrapheme() throws {
        #expect(try ShellWords.split("-machine type='\u{0352}x y'", source: "t") == ["-machine", "type=\u{0352}x y"])
        #expect(try ShellWords.split("a\\\u{301}b c", source: "t") == ["a\u{301}b", "c"])
        #expect(try ShellWords.split("-m 4G\r\n-cpu host", source: "t") == ["-m", "4G\r", "-cpu", "host"])
        #expect(throws: InputError.self) { try ShellWords.split("-m '4G", source: "t") }
    }

    // MARK: - bad VM specs

    @Test(arguments: [
        ("empty", "", "", "the file is empty"),
        ("not JSON", "ram=64G", "", "not valid JSON"),
        ("an array", #"[{"ram": "4G"}]"#, "$", "expected an object"),
        ("a host profile", profileHead + "}", "$.schema", "pass it with --hosts"),
        ("ram of zero", vm(#""ram": 0"#), "$.ram", "larger than 0"),
        ("ram of zero with a unit", vm(#""ram": "0G""#), "$.ram", "larger than 0"),
        ("negative ram", vm(#""ram": "-4G""#), "$.ram", "must not be negative"),
        ("ram past 2^64", vm(#""ram": "16777216T""#), "$.ram", "does not fit in 64 bits"),
        ("ram as a JSON number past 2^64", vm(#""ram": 99999999999999999999"#), "$.ram", "does not fit in 64 bits"),
        ("ram_align of three", vm(#""ram": "6M", "ram_align": "3M""#), "$.ram_align", "power of two"),
        ("ram_align of zero", vm(#""ram": "4G", "ram_align": 0"#), "$.ram_align", "power of two"),
        ("maxmem below ram", vm(#""ram": "4G", "maxmem": "2G""#), "$.maxmem", "below ram"),
        ("slots past 256", vm(#""ram": "4G", "maxmem": "8G", "slots": 100000"#), "$.slots", "from 1 to 256"),
        ("negative slots", vm(#""ram": "4G", "maxmem": "8G", "slots": -1"#), "$.slots", "from 1 to 256"),
        ("slots as a fraction", vm(#""ram": "4G", "maxmem": "8G", "slots": 1.5"#), "$.slots", "from 1 to 256"),
        ("p2p as a string", vm(#""ram": "4G", "p2p": "yes""#), "$.p2p", "true or false"),
    ])
    func badVMSpecIsAnInputError(what: String, text: String, path: String, fragment: String) {
        guard let error = vmError(Array(text.utf8)) else {
            Issue.record("\(what): accepted")
            return
        }
        #expect(error.source == "vm.json")
        #expect(error.path == path, "\(what): \(error)")
        #expect(error.message.contains(fragment), "\(what): \(error)")
    }

    // MARK: - paths

    @Test func unreadablePathsAreInputErrors() throws {
        let folder = try Self.temporaryFolder("paths")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.json")
        try Data((Self.profileHead + "}").utf8).write(to: good)
        let dangling = folder.appendingPathComponent("dangling.json")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: folder.appendingPathComponent("missing.json").path)
        let fifo = folder.appendingPathComponent("fifo.json")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        var unreadable = [folder.appendingPathComponent("missing.json").path, dangling.path, good.path + "/inner.json", fifo.path, "/dev/null"]
        if getuid() != 0 {
            // root reads a mode-000 file anyway, so this case only means something for other users.
            let locked = folder.appendingPathComponent("locked.json")
            try Data((Self.profileHead + "}").utf8).write(to: locked)
            chmod(locked.path, 0)
            unreadable.append(locked.path)
        }
        for path in unreadable {
            #expect(throws: InputError.self, "\(path)") { try InputLoader.loadHosts(paths: [path]) }
            #expect(throws: InputError.self, "\(path)") { try InputLoader.loadVM(path: path) }
        }
        #expect(throws: InputError.self) { try InputLoader.loadVM(path: folder.path) }
        // Every bad path is reported, not just the first.
        do {
            _ = try InputLoader.loadHosts(paths: [dangling.path, good.path, fifo.path])
            Issue.record("accepted unreadable paths")
        } catch let errors as InputErrors {
            #expect(errors.errors.map(\.source) == [dangling.path, fifo.path])
        }
    }

    @Test func foldersWithoutProfilesAndFilesGivenTwice() throws {
        let folder = try Self.temporaryFolder("twice")
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty")
        let noJSON = folder.appendingPathComponent("no-json")
        let hidden = folder.appendingPathComponent("hidden")
        let fleet = folder.appendingPathComponent("fleet")
        for sub in [empty, noJSON, hidden, fleet] { try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true) }
        try Data("{}".utf8).write(to: noJSON.appendingPathComponent("host.yaml"))
        try Data((Self.profileHead + "}").utf8).write(to: hidden.appendingPathComponent(".host.json"))
        let file = fleet.appendingPathComponent("h.json")
        try Data((Self.profileHead + "}").utf8).write(to: file)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("link.json").path, withDestinationPath: file.path)
        for path in [empty.path, noJSON.path, hidden.path] {
            #expect {
                try InputLoader.loadHosts(paths: [path])
            } throws: { ($0 as? InputError)?.message.contains("no *.json") == true }
        }
        let spellings = [
            [file.path, file.path],
            [file.path, fleet.path + "/./h.json"],
            [file.path, fleet.path + "/../fleet/h.json"],
            [file.path, folder.appendingPathComponent("link.json").path],
            [fleet.path, file.path],
        ]
        for paths in spellings {
            #expect(throws: InputError.self, "\(paths)") { try InputLoader.loadHosts(paths: paths) }
            do {
                _ = try InputLoader.loadHosts(paths: paths)
            } catch let error as InputError {
                #expect(error.message.contains("the same file is given twice"), "\(paths): \(error)")
            }
        }
        #expect(try InputLoader.loadHosts(paths: [fleet.path]).count == 1)
    }

    // MARK: - size

    @Test func aHundredThousandRegionsParseAndSolve() throws {
        // The 10^6-region profile runs in release mode in .ci/bench; in a debug build 10^5 keeps this
        // test to seconds while still catching anything quadratic (10^10 steps would not finish).
        let folder = try Self.temporaryFolder("regions")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("many.json")
        try Data(FleetGenerator.manyRegionsProfile(name: "many", count: 100_000, stride: 64 << 10)).write(to: file)
        let started = Date()
        let hosts = try InputLoader.loadHosts(paths: [file.path])
        #expect(hosts.count == 1 && hosts[0].reserved.count == 100_000)
        #expect(hosts[0].reserved[99_999].path == "$.reserved[99999]")
        let solution = try Solver.solve(hosts: hosts, vm: VMSpec(ram: 4 << 30))
        #expect(solution.statistics.distinctHoles == 100_001)
        // The regions cover [4 GiB, 4 GiB + 6.25 GiB) with gaps too small for RAM: RAM goes around them.
        let end: UInt64 = (4 << 30) + 100_000 * (64 << 10)
        #expect(solution.layout.dmaTargets.allSatisfy { $0.range.last < 4 << 30 || $0.range.start >= end })
        #expect(Date().timeIntervalSince(started) < 120)
    }

    @Test func sizeSyntaxFastPathAgreesWithTheGeneralPath() {
        var samples = [
            "0", "00", "0x", "0X", "0x0", "0x00000000000000000001", "0xffffffffffffffff", "0x10000000000000000", "0x1g",
            "0x" + String(repeating: "f", count: 17) + "z", "18446744073709551615", "18446744073709551616",
            "99999999999999999999z", "12G", "12g", "12GiB", "12gib", "12GIB", "12Gi", "12GB", "12B", "12b", "12iB", "12bib",
            "16384P", "16383P", "4K", "4k", "4KiB", "4 K", " 4K", "4K ", "-4K", "+4K", "4e3", "4.5G", "٣", "１２G", "0x１", "",
        ]
        var random = SplitMix64(seed: 64)
        let alphabet = Array("0123456789abcdefxXkKmMgGtTpPiIbB -+\t.")
        for _ in 0..<20_000 {
            let length = Int(random.next() % 24)
            samples.append(String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }))
        }
        let digits = Array("0123456789"), hex = Array("0123456789abcdefABCDEF")
        let units = ["", "k", "K", "m", "G", "gib", "GiB", "TIB", "p", "b", "B", "iB", "Kb", "Ki", " ", "x", "é"]
        for _ in 0..<5_000 {
            let decimal = String((0..<Int(1 + random.next() % 22)).map { _ in digits[Int(random.next() % 10)] })
            samples.append(decimal + units[Int(random.next() % UInt64(units.count))])
            samples.append((random.next() % 2 == 0 ? "0x" : "0X") + String((0..<Int(random.next() % 20)).map { _ in hex[Int(random.next() % 22)] }))
        }
        var fast = 0
        for text in samples {
            guard let quick = SizeSyntax.parsePlainASCII(text) else { continue }
            fast += 1
            #expect(quick == SizeSyntax.parseGeneral(text), "\(text.debugDescription)")
        }
        #expect(fast > 5_000)
    }

    // MARK: - the model depends on distinct holes, not on hosts

    @Test func modelSizeDependsOnDistinctHolesNotOnHosts() throws {
        let folder = try Self.temporaryFolder("fleet")
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = try FleetGenerator(profilesFolder: Fixture.path("Profiles"), seed: 2024)
        let summary = try generator.write(hosts: 400, to: folder.path)
        #expect(summary.files.count == 400 && summary.hostsPerKind.count == FleetGenerator.serverMix.count)
        let fleet = try InputLoader.loadHosts(paths: [folder.path])
        // One host per distinct set of what constrains a layout.
        var seen = Set<String>()
        let representatives = fleet.filter { host in
            let holes = Fleet.holes(of: host, strictRelaxable: false).map(\.range.description).sorted()
            return seen.insert("\(host.cpuVendor) \(host.cpuPhysBits) \(host.iommuAddressBits) \(holes)").inserted
        }
        #expect(representatives.count < fleet.count / 4)
        for vm in [VMSpec(ram: 64 << 30, maxmem: 128 << 30, slots: 4), VMSpec(ram: 2 << 40, cpuVendor: .intel)] {
            let all = try Solver.solve(hosts: fleet, vm: vm)
            let few = try Solver.solve(hosts: representatives, vm: vm)
            #expect(QEMUArguments.argv(for: all.layout) == QEMUArguments.argv(for: few.layout))
            #expect(all.statistics.distinctHoles == few.statistics.distinctHoles)
            #expect(all.statistics.rows == few.statistics.rows && all.statistics.columns == few.statistics.columns)
            #expect(all.statistics.binaries == few.statistics.binaries)
            #expect(all.statistics.hosts == 400)
        }
    }

    // MARK: - gap pruning

    /// Random placement problems, solved over every gap and over the gaps that can matter: the
    /// answers are the same.
    @Test func pruningGapsNeverChangesTheAnswer() throws {
        var random = SplitMix64(seed: 0x9a95)
        let mib: UInt64 = 1 << 20, gib: UInt64 = 1 << 30
        var pruned = 0
        for round in 0..<400 {
            let unit = round % 3 == 0 ? gib : 2 * mib
            let dimmUnit = max(unit, gib)
            let regimes: [TestRegime] = [.q35Small, .q35Large, .i440fxSplit, .virt]
            let regime = regimes[Int(random.next() % 4)]
            var gaps: [DIMMGap] = []
            var cursor: UInt64 = 8 * gib
            for _ in 0..<Int(2 + random.next() % 14) {
                cursor += (1 + random.next() % 3) * gib
                // Repeated sizes make ties, the case where a different model could pick another answer.
                let capacity = [1, 1, 2, 2, 3, 5, 8, 40][Int(random.next() % 8)] * gib
                gaps.append(DIMMGap(gap: AddressRange(start: cursor, size: capacity)!, start: cursor, capacity: capacity))
                cursor += capacity
            }
            var input = PlacementInput(
                scenario: PlacementScenario(aboveStart: 4 * gib, regime: "\(regime)", ceiling: 1 << 46, block: MemoryBlockRule(granule: dimmUnit, summary: "test")), unit: unit, dimmUnit: dimmUnit,
                totalRAM: (1 + random.next() % 64) * gib,
                lowMin: regime == .virt ? 0 : (random.next() % 4 == 0 ? 1 * gib : 0),
                lowMax: regime == .virt ? 0 : [2 * gib, 2816 * mib, 3 * gib, 1 * gib][Int(random.next() % 4)],
                hasLowRAM: regime != .virt,
                aboveCapacity: [0, 1 * gib, 6 * gib, 30 * gib][Int(random.next() % 4)], gaps: gaps)
            regime.bound(&input)
            var options = MIPOptions()
            // A safety net, not a speed claim: other suites (QEMU, virtual hosts) share the two cores.
            options.timeLimitMilliseconds = 180_000
            var fullStatistics = PlacementMIP.Statistics(), prunedStatistics = PlacementMIP.Statistics()
            let full = try PlacementMIP(input: input, options: options, pruneGaps: false).solve(statistics: &fullStatistics)
            let fast = try PlacementMIP(input: input, options: options).solve(statistics: &prunedStatistics)
            switch (full, fast) {
            case (.solved(let a), .solved(let b)): #expect(a == b, "round \(round): \(a) vs \(b)")
            case (.infeasible, .infeasible): break
            default: Issue.record("round \(round): \(full) vs \(fast)")
            }
            if prunedStatistics.columns < fullStatistics.columns { pruned += 1 }
        }
        #expect(pruned > 100)
    }

    /// The bounds are cuts in the model, so every integer solution must meet them: checked against
    /// every solution of small problems, enumerated.
    @Test func gapBoundHoldsForEverySolution() {
        var random = SplitMix64(seed: 0xc075)
        let gib: UInt64 = 1 << 30
        var feasibleProblems = 0
        for round in 0..<150 {
            let ratio = [1, 2, 4][Int(random.next() % 3)] as UInt64
            let regimes: [TestRegime] = [.q35Small, .q35Large, .i440fxSplit, .virt]
            let regime = regimes[Int(random.next() % 4)]
            let hasLow = regime != .virt
            let gaps = (0..<Int(random.next() % 4)).map { index -> DIMMGap in
                let capacity = (random.next() % 5) * ratio * gib
                let start = UInt64(16 + 8 * index) * gib
                return DIMMGap(gap: AddressRange(start: start, size: max(capacity, gib))!, start: start, capacity: capacity)
            }
            var input = PlacementInput(
                scenario: PlacementScenario(aboveStart: 4 * gib, regime: "\(regime)", ceiling: 1 << 46, block: MemoryBlockRule(granule: ratio * gib, summary: "test")), unit: gib, dimmUnit: ratio * gib,
                totalRAM: (1 + random.next() % 16) * gib, lowMin: hasLow && random.next() % 4 == 0 ? gib : 0,
                lowMax: hasLow ? (random.next() % 4) * gib : 0, hasLowRAM: hasLow, aboveCapacity: (random.next() % 9) * gib, gaps: gaps)
            regime.bound(&input)
            let bound = GapBound(input)
            let total = input.totalRAM / gib
            let most = gaps.map { min($0.capacity / input.dimmUnit, total / ratio) }
            let lowRange = hasLow ? max(input.lowMin / gib, 1)...max(input.lowMax / gib, 1) : 0...0
            var feasible = false
            func visit(_ index: Int, _ dimmRAM: UInt64, _ used: Int) {
                if index < most.count {
                    for size in 0...most[index] { visit(index + 1, dimmRAM + size, used + (size > 0 ? 1 : 0)) }
                    return
                }
                for low in lowRange where !hasLow || low <= input.lowMax / gib {
                    for above in 0...min(input.aboveCapacity / gib, total) where low + above + ratio * dimmRAM == total {
                        let boot = low + above
                        if regime == .q35Small && boot > (PCConstants.lowmemSmallGuest - 1) / gib { continue }
                        if regime == .q35Large && boot < (PCConstants.lowmemSmallGuest + gib - 1) / gib { continue }
                        feasible = true
                        guard let bound else { Issue.record("round \(round): no bound, but \(low)+\(above)+\(dimmRAM)x\(ratio) solves it"); return }
                        #expect(!bound.isInfeasible, "round \(round)")
                        #expect(boot <= bound.boot && used >= bound.dimms, "round \(round): boot \(boot) with \(used) DIMMs against \(bound)")
                    }
                }
            }
            visit(0, 0, 0)
            if feasible { feasibleProblems += 1 }
        }
        #expect(feasibleProblems > 30)
    }

    @Test func gapBoundIsTheGreedyOptimum() throws {
        let gib: UInt64 = 1 << 30
        func gap(_ at: UInt64, _ size: UInt64) -> DIMMGap { DIMMGap(gap: AddressRange(start: at * gib, size: size * gib)!, start: at * gib, capacity: size * gib) }
        // 20 GiB of boot RAM room, a 60 GiB VM: 40 GiB in DIMMs; the 30 and 10 GiB gaps are the fewest.
        var input = PlacementInput(
            scenario: PlacementScenario(aboveStart: 4 * gib, regime: "q35Large", ceiling: 1 << 46, block: MemoryBlockRule(granule: gib, summary: "test")), unit: 2 << 20, dimmUnit: gib,
            totalRAM: 60 * gib, lowMin: 0, lowMax: 2 * gib, aboveCapacity: 18 * gib,
            gaps: [gap(30, 4), gap(40, 10), gap(60, 2), gap(70, 30), gap(110, 30), gap(200, 1)])
        TestRegime.q35Large.bound(&input)
        // Unwrapped first: comparing an Optional<UInt64> inside #expect trips AddressSanitizer
        // (a 9-byte read of an 8-byte slot in the AnyHashable thunk, Swift 6.3.1).
        let bound = try #require(GapBound(input))
        #expect(bound.dimms == 2)
        #expect(bound.boot == 20 * 512)
        #expect(bound.top == 4)
        // Only a gap of at least 40 - 30 = 10 GiB can be one of the two.
        #expect(bound.kept == [1, 3])
        #expect(!bound.isInfeasible)
    }
}


/// The machines' branches as the placement model sees them: bounds on boot RAM (q35) or none.
enum TestRegime {
    case q35Small, q35Large, i440fxSplit, virt

    func bound(_ input: inout PlacementInput) {
        switch self {
        case .q35Small: input.bootMost = PCConstants.lowmemSmallGuest - 1
        case .q35Large: input.bootLeast = PCConstants.lowmemSmallGuest
        case .i440fxSplit, .virt: break
        }
    }
}
