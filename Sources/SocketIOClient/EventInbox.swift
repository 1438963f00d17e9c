import NIOCore

/// The one buffer of received events that both ``SocketIOClient/events`` and
/// ``SocketIOClient/next(_:timeout:)`` draw from.
///
/// One buffer, not one stream per consumer, so that waiting for a named event never swallows
/// the others: `next("x")` takes the first "x" and leaves everything else, in order, for the
/// `events` stream. A waiter for a name is served before a waiter for any event, because it
/// states a more specific intent. Not thread-safe: it lives inside the session's mutex.
struct EventInbox {
    typealias Continuation = CheckedContinuation<ReceivedEvent?, any Error>

    struct Waiter {
        var id: UInt64
        var name: String?
        var continuation: Continuation
    }

    private var buffered = CircularBuffer<ReceivedEvent>()
    private var waiters: [Waiter] = []
    private let limit: Int
    /// Events dropped because the buffer was full.
    private(set) var droppedCount = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Stores an event, or returns the waiter that should get it (to be resumed outside the lock).
    mutating func deliver(_ event: ReceivedEvent) -> Continuation? {
        let index =
            waiters.firstIndex(where: { $0.name == event.name })
            ?? waiters.firstIndex(where: { $0.name == nil })
        if let index {
            return waiters.remove(at: index).continuation
        }
        if buffered.count >= limit {
            buffered.removeFirst()
            droppedCount += 1
        }
        buffered.append(event)
        return nil
    }

    /// Takes the first buffered event with this name (any event when `name` is nil).
    mutating func take(named name: String?) -> ReceivedEvent? {
        guard let name else { return buffered.popFirst() }
        guard let index = buffered.firstIndex(where: { $0.name == name }) else { return nil }
        return buffered.remove(at: index)
    }

    mutating func addWaiter(_ waiter: Waiter) {
        waiters.append(waiter)
    }

    /// Removes a waiter that gave up (timeout or cancellation); nil if it was already served.
    mutating func removeWaiter(id: UInt64) -> Continuation? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).continuation
    }

    /// Removes every waiter, for when the connection is gone.
    mutating func removeAllWaiters() -> [Continuation] {
        defer { waiters.removeAll() }
        return waiters.map(\.continuation)
    }
}
