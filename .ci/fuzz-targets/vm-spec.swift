// fuzz-sources: Sources/LayoutCore
// fuzz-corpus: Examples/vm
//
// VM specs. Oracles: every rejection is an InputError with a path and a line; an accepted spec
// passes the same validation the command line applies to flags.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVMSpec(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let spec: VMSpec
    do {
        spec = try VMSpecParser.parse(bytes, source: "vm.json")
    } catch let error as InputError {
        precondition(error.source == "vm.json" && !error.message.isEmpty)
        precondition(error.path.isEmpty || error.path.hasPrefix("$"), "path \(error.path)")
        precondition(error.line.map { $0 >= 1 } ?? true)
        return 0
    } catch {
        preconditionFailure("a VM spec was rejected with \(type(of: error)), not InputError: \(error)")
    }
    precondition(VMSpecParser.validate(spec).isEmpty)
    precondition(spec.ram > 0 && (spec.maxmem ?? spec.ram) >= spec.ram)
    precondition(spec.ramAlign.map { $0.isPowerOfTwo } ?? true)
    precondition(QEMUVersion.modelled.contains(spec.qemu))
    return 0
}
