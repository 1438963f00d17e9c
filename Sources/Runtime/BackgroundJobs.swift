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
        var running: [UInt64: Task<Void, Never>] = [:]
        var nextId: UInt64 = 0
        var stopping = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())
    private let clock: any RuntimeClock
    private let logger: Logger

    public init(clock: any RuntimeClock, logger: Logger) {
        self.clock = clock
        self.logger = logger
    }

    /// Starts `body` now. A job that throws is logged; one past `timeout` is cancelled and
    /// logged. Once shutdown has begun, new jobs are refused (logged), since nobody would wait.
    public func start(_ name: String, timeout: Duration? = nil, _ body: @escaping @Sendable () async throws -> Void) {
        let clock = self.clock
        let logger = self.logger
        state.withLockedValue { state in
            guard !state.stopping else {
                logger.warning("job refused during shutdown", metadata: ["job": "\(name)"])
                return
            }
            let id = state.nextId
            state.nextId += 1
            state.running[id] = Task {
                do {
                    if let timeout {
                        try await withDeadline(timeout, clock: clock, operation: body)
                    } else {
                        try await body()
                    }
                } catch is DeadlineExceeded {
                    logger.error("job did not finish in time", metadata: ["job": "\(name)", "timeout": "\(timeout.map { "\($0)" } ?? "")"])
                } catch {
                    logger.error("job failed", metadata: ["job": "\(name)", "error": "\(error)"])
                }
                self.finished(id)
            }
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

    private func finished(_ id: UInt64) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.running.removeValue(forKey: id)
            guard state.running.isEmpty else { return [] }
            defer { state.idleWaiters = [] }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits for graceful shutdown, then for every job still running.
    public func run() async throws {
        try? await gracefulShutdown()
        state.withLockedValue { $0.stopping = true }
        await idle()
    }
}

import Foundation
