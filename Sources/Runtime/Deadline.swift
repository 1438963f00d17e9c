import Synchronization

/// Thrown by `withDeadline` when the operation has not finished in time.
public struct DeadlineExceeded: Error, Sendable {
    public var timeout: Duration

    public init(timeout: Duration) {
        self.timeout = timeout
    }
}

/// Runs `operation` and returns its result, or throws `DeadlineExceeded` once `timeout` has
/// passed, whichever comes first; the operation is cancelled when the deadline wins.
///
/// Why not a task group: a group only returns when every child has returned, so an operation
/// that ignores cancellation (a provider awaiting something that never resumes) would hold the
/// caller for as long as it hangs. Here the operation runs in an unstructured task and the caller
/// waits on a continuation that the first of "operation finished", "deadline passed" or "caller
/// cancelled" resumes, so the wait is bounded no matter what the operation does. A cancelled
/// operation that keeps running finishes in the background and its result is dropped.
///
/// With a `clock`, the deadline is a timer on the runtime's clock, so tests move it with the
/// virtual clock; without one it is real time (`Task.sleep`).
public func withDeadline<T: Sendable>(
    _ timeout: Duration,
    clock: (any RuntimeClock)? = nil,
    operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation: continuation, timeout: timeout, clock: clock, operation: operation)
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The shared state of one `withDeadline` call: resumes the caller exactly once.
private final class DeadlineRace<T: Sendable>: Sendable {
    private enum State {
        case idle
        case cancelled
        case running(CheckedContinuation<T, any Error>, work: Task<Void, Never>, stopTimer: @Sendable () -> Void)
        case finished
    }

    private let state = Mutex<State>(.idle)

    func start(
        continuation: CheckedContinuation<T, any Error>,
        timeout: Duration,
        clock: (any RuntimeClock)?,
        operation: @escaping @Sendable () async throws -> T
    ) {
        let cancelledEarly = state.withLock { state -> Bool in
            guard case .idle = state else { return true }
            let work = Task {
                do {
                    self.finish(.success(try await operation()))
                } catch {
                    self.finish(.failure(error))
                }
            }
            let stopTimer: @Sendable () -> Void
            if let clock {
                let timer = clock.schedule(after: timeout) { self.finish(.failure(DeadlineExceeded(timeout: timeout))) }
                stopTimer = { timer.cancel() }
            } else {
                let timer = Task {
                    // A cancelled sleep means the race is over already; only a full sleep reports.
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    self.finish(.failure(DeadlineExceeded(timeout: timeout)))
                }
                stopTimer = { timer.cancel() }
            }
            state = .running(continuation, work: work, stopTimer: stopTimer)
            return false
        }
        if cancelledEarly {
            continuation.resume(throwing: CancellationError())
        }
    }

    func finish(_ result: Result<T, any Error>) {
        let taken = state.withLock { state -> (CheckedContinuation<T, any Error>, Task<Void, Never>, @Sendable () -> Void)? in
            switch state {
            case .idle:
                state = .cancelled
                return nil
            case .running(let continuation, let work, let stopTimer):
                state = .finished
                return (continuation, work, stopTimer)
            case .cancelled, .finished:
                return nil
            }
        }
        guard let (continuation, work, stopTimer) = taken else { return }
        work.cancel()
        stopTimer()
        continuation.resume(with: result)
    }
}
