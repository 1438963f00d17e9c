import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Work that follows an event instead of holding up its reply: a judge's verdict, commentary,
/// speech, a timer's consequences. Each job runs in a task of its own, bounded by its timeout on
/// the runtime clock (so tests move it with the virtual clock), and the service awaits every job
/// still running when the server shuts down, so none is cut off half-way through its writes.
///
/// ```swift
/// services.jobs.start("judge \(battleId)", timeout: .seconds(30)) { try await judge(battleId) }
/// services.jobs.schedule(at: deadline, "deadline \(battleId)") { await owner.deadlinePassed() }
/// ```
public final class BackgroundJobs: Service, Sendable {
    private struct State {
        var running: [UInt64: Job] = [:]
        var nextId: UInt64 = 0
        var stopping = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private struct Job {
        let task: Task<Void, Never>
        let timer: ScheduledTimer?
    }

    private let state = NIOLockedValueBox(State())
    let clock: any RuntimeClock
    private let logger: Logger

    public init(clock: any RuntimeClock, logger: Logger) {
        self.clock = clock
        self.logger = logger
    }

    /// Starts `body` now. A job that throws is logged. One still running `timeout` after it
    /// started (on the runtime clock, armed here, before the job's task even runs) is cancelled,
    /// logged and no longer waited for. Once shutdown has begun, new jobs are refused (logged),
    /// since nobody would wait for them.
    public func start(_ name: String, timeout: Duration? = nil, _ body: @escaping @Sendable () async throws -> Void) {
        let logger = self.logger
        state.withLockedValue { state in
            guard !state.stopping else {
                logger.warning("job refused during shutdown", metadata: ["job": "\(name)"])
                return
            }
            let id = state.nextId
            state.nextId += 1
            let task = Task {
                do {
                    try await body()
                } catch {
                    logger.error("job failed", metadata: ["job": "\(name)", "error": "\(error)"])
                }
                self.finished(id)
            }
            var timer: ScheduledTimer?
            if let timeout {
                timer = clock.schedule(after: timeout) {
                    guard self.finished(id) else { return }
                    task.cancel()
                    logger.error("job did not finish in time", metadata: ["job": "\(name)", "timeout": "\(timeout)"])
                }
            }
            state.running[id] = Job(task: task, timer: timer)
        }
    }

    /// Starts `body` as a job when the runtime clock reaches `date` (at once if it has passed).
    @discardableResult
    public func schedule(
        at date: Date, _ name: String, timeout: Duration? = nil, _ body: @escaping @Sendable () async throws -> Void
    ) -> ScheduledTimer {
        clock.schedule(at: date) { self.start(name, timeout: timeout, body) }
    }

    /// How many jobs are running now.
    public var runningCount: Int { state.withLockedValue { $0.running.count } }

    /// Returns once no job is running (tests await the jobs an event started before asserting
    /// on what they stored).
    public func idle() async {
        await withCheckedContinuation { continuation in
            let now = state.withLockedValue { state -> Bool in
                if state.running.isEmpty { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Forgets a job that ended or timed out; false if it was gone already.
    @discardableResult
    private func finished(_ id: UInt64) -> Bool {
        let (job, waiters) = state.withLockedValue { state -> (Job?, [CheckedContinuation<Void, Never>]) in
            let job = state.running.removeValue(forKey: id)
            guard job != nil, state.running.isEmpty else { return (job, []) }
            defer { state.idleWaiters = [] }
            return (job, state.idleWaiters)
        }
        job?.timer?.cancel()
        for waiter in waiters { waiter.resume() }
        return job != nil
    }

    /// From now on new jobs are refused (shutdown has begun).
    public func stopAccepting() {
        state.withLockedValue { $0.stopping = true }
    }

    /// Waits for graceful shutdown, then for every job still running.
    public func run() async throws {
        try? await gracefulShutdown()
        stopAccepting()
        await idle()
    }
}

import Foundation
