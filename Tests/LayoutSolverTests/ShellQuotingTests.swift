import Testing
@testable import LayoutMachines

/// The one-line QEMU command (`QEMUArguments.shellLine`, the text report's "QEMU arguments:") is
/// split back into the same words by `verify --qemu-args` and by a shell. Found by the qemu-args
/// fuzz target (issue 15): a quote followed by a combining mark is one Swift Character, so
/// quoting by Character (or with `replacingOccurrences(of: "'")`) left that quote unescaped and
/// the line split differently.
@Suite("QEMU argument quoting")
struct ShellQuotingTests {
    @Test(arguments: [
        "/mnt/it'\u{0301}s", "'\u{0742}", "a'b", "''", "", " ", "\n", "x\u{0301}'\u{0301}'", "\\'", "\"'\"",
    ])
    func quotedArgumentsSplitBackIntoTheSameWords(argument: String) throws {
        let argv = ["-object", "memory-backend-file,id=ram0,size=4G,mem-path=\(argument)", argument]
        let line = QEMUArguments.shellLine(argv)
        let words = try ShellWords.split(line, source: "test")
        #expect(words.count == argv.count)
        // Compared by scalar: String == would call canonically equivalent spellings equal.
        #expect(zip(words, argv).allSatisfy { $0.unicodeScalars.elementsEqual($1.unicodeScalars) }, "\(argv.map(\.debugDescription)) -> \(line.debugDescription) -> \(words.map(\.debugDescription))")
    }
}
