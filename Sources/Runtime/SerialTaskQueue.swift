import DequeModule
import NIOConcurrencyHelpers

/// Runs async jobs one after the other, in submission order, with a task only while there is
/// work (an idle connection holds no task). Bounded: a client that floods gets refused instead of
/// growing the queue.
final class SerialTaskQueue: Sendable {
    private struct State {
        var jobs: Deque<@Sendable () async -> Void> = []
        var running = false
    }

    private let state = NIOLockedValueBox(State())
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Queues the job; false when the queue is full.
    func enqueue(_ job: @escaping @Sendable () async -> Void) -> Bool {
        let start: Bool? = state.withLockedValue { state in
            guard state.jobs.count < limit else { return nil }
            state.jobs.append(job)
            if state.running { return false }
            state.running = true
            return true
        }
        guard let start else { return false }
        if start {
            Task { await self.drain() }
        }
        return true
    }

    private func drain() async {
        while let job = state.withLockedValue({ state -> (@Sendable () async -> Void)? in
            if let next = state.jobs.popFirst() { return next }
            state.running = false
            return nil
        }) {
            await job()
        }
    }
}
