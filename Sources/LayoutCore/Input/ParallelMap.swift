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
            // Each worker takes the indices congruent to its number: profiles are alike in size,
            // so the shares are even without a shared counter.
            withoutActuallyEscaping(body) { body in
                let job = Job(body: body)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    var index = worker
                    while index < count {
                        (slots.base + index).initialize(to: job.body(index))
                        index += workers
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
