import Dispatch
import Foundation
import Testing
@testable import LayoutCore
@testable import LayoutFleetCheck
@testable import LayoutMachines
@testable import LayoutOutputs
@testable import LayoutPlacement
@testable import LayoutProbe
@testable import LayoutSolver

// Serialized so the time-limit tests are not starved by the concurrency test's eight threads:
// the first knapsack incumbent takes ~15 ms of CPU, and the limits are wall-clock.
@Suite("GLPK backend", .serialized)
struct GLPKBackendTests {
    // MARK: - Models

    /// The textbook 0/1 knapsack: capacity 50, optimum 220 by taking items 1 and 2.
    static func smallKnapsack() -> MIPModel {
        var model = MIPModel(sense: .maximize)
        let items: [(value: Double, weight: Double)] = [(60, 10), (100, 20), (120, 30)]
        let picks = items.enumerated().map { index, item in
            model.addVariable("take\(index)", kind: .binary, objective: item.value)
        }
        model.addConstraint("capacity", zip(picks, items).map { ($0, $1.weight) }, upper: 50)
        return model
    }

    /// Deterministic pseudo-random numbers, so every run builds the same models.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: UInt64) -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double((state >> 33) % bound)
        }
    }

    /// A knapsack with many near-equal value/weight ratios: easy LP, long proof of optimality.
    static func largeKnapsack(items: Int) -> MIPModel {
        var random = Generator(state: 7)
        var model = MIPModel(sense: .maximize)
        var terms: [(Int, Double)] = []
        var total = 0.0
        for index in 0..<items {
            let weight = 1000 + random.next(9000)
            let value = weight + random.next(100)
            total += weight
            terms.append((model.addVariable("x\(index)", kind: .binary, objective: value), weight))
        }
        model.addConstraint("capacity", terms, upper: (total / 2).rounded())
        return model
    }

    /// Market split (Cornuejols-Dawande): equality knapsacks on binaries whose LP relaxation is
    /// useless; branch and bound cannot find a solution, or prove there is none, quickly.
    static func marketSplit(rows: Int, columns: Int) -> MIPModel {
        var random = Generator(state: 1)
        var model = MIPModel(sense: .minimize)
        let picks = (0..<columns).map { model.addVariable("x\($0)", kind: .binary) }
        for row in 0..<rows {
            let coefficients = picks.map { _ in random.next(100) }
            let half = (coefficients.reduce(0, +) / 2).rounded(.down)
            model.addConstraint("split\(row)", zip(picks, coefficients).map { ($0, $1) }, lower: half, upper: half)
        }
        return model
    }

    /// Pieces assigned to capacity-limited gaps at random costs: the shape of the layout model.
    static func assignment(pieces: Int, gaps: Int) -> MIPModel {
        var random = Generator(state: 3)
        var model = MIPModel(sense: .minimize)
        let sizes = (0..<pieces).map { _ in 1 + random.next(64) }
        let capacity = (sizes.reduce(0, +) * 1.2 / Double(gaps)).rounded(.up)
        let place = (0..<pieces).map { piece in
            (0..<gaps).map { gap in model.addVariable("p\(piece)g\(gap)", kind: .binary, objective: random.next(1000)) }
        }
        for piece in 0..<pieces {
            model.addConstraint("once\(piece)", place[piece].map { ($0, 1.0) }, lower: 1, upper: 1)
        }
        for gap in 0..<gaps {
            model.addConstraint("fits\(gap)", (0..<pieces).map { (place[$0][gap], sizes[$0]) }, upper: capacity)
        }
        return model
    }

    static func options(milliseconds: Int = 30_000, gap: Double = 0) -> MIPOptions {
        var options = MIPOptions()
        options.timeLimitMilliseconds = milliseconds
        options.mipGap = gap
        return options
    }

    /// Recomputes every row from the returned values, so a status is never trusted on its own.
    static func satisfies(_ model: MIPModel, _ values: [Double], tolerance: Double = 1e-6) -> Bool {
        guard values.count == model.variables.count else { return false }
        for (variable, value) in zip(model.variables, values) {
            if value < variable.lower - tolerance { return false }
            if let upper = variable.upper, value > upper + tolerance { return false }
            if variable.kind != .continuous, value != value.rounded() { return false }
        }
        for constraint in model.constraints {
            let activity = constraint.terms.reduce(0) { $0 + $1.coefficient * values[$1.variable] }
            if let lower = constraint.lower, activity < lower - tolerance { return false }
            if let upper = constraint.upper, activity > upper + tolerance { return false }
        }
        return true
    }

    // MARK: - Results

    @Test func knapsackReachesKnownOptimum() throws {
        let model = Self.smallKnapsack()
        let solution = try GLPKBackend.solve(model)
        #expect(solution.status == .optimal)
        #expect(solution.objective == 220)
        #expect(solution.values == [0, 1, 1])
        #expect(solution.rows == 1 && solution.columns == 3 && solution.binaries == 3)
        #expect(solution.seconds >= 0)
    }

    @Test func mixedIntegerWithContinuousAndFreeVariables() throws {
        // max 3a + 2b - 4c with a, b integer, c continuous and free: a + b <= 4.5, c >= a - 1.
        // Each unit of a costs 4 more through c, so a = 0, b = 4 and c = -1 (below 0: the free
        // lower bound matters) give 12, the unique optimum.
        var model = MIPModel(sense: .maximize)
        let a = model.addVariable("a", kind: .integer, objective: 3)
        let b = model.addVariable("b", kind: .integer, upper: 10, objective: 2)
        let c = model.addVariable("c", kind: .continuous, lower: -.infinity, objective: -4)
        model.addConstraint("sum", [(a, 1), (b, 1)], upper: 4.5)
        model.addConstraint("link", [(a, 1), (c, -1)], upper: 1)
        let solution = try GLPKBackend.solve(model)
        #expect(solution.status == .optimal)
        #expect(solution.objective == 12)
        #expect(solution.values == [0, 4, -1])
        #expect(Self.satisfies(model, solution.values))
    }

    @Test func setObjectiveReplacesEveryCoefficient() throws {
        var model = Self.smallKnapsack()
        model.setObjective([0: 1])
        let solution = try GLPKBackend.solve(model)
        #expect(solution.status == .optimal)
        #expect(solution.objective == 1)
        #expect(model.variables.map(\.objective) == [1, 0, 0])
    }

    @Test func repeatedTermsAreSummed() throws {
        var model = MIPModel(sense: .maximize)
        let x = model.addVariable("x", kind: .integer, objective: 1)
        model.addConstraint("twice", [(x, 1), (x, 1)], upper: 3)  // 2x <= 3, which GLPK would abort on
        let solution = try GLPKBackend.solve(model)
        #expect(solution.status == .optimal)
        #expect(solution.values == [1])
    }

    @Test func integerBoundsAreTightenedToIntegers() throws {
        var model = MIPModel(sense: .maximize)
        let x = model.addVariable("x", kind: .integer, lower: 0.5, upper: 3.7, objective: 1)
        let y = model.addVariable("y", kind: .integer, lower: 0.5, upper: 3.7, objective: -1)
        let z = model.addVariable("z", kind: .integer, upper: 2.999_999_999_99, objective: 1)
        let solution = try GLPKBackend.solve(model)
        #expect(solution.status == .optimal)
        #expect(solution.values[x] == 3 && solution.values[y] == 1 && solution.values[z] == 3)
    }

    @Test func binaryBoundsCanFixButNotWiden() throws {
        var model = MIPModel(sense: .minimize)
        model.addVariable("forcedOn", kind: .binary, lower: 1, objective: 1)
        model.addVariable("forcedOff", kind: .binary, upper: 0, objective: -1)
        let solution = try GLPKBackend.solve(model)
        #expect(solution.values == [1, 0])
    }

    @Test func emptyModelIsTriviallyOptimal() throws {
        let solution = try GLPKBackend.solve(MIPModel(sense: .minimize))
        #expect(solution.status == .optimal)
        #expect(solution.values.isEmpty && solution.objective == 0)
    }

    // MARK: - Infeasible, unbounded, limits

    @Test func infeasibleRelaxationIsInfeasible() throws {
        // Presolve proves it: glp_intopt returns GLP_ENOPFS.
        var model = MIPModel(sense: .minimize)
        let x = model.addVariable("x", kind: .integer)
        model.addConstraint("atLeast", [(x, 1)], lower: 2)
        model.addConstraint("atMost", [(x, 1)], upper: 1)
        let solution = try GLPKBackend.solve(model)
        #expect(solution.status == .infeasible)
        #expect(solution.values.isEmpty && solution.objective.isNaN)
        #expect(solution.rows == 2 && solution.columns == 1)
    }

    @Test func integerInfeasibleWithFeasibleRelaxation() throws {
        // 2a + 2b = 3 has real solutions but no integer one: glp_intopt returns 0 with GLP_NOFEAS.
        var model = MIPModel(sense: .minimize)
        let a = model.addVariable("a", kind: .integer)
        let b = model.addVariable("b", kind: .integer)
        model.addConstraint("odd", [(a, 2), (b, 2)], lower: 3, upper: 3)
        #expect(try GLPKBackend.solve(model).status == .infeasible)
    }

    @Test func integerVariableWithoutIntegerInBoundsIsInfeasible() throws {
        var model = MIPModel(sense: .minimize)
        model.addVariable("x", kind: .integer, lower: 0.2, upper: 0.8)
        let solution = try GLPKBackend.solve(model)
        #expect(solution.status == .infeasible)
        #expect(solution.seconds == 0)  // decided in Swift: GLPK would answer GLP_EBOUND
    }

    @Test func unboundedRelaxationIsASolverFailure() throws {
        var model = MIPModel(sense: .maximize)
        let x = model.addVariable("x", kind: .integer, objective: 1)
        model.addConstraint("atLeastOne", [(x, 1)], lower: 1)
        #expect(throws: GLPKError.solverFailed(code: 11, name: "GLP_ENODFS")) {
            try GLPKBackend.solve(model)
        }
    }

    @Test func timeLimitWithoutIncumbent() throws {
        let solution = try GLPKBackend.solve(Self.marketSplit(rows: 4, columns: 40), options: Self.options(milliseconds: 100))
        #expect(solution.status == .noSolutionInTime)
        #expect(solution.values.isEmpty)
        // Stopped by the limit, not by the search: GLPK checks its clock between nodes. The upper
        // bound allows for a loaded machine; the search alone would take far longer.
        #expect(solution.seconds >= 0.09 && solution.seconds < 10)
    }

    @Test func timeLimitWithIncumbent() throws {
        // GLPK finds an incumbent for this knapsack within milliseconds on an idle machine but
        // needs far longer to prove it optimal. On a loaded machine the first limit can pass before
        // the root LP is done, so the limit grows until the search is stopped holding an incumbent.
        let model = Self.largeKnapsack(items: 1000)
        var stopped: MIPSolution?
        for milliseconds in [250, 1_000, 4_000] {
            let solution = try GLPKBackend.solve(model, options: Self.options(milliseconds: milliseconds))
            #expect(solution.status != .optimal, "the knapsack was proven optimal within \(milliseconds) ms: too easy for this test")
            if solution.status == .noSolutionInTime { continue }
            stopped = solution
            break
        }
        let solution = try #require(stopped, "no incumbent within 4 s")
        #expect(solution.status == .feasible)
        #expect(Self.satisfies(model, solution.values))
        // The incumbent's gap, read from GLPK's search tree: not proven optimal, but bounded.
        let gap = try #require(solution.gap)
        #expect(gap > 0 && gap < 1)
    }

    @Test func mipGapStopsEarlyAsFeasible() throws {
        let model = Self.largeKnapsack(items: 50)
        let exact = try GLPKBackend.solve(model)
        let rough = try GLPKBackend.solve(model, options: Self.options(gap: 0.01))
        #expect(exact.status == .optimal)
        // GLP_EMIPGAP: good enough by request, not proven, hence feasible rather than optimal.
        #expect(rough.status == .feasible)
        #expect(exact.gap == 0 && (rough.gap ?? 1) <= 0.01)
        #expect(rough.objective >= exact.objective * 0.99 && rough.objective <= exact.objective)
        #expect(Self.satisfies(model, rough.values))
    }

    @Test func statusMapsReturnCodeAndMIPStatusTogether() throws {
        // glpk.h: GLP_UNDEF 1, GLP_FEAS 2, GLP_NOFEAS 4, GLP_OPT 5; GLP_EFAIL 5, GLP_ETMLIM 9,
        // GLP_ENOPFS 10, GLP_EROOT 12, GLP_EMIPGAP 14.
        #expect(try GLPKBackend.status(intoptReturn: 0, mipStatus: 5) == .optimal)
        #expect(try GLPKBackend.status(intoptReturn: 0, mipStatus: 4) == .infeasible)
        #expect(try GLPKBackend.status(intoptReturn: 10, mipStatus: 1) == .infeasible)
        #expect(try GLPKBackend.status(intoptReturn: 9, mipStatus: 2) == .feasible)
        #expect(try GLPKBackend.status(intoptReturn: 9, mipStatus: 1) == .noSolutionInTime)
        #expect(try GLPKBackend.status(intoptReturn: 14, mipStatus: 2) == .feasible)
        #expect(throws: GLPKError.solverFailed(code: 5, name: "GLP_EFAIL")) {
            try GLPKBackend.status(intoptReturn: 5, mipStatus: 1)
        }
        #expect(throws: GLPKError.solverFailed(code: 12, name: "GLP_EROOT")) {
            try GLPKBackend.status(intoptReturn: 12, mipStatus: 1)
        }
    }

    // MARK: - Validation

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var model: MIPModel
        var options = MIPOptions()
        var expectedFragment: String
    }

    static let invalidCases: [InvalidCase] = {
        func model(_ build: (inout MIPModel, Int) -> Void) -> MIPModel {
            var model = MIPModel(sense: .minimize)
            let x = model.addVariable("x", kind: .integer, upper: 5)
            build(&model, x)
            return model
        }
        return [
            InvalidCase(testDescription: "NaN coefficient", model: model { $0.addConstraint("c", [($1, .nan)], upper: 1) }, expectedFragment: "not finite"),
            InvalidCase(testDescription: "infinite coefficient", model: model { $0.addConstraint("c", [($1, .infinity)], upper: 1) }, expectedFragment: "not finite"),
            InvalidCase(testDescription: "coefficients summing to infinity", model: model { $0.addConstraint("c", [($1, .greatestFiniteMagnitude), ($1, .greatestFiniteMagnitude)], upper: 1) }, expectedFragment: "sum to"),
            InvalidCase(testDescription: "infinite objective", model: model { $0.setObjective([$1: -.infinity]) }, expectedFragment: "objective"),
            InvalidCase(testDescription: "variable lower > upper", model: model { m, _ in m.addVariable("y", kind: .continuous, lower: 2, upper: 1) }, expectedFragment: "exceeds"),
            InvalidCase(testDescription: "NaN variable bound", model: model { m, _ in m.addVariable("y", kind: .continuous, lower: .nan) }, expectedFragment: "NaN"),
            InvalidCase(testDescription: "+infinity lower bound", model: model { m, _ in m.addVariable("y", kind: .continuous, lower: .infinity) }, expectedFragment: "infinity"),
            InvalidCase(testDescription: "constraint lower > upper", model: model { $0.addConstraint("c", [($1, 1)], lower: 3, upper: 2) }, expectedFragment: "exceeds"),
            InvalidCase(testDescription: "constraint index out of range", model: model { m, _ in m.addConstraint("c", [(7, 1)], upper: 1) }, expectedFragment: "variable 7"),
            InvalidCase(testDescription: "negative constraint index", model: model { m, _ in m.addConstraint("c", [(-1, 1)], upper: 1) }, expectedFragment: "variable -1"),
            InvalidCase(testDescription: "objective index out of range", model: model { m, _ in m.setObjective([3: 1]) }, expectedFragment: "variable 3"),
            InvalidCase(testDescription: "binary bound 2", model: model { m, _ in m.addVariable("b", kind: .binary, upper: 2) }, expectedFragment: "binary"),
            InvalidCase(testDescription: "binary bound 0.5", model: model { m, _ in m.addVariable("b", kind: .binary, lower: 0.5) }, expectedFragment: "binary"),
            InvalidCase(testDescription: "zero time limit", model: model { _, _ in }, options: options(milliseconds: 0), expectedFragment: "timeLimit"),
            InvalidCase(testDescription: "negative mip gap", model: model { _, _ in }, options: options(gap: -1), expectedFragment: "mipGap"),
            InvalidCase(testDescription: "integrality tolerance 1", model: model { _, _ in }, options: { var o = MIPOptions(); o.integralityTolerance = 1; return o }(), expectedFragment: "integralityTolerance"),
        ]
    }()

    @Test(arguments: invalidCases)
    func invalidModelIsRejectedInSwift(_ invalid: InvalidCase) {
        do {
            let solution = try GLPKBackend.solve(invalid.model, options: invalid.options)
            Issue.record("expected invalidModel, got \(solution.status)")
        } catch GLPKError.invalidModel(let reason) {
            #expect(reason.contains(invalid.expectedFragment), "\(reason)")
        } catch {
            Issue.record("expected invalidModel, got \(error)")
        }
    }

    // MARK: - Crash barrier and threads

    @Test func fatalErrorsAreCaughtAndTheProcessSurvives() throws {
        for _ in 0..<1000 {
            let error = try #require(GLPKBackend.triggerFatalErrorForTesting())
            guard case .fatal(let message) = error else {
                Issue.record("expected .fatal, got \(error)")
                return
            }
            #expect(message.contains("glp_set_row_bnds") && message.contains("out of range"), "\(message)")
        }
        // The thread's GLPK environment was torn down 1000 times; a normal solve must not notice.
        let solution = try GLPKBackend.solve(Self.smallKnapsack())
        #expect(solution.status == .optimal && solution.objective == 220)
    }

    @Test func environmentIsThreadLocal() {
        // Concurrent solves are only sound because Debian builds GLPK with _Thread_local.
        #expect(GLPKBackend.environmentIsThreadLocal)
    }

    /// Collects results from concurrentPerform's worker threads.
    final class Collector<Value>: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [Value] = []
        func append(_ value: Value) { lock.withLock { storage.append(value) } }
        var values: [Value] { lock.withLock { storage } }
    }

    @Test func concurrentSolvesAgreeAndSurviveFatalErrorsNextDoor() throws {
        let model = Self.assignment(pieces: 20, gaps: 5)
        let reference = try GLPKBackend.solve(model)
        #expect(reference.status == .optimal)
        #expect(Self.satisfies(model, reference.values))

        let results = Collector<Result<MIPSolution, GLPKError>>()
        let fatalCount = Collector<Int>()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<50 {
                // Odd workers also hit fatal errors between solves: each thread's GLPK state must
                // stay its own.
                if worker % 2 == 1, round % 5 == 0, GLPKBackend.triggerFatalErrorForTesting() != nil {
                    fatalCount.append(1)
                }
                results.append(Result { () throws(GLPKError) in
                    try GLPKBackend.solve(model, options: MIPOptions(), branching: GLPKBackend.defaultBranching)
                })
            }
        }

        let solutions = try results.values.map { try $0.get() }
        #expect(solutions.count == 400)
        #expect(fatalCount.values.count == 40)
        for solution in solutions {
            #expect(solution.status == .optimal)
            #expect(solution.objective == reference.objective)
            #expect(solution.values == reference.values)
        }
    }
}
