/// A first-come, first-served limit on how many tests of a kind run at once. Waiting suspends the
/// test's task; it holds no thread.
actor TestLane {
    let width: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(width: Int) {
        precondition(width > 0, "a lane needs room for one test")
        self.width = width
    }

    func enter() async {
        if running < width {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            running -= 1
        } else {
            // The place passes straight to the next test: `running` stays the same.
            waiting.removeFirst().resume()
        }
    }
}
