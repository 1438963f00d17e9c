import NIOCore

/// Runs a task's jobs on one NIO event loop.
///
/// A connection's event handlers run on the event loop that owns its socket, as they would in
/// Node or asyncio: a handler's replies and broadcasts are written without a hop to another
/// thread, and a burst of events read together is handled before the loop's batched flush, so
/// their frames leave in one write per recipient. Handlers must not block (database work goes
/// through the async API, which runs on the database's own queue).
final class EventLoopTaskExecutor: TaskExecutor, Sendable {
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

/// One ``EventLoopTaskExecutor`` per loop of a group, fixed at start-up so lookups take no lock.
final class EventLoopTaskExecutors: Sendable {
    private let executors: [ObjectIdentifier: EventLoopTaskExecutor]

    init(group: any EventLoopGroup) {
        var executors: [ObjectIdentifier: EventLoopTaskExecutor] = [:]
        for loop in group.makeIterator() {
            executors[ObjectIdentifier(loop)] = EventLoopTaskExecutor(eventLoop: loop)
        }
        self.executors = executors
    }

    /// The loop's executor; nil for a loop outside the group (the job then runs on the global
    /// executor).
    func executor(for loop: any EventLoop) -> EventLoopTaskExecutor? {
        executors[ObjectIdentifier(loop)]
    }
}
