import Synchronization

/// Lets async code wait for a child process to exit: `Process.terminationHandler` calls
/// `signal()` on a Foundation thread, and any number of `wait()`ers resume, whether they began
/// waiting before or after the exit.
final class ProcessExit: Sendable {
    private struct State {
        var exited = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func signal() {
        let waiters = state.withLock { state in
            state.exited = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the process has exited. Not cancellable: callers bound it with `withDeadline`
    /// and kill the process, after which it returns promptly.
    func wait() async {
        await withCheckedContinuation { continuation in
            let exited = state.withLock { state in
                if !state.exited { state.waiters.append(continuation) }
                return state.exited
            }
            if exited { continuation.resume() }
        }
    }
}
