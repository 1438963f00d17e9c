import DequeModule
import Synchronization

/// Runs async jobs one after the other, in submission order, with a task only while there is
/// work (an idle connection holds no task). Bounded: a client that floods gets refused instead of
/// growing the queue.
///
/// Each job names the executor it runs on (nil: the global concurrent executor). The task that
/// drains the queue starts on the first job's executor and runs jobs while they name the same
/// one, so a run of jobs for one event loop costs no thread hop at all; a job for another
/// executor gets a new task started there.
///
/// Not final: a connection's state is its queue (a subclass), one object per connection instead
/// of two. Sendable is unchecked only because a non-final class cannot be checked; all mutable
/// state is behind `state`'s lock.
class SerialTaskQueue: @unchecked Sendable {
    private struct Job {
        let executor: (any TaskExecutor)?
        let work: @Sendable () async -> Void
    }

    private struct State {
        var jobs: Deque<Job> = []
        var running = false
    }

    private let state = Mutex(State())
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Queues the job to run on `executor` (nil: the global concurrent executor); false when the
    /// queue is full.
    func enqueue(on executor: (any TaskExecutor)? = nil, _ work: @escaping @Sendable () async -> Void) -> Bool {
        let start: Bool? = state.withLock { state in
            guard state.jobs.count < limit else { return nil }
            state.jobs.append(Job(executor: executor, work: work))
            if state.running { return false }
            state.running = true
            return true
        }
        guard let start else { return false }
        if start {
            Task(executorPreference: executor) { await self.drain(startedOn: executor) }
        }
        return true
    }

    private enum Step {
        case run(Job)
        case handOver(to: (any TaskExecutor)?)
        case stop
    }

    /// Runs jobs while they are for `home`; the first job for another executor is handed to a
    /// new task started there (the queue stays marked running), so every job runs where it asked.
    private func drain(startedOn home: (any TaskExecutor)?) async {
        while true {
            let step: Step = state.withLock { state in
                guard let first = state.jobs.first else {
                    state.running = false
                    state.jobs = []  // an idle connection keeps no buffer
                    return .stop
                }
                guard first.executor === home else { return .handOver(to: first.executor) }
                return .run(state.jobs.removeFirst())
            }
            switch step {
            case .run(let job):
                await job.work()
            case .handOver(let executor):
                Task(executorPreference: executor) { await self.drain(startedOn: executor) }
                return
            case .stop:
                return
            }
        }
    }
}
