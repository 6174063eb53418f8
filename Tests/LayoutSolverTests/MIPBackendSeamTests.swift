import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutMachines
@testable import LayoutPlacement

/// The placement model reaches its solver only through ``MIPBackend``: a second search strategy
/// must give the same layouts, and a failing solver must surface as an error, not a layout.
@Suite("Placement model behind the MIPBackend seam")
struct MIPBackendSeamTests {
    let gib: UInt64 = 1 << 30

    /// GLPK with depth-first branching instead of the shipped rule: a different search tree over the
    /// same model. Records every model it is handed.
    final class DepthFirstBackend: MIPBackend, @unchecked Sendable {
        private let lock = NSLock()
        private var seen = 0
        var modelsSolved: Int { lock.withLock { seen } }

        func solve(_ model: MIPModel, options: MIPOptions) throws -> MIPSolution {
            lock.withLock { seen += 1 }
            return try GLPKBackend.solve(model, options: options, branching: .depthFirst)
        }
    }

    struct BrokenBackend: MIPBackend {
        struct Failure: Error {}
        func solve(_ model: MIPModel, options: MIPOptions) throws -> MIPSolution { throw Failure() }
    }

    func fleets() -> [[HostProfile]] {
        [
            [Fixture.x86Host("rmrr-low", reserved: [(0x7bb2_4000, 0x7bb3_2fff, .direct)])],
            [Fixture.x86Host("hole-6g", reserved: [(0x1_8000_0000, 0x1_bfff_ffff, .reserved)]), Fixture.x86Host("plain")],
            [Fixture.x86Host("two-holes", reserved: [(0x6000_0000, 0x600f_ffff, .reserved), (0x2_0000_0000, 0x2_3fff_ffff, .reserved)])],
        ]
    }

    @Test func anotherSearchStrategyFindsTheSameLayouts() throws {
        for hosts in fleets() {
            for ram: UInt64 in [3, 8, 20] {
                let vm = VMSpec(ram: ram * gib)
                let shipped = try Solver.solve(hosts: hosts, vm: vm)
                let backend = DepthFirstBackend()
                var options = SolveOptions()
                options.backend = backend
                let crossChecked = try Solver.solve(hosts: hosts, vm: vm, options: options)
                #expect(backend.modelsSolved > 0, "the solver did not go through the backend")
                #expect(crossChecked.layout == shipped.layout, "\(hosts.map(\.name)) \(ram) GiB")
            }
        }
    }

    @Test func aFailingBackendIsAnErrorNotALayout() {
        var options = SolveOptions()
        options.backend = BrokenBackend()
        #expect(throws: BrokenBackend.Failure.self) {
            try Solver.solve(hosts: fleets()[1], vm: VMSpec(ram: 8 * gib), options: options)
        }
    }
}

/// `--time-limit` bounds the whole solve: every MIP call gets what is left of one deadline.
@Suite("The time limit bounds the whole solve")
struct SolveDeadlineTests {
    let gib: UInt64 = 1 << 30

    /// GLPK behind a delay, so that a solve of many calls outlasts a short limit.
    struct SlowBackend: MIPBackend {
        let delay: Duration
        let calls = CallCounter()
        func solve(_ model: MIPModel, options: MIPOptions) throws -> MIPSolution {
            calls.add()
            Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18 + Double(delay.components.seconds))
            return try GLPKBackend.solve(model, options: options)
        }
    }

    final class CallCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func add() { lock.withLock { value += 1 } }
        var count: Int { lock.withLock { value } }
    }

    func hosts() -> [HostProfile] {
        [Fixture.x86Host("two-holes", reserved: [(0x6000_0000, 0x600f_ffff, .reserved), (0x2_0000_0000, 0x2_3fff_ffff, .reserved)])]
    }

    @Test func aSlowSearchEndsAtTheDeadlineWithAnUnprovenLayoutOrATimeout() throws {
        // Unhurried, this solve makes many MIP calls (scenarios x stages); at 100 ms each it needs seconds.
        let unhurriedBackend = SlowBackend(delay: .zero)
        var unhurried = SolveOptions()
        unhurried.backend = unhurriedBackend
        let full = try Solver.solve(hosts: hosts(), vm: VMSpec(ram: 20 * gib, cpuVendor: .intel), options: unhurried)
        #expect(unhurriedBackend.calls.count >= 8, "the unhurried solve made only \(unhurriedBackend.calls.count) MIP calls: too few to show the limit cutting them short")
        let slowBackend = SlowBackend(delay: .milliseconds(100))
        var options = SolveOptions(timeLimitSeconds: 0.35)
        options.backend = slowBackend
        let started = ContinuousClock().now
        do {
            let solution = try Solver.solve(hosts: hosts(), vm: VMSpec(ram: 20 * gib, cpuVendor: .intel), options: options)
            #expect(solution.layout.notes.contains { $0.contains("time limit") }, "\(solution.layout.notes)")
            let fits = FitCheck.check(layout: solution.layout, hosts: hosts())
            #expect(fits.allSatisfy { $0.fits })
            #expect(solution.layout.dimmCount >= full.layout.dimmCount)
        } catch is SolveTimedOut {
            // Nothing found in time is the other honest answer.
        }
        // Bounded by the limit, not by the number of calls: the limited solve makes the few calls
        // that fit in 0.35 s (each at least 100 ms here) plus the first stage of the model at hand
        // (GLPK gets 1 ms for it past the deadline), then answers. Counting calls, not reading the
        // clock, keeps this true on a loaded machine; the clock only guards against a hang.
        #expect(slowBackend.calls.count < unhurriedBackend.calls.count, "\(slowBackend.calls.count) calls within a 0.35 s limit, \(unhurriedBackend.calls.count) unhurried")
        let elapsed = started.duration(to: ContinuousClock().now)
        #expect(elapsed < .seconds(30), "\(elapsed)")
    }

    @Test func aGenerousLimitChangesNothing() throws {
        let quick = try Solver.solve(hosts: hosts(), vm: VMSpec(ram: 20 * gib), options: SolveOptions(timeLimitSeconds: 600))
        let usual = try Solver.solve(hosts: hosts(), vm: VMSpec(ram: 20 * gib))
        #expect(quick.layout == usual.layout)
        #expect(!quick.layout.notes.contains { $0.contains("time limit") })
    }
}
