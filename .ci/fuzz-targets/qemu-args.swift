// fuzz-sources: Sources/LayoutMachines/CommandLine Sources/LayoutCore
// fuzz-corpus: .ci/fuzz-targets/qemu-args-seeds
//
// The QEMU command lines `verify --qemu-args` reads: shell words, then QEMU's -m/-machine/-cpu/
// -object/-device syntax and its JSON forms. Oracles: every rejection is an InputError naming the
// source; an accepted line names the backend -machine memory-backend= points at; the shell
// words of a line, quoted and split again, are the same words.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQEMUArguments(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let line = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parsed: QEMUMemoryArguments
    do {
        parsed = try QEMUArgumentParser.parse(line, source: "--qemu-args")
    } catch let error as InputError {
        precondition(error.source == "--qemu-args" && !error.message.isEmpty)
        return 0
    } catch {
        preconditionFailure("a command line was rejected with \(type(of: error)), not InputError: \(error)")
    }
    if let name = parsed.machineProperties["memory-backend"] {
        precondition(parsed.backends.contains { $0.id == name }, "memory-backend=\(name) accepted without its -object")
    }
    // Shell words survive quoting: each word single-quoted and split again is the same word.
    if let words = try? ShellWords.split(line, source: "--qemu-args") {
        // Quoted by Unicode scalar: a quote followed by a combining mark is one Character.
        let quoted = words.map { word in
            "'" + String(String.UnicodeScalarView(word.unicodeScalars.flatMap { $0 == "'" ? Array("'\\''".unicodeScalars) : [$0] })) + "'"
        }.joined(separator: " ")
        precondition((try? ShellWords.split(quoted, source: "--qemu-args")) == words, "\(words) changed when quoted: \(quoted)")
    }
    return 0
}
