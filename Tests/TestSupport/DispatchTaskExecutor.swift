import Dispatch

/// Runs a task's jobs on a serial dispatch queue, whose threads come from Dispatch's own pool,
/// which grows when its threads block, not from Swift's cooperative pool, which has one thread
/// per core and never grows.
final class DispatchTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
