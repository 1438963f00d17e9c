import NIOCore
import NIOPosix
import PostgresNIO

/// The arena's transactions are synchronous: the calling thread (an actor's or a task's) waits for
/// each statement's future while an event loop does the I/O. Waiting on an event loop would stop
/// the loop that has to answer, so it is a programming error, caught here before it hangs.
func preconditionNotOnEventLoop(file: StaticString = #fileID, line: UInt = #line) {
    precondition(
        MultiThreadedEventLoopGroup.currentEventLoop == nil,
        "PostgresDatabase was called on an event loop; call it from a task or an actor, whose thread may wait",
        file: file,
        line: line
    )
}

extension EventLoopFuture where Value: Sendable {
    /// The future's value, waited for on the calling thread.
    func waitSynchronously() throws -> Value {
        preconditionNotOnEventLoop()
        return try wait()
    }

    /// The future's value, waited for at most `timeout`: then `connection` is closed, which fails
    /// the future (the connection is lost and not used again).
    func waitSynchronously(closing connection: PostgresConnection, after timeout: TimeAmount) throws -> Value {
        let timer = connection.eventLoop.scheduleTask(in: timeout) {
            let _: EventLoopFuture<Void> = connection.close()
        }
        defer { timer.cancel() }
        return try waitSynchronously()
    }
}
