// fuzz-sources: Sources/LayoutCore
// fuzz-corpus: Examples/vm
//
// The number and size syntax of profiles, specs and flags (--ram 64G). Oracles: a value is
// exact (a plain decimal parses to what UInt64 parses; a suffix multiplies exactly), never
// wrapped, and a leading '-' is always "negative"; the fast path for plain hex and decimal
// agrees with the general one on every input it takes.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSizeSyntax(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let result = SizeSyntax.parse(text)
    if let fast = SizeSyntax.parsePlainASCII(text) {
        precondition(fast == SizeSyntax.parseGeneral(text), "fast path \(fast) != general path \(SizeSyntax.parseGeneral(text)) for \(text.debugDescription)")
    }
    let trimmed = text.trimmingWhitespace()
    if trimmed.hasPrefix("-") { precondition(result == .failure(.negative)) }
    if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
        if let exact = UInt64(trimmed) { precondition(result == .success(exact)) } else { precondition(result == .failure(.tooLarge)) }
    }
    if case .success(let value) = result, trimmed.uppercased().hasSuffix("G"), !trimmed.lowercased().hasPrefix("0x") {
        precondition(value % (1 << 30) == 0, "\(trimmed) is not a whole number of GiB: \(value)")
        let digits = trimmed.dropLast().trimmingWhitespace()
        precondition(UInt64(digits).map { $0 << 30 } == value, "\(trimmed) parsed as \(value)")
    }
    return 0
}
