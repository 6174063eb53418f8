import Testing

/// Runs each test of a suite on a thread of its own instead of Swift's cooperative pool.
///
/// Swift Testing runs synchronous test bodies on the cooperative pool: one thread per core, two in
/// CI. A test that blocks for minutes (booting a TCG guest, waiting for QEMU or libvirtd) holds one
/// of them; two such tests starve every other test, and the time limits of those others run out
/// before their bodies start (CI of stop 21: every 1-minute QEMU test "exceeded" its limit while two
/// suites booted guests). Tests marked `.blocking` give the pool back.
///
/// `lane:` additionally limits how many tests of the same lane run at once, so tests that each
/// keep a core busy for minutes (TCG guests and virtual hosts) do not all start together on a
/// two-core machine. A test's time limit includes its wait for the lane (Swift Testing starts the
/// clock before a trait's scope runs), so tests in a lane carry limits that allow for it: 30 minutes
/// where a test alone takes one to five. Those limits, and the 5 minutes of each paused-QEMU test,
/// only guard against a hang; every stage inside (QMP, boot, libvirtd) has its own timeout.
public struct BlockingTests: SuiteTrait, TestTrait, TestScoping {
    let lane: TestLane?

    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        // A suite's own scope runs once around its tests; each test case takes its own thread.
        guard testCase != nil else {
            try await function()
            return
        }
        if let lane { await lane.enter() }
        do {
            try await withTaskExecutorPreference(DispatchTaskExecutor(label: "test \(test.name)")) {
                try await function()
            }
        } catch {
            if let lane { await lane.leave() }
            throw error
        }
        if let lane { await lane.leave() }
    }
}

/// Lanes shared by every suite in the test process.
public enum TestLanes {
    /// Tests that run a TCG guest or a TCG virtual host for tens of seconds to minutes: at most two
    /// at once, one per core of the CI machine, as the cooperative pool allowed before.
    static let tcgGuests = TestLane(width: 2)
}

extension Trait where Self == BlockingTests {
    /// Each test of the suite runs on its own thread, so its blocking does not starve other tests.
    public static var blocking: BlockingTests { BlockingTests(lane: nil) }

    /// As `.blocking`, and at most two tests that boot TCG guests or virtual hosts run at once.
    public static var blockingTCGGuests: BlockingTests { BlockingTests(lane: TestLanes.tcgGuests) }
}
