import Dispatch
import Foundation

/// Runs independent jobs (one per input file) on every CPU and returns their results in index
/// order, so whatever order the threads finish in, callers see the same results and report the
/// same first error as a loop would.
package enum ParallelMap {
    /// Below this many jobs a loop is faster than waking threads (a command line names a few files).
    package static let threshold = 16

    package static func map<Result>(count: Int, _ body: (Int) -> Result) -> [Result] {
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, count)
        guard count >= threshold, workers > 1 else { return (0..<count).map(body) }
        return [Result](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            let slots = Slots(base: base)
            // Chunks of consecutive indices, handed out by Dispatch as threads become free: a fixed
            // share per thread left the whole map waiting on one preempted thread on a loaded machine
            // (measured: slower than a loop with other builds running on two cores).
            let chunk = max(1, min(64, count / (workers * 8)))
            let chunks = (count + chunk - 1) / chunk
            withoutActuallyEscaping(body) { body in
                let job = Job(body: body)
                DispatchQueue.concurrentPerform(iterations: chunks) { part in
                    for index in (part * chunk)..<min(count, (part + 1) * chunk) {
                        (slots.base + index).initialize(to: job.body(index))
                    }
                }
            }
            initialized = count
        }
    }

    /// The output buffer, written at disjoint indices by the workers.
    private struct Slots<Result>: @unchecked Sendable {
        let base: UnsafeMutablePointer<Result>
    }

    /// The caller's closure, which only reads shared state and writes its own result.
    private struct Job<Result>: @unchecked Sendable {
        let body: (Int) -> Result
    }
}
