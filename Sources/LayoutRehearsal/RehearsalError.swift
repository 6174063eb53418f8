// Every way a rehearsal can fail to produce an answer, each naming what it came from. `missing`
// means this machine cannot rehearse (the CLI exits 4): it says what is missing and what provides it.

import Foundation

package enum RehearsalError: Error, CustomStringConvertible, Equatable {
    /// Something this machine lacks; `provider` is the command that installs it.
    case missing(what: String, provider: String)
    /// Not enough free memory for the virtual host (MiB): pinning would swap or fail.
    case notEnoughMemory(neededMiB: UInt64, availableMiB: UInt64)
    /// The virtual host spec asks for something the outer QEMU cannot express.
    case unsupported(String)
    /// A preparation step (download, unpack, image assembly) failed.
    case preparation(step: String, output: String)
    /// A stage did not finish in time (the processes were killed).
    case timeout(stage: String, seconds: Double, console: String)
    /// The virtual host or the inner QEMU failed for a reason that is not a refused DMA map.
    case failed(stage: String, message: String, console: String)
    /// An input the engine cannot pass on (an argument holding a newline, a region with start > end).
    case badArgument(String)

    package var description: String {
        switch self {
        case let .missing(what, provider): return "cannot rehearse on this machine: \(what) is missing (provided by: \(provider))"
        case let .notEnoughMemory(needed, available):
            return "cannot rehearse on this machine: the virtual host needs \(needed) MiB of memory, MemAvailable is \(available) MiB"
        case let .unsupported(what): return "cannot rehearse: \(what)"
        case let .preparation(step, output): return "preparing the virtual host: \(step) failed\n\(output.suffix(2000))"
        case let .timeout(stage, seconds, console):
            return "rehearsal stage '\(stage)' did not finish in \(Int(seconds)) s (processes killed)\n\(console.suffix(3000))"
        case let .failed(stage, message, console): return "rehearsal stage '\(stage)' failed: \(message)\n\(console.suffix(3000))"
        case let .badArgument(a): return "cannot rehearse this input: \(a)"
        }
    }

    /// True when the input is the reason (the CLI's exit code 2).
    package var isInputError: Bool {
        if case .badArgument = self { return true }
        return false
    }

    /// True when the machine (not the input) is the reason: the CLI's exit code 4.
    package var isMachineLimitation: Bool {
        switch self {
        case .missing, .notEnoughMemory, .unsupported: return true
        default: return false
        }
    }
}
