import Dispatch
import NIOCore

/// Runs a task's jobs on one NIO event loop.
///
/// Async work that belongs to one connection (connect middleware, event handlers that asked for
/// it) runs on the event loop that owns the socket, as it would in Node or asyncio: replies and
/// broadcasts are written without a hop to another thread, and a burst of events read together
/// is handled before the loop's batched flush, so their frames leave in one write per recipient.
/// Such work must not block the thread: a blocked loop stalls every connection on it.
public final class EventLoopTaskExecutor: TaskExecutor, Sendable {
    public let eventLoop: any EventLoop
    /// Set for loops that must be handed work from another thread (see
    /// ``EngineIOConfiguration/enqueuesFromOutsideTheLoop``): a serial queue keeps the order.
    private let handOff: DispatchQueue?

    public init(eventLoop: any EventLoop, enqueuesFromOutsideTheLoop: Bool = false) {
        self.eventLoop = eventLoop
        self.handOff = enqueuesFromOutsideTheLoop ? DispatchQueue(label: "moltarena.loop-executor") : nil
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let run: @Sendable () -> Void = { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        if let handOff {
            let loop = eventLoop
            handOff.async { loop.execute(run) }
        } else {
            eventLoop.execute(run)
        }
    }
}

/// One ``EventLoopTaskExecutor`` per loop of a group, fixed at start-up so lookups take no lock.
public final class EventLoopTaskExecutors: Sendable {
    private let executors: [ObjectIdentifier: EventLoopTaskExecutor]

    public init(group: any EventLoopGroup, enqueuesFromOutsideTheLoop: Bool = false) {
        var executors: [ObjectIdentifier: EventLoopTaskExecutor] = [:]
        for loop in group.makeIterator() {
            executors[ObjectIdentifier(loop)] = EventLoopTaskExecutor(eventLoop: loop, enqueuesFromOutsideTheLoop: enqueuesFromOutsideTheLoop)
        }
        self.executors = executors
    }

    /// The loop's executor; nil for a loop outside the group (the job then runs on the global
    /// executor).
    public func executor(for loop: any EventLoop) -> EventLoopTaskExecutor? {
        executors[ObjectIdentifier(loop)]
    }
}
