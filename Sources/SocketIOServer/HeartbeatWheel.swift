import NIOConcurrencyHelpers
import NIOCore

/// The heartbeats of every session of one Engine.IO endpoint on one event loop: when each is due
/// a ping, and when each must have answered one.
///
/// A scheduled task (with its promise and closures) per session and per phase cost a few hundred
/// bytes per idle connection. Here a session is an entry in one of two queues and the loop has one
/// timer per queue. Every session of an endpoint waits the same interval, so a session queued
/// later is due later and each queue stays in deadline order by appending alone. Entries are not
/// removed when a session answers early or closes: the session's own deadline says whether an
/// entry is still current when it comes up, and a stale one is dropped then.
///
/// Only touched on `eventLoop`.
final class HeartbeatWheel: @unchecked Sendable {
    let eventLoop: any EventLoop
    private let pings: Queue
    private let pongs: Queue

    init(eventLoop: any EventLoop, pingInterval: Duration, pingTimeout: Duration) {
        self.eventLoop = eventLoop
        self.pings = Queue(wait: TimeAmount(pingInterval), isPing: true)
        self.pongs = Queue(wait: TimeAmount(pingTimeout), isPing: false)
    }

    /// Queues `session` for its next ping; returns when it is due.
    func schedulePing(_ session: EngineIOSession) -> NIODeadline {
        enqueue(session, in: pings)
    }

    /// Queues `session` for the end of its wait for a pong; returns when that is.
    func schedulePongTimeout(_ session: EngineIOSession) -> NIODeadline {
        enqueue(session, in: pongs)
    }

    private func enqueue(_ session: EngineIOSession, in queue: Queue) -> NIODeadline {
        eventLoop.assertInEventLoop()
        let due = eventLoop.now + queue.wait
        queue.entries.append(Entry(due: due, session: session))
        if !queue.armed { arm(queue, at: due) }
        return due
    }

    private func arm(_ queue: Queue, at due: NIODeadline) {
        queue.armed = true
        let isPing = queue.isPing
        eventLoop.scheduleTask(deadline: due) { self.fire(isPing ? self.pings : self.pongs) }
    }

    /// Hands every entry that is due to its session, then waits for the next one.
    private func fire(_ queue: Queue) {
        queue.armed = false
        let now = eventLoop.now
        while let first = queue.entries.first, first.due <= now {
            queue.entries.removeFirst()
            guard let session = first.session else { continue }
            if queue.isPing {
                session.pingDue(first.due)
            } else {
                session.pongTimedOut(first.due)
            }
        }
        if let next = queue.entries.first, !queue.armed {
            arm(queue, at: next.due)
        }
    }

    /// Sessions in deadline order, and whether the loop has a timer for the first.
    final class Queue {
        let wait: TimeAmount
        let isPing: Bool
        var entries = CircularBuffer<Entry>()
        var armed = false

        init(wait: TimeAmount, isPing: Bool) {
            self.wait = wait
            self.isPing = isPing
        }
    }

    struct Entry {
        let due: NIODeadline
        /// Weak, so a session that closed is freed without waiting for its entry to come up.
        weak var session: EngineIOSession?
    }
}

/// One ``HeartbeatWheel`` per event loop an endpoint's sessions live on, made on first use.
final class HeartbeatWheels: Sendable {
    private let pingInterval: Duration
    private let pingTimeout: Duration
    private let wheels = NIOLockedValueBox<[ObjectIdentifier: HeartbeatWheel]>([:])

    init(pingInterval: Duration, pingTimeout: Duration) {
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
    }

    func wheel(for loop: any EventLoop) -> HeartbeatWheel {
        wheels.withLockedValue { wheels in
            if let wheel = wheels[ObjectIdentifier(loop)] { return wheel }
            let wheel = HeartbeatWheel(eventLoop: loop, pingInterval: pingInterval, pingTimeout: pingTimeout)
            wheels[ObjectIdentifier(loop)] = wheel
            return wheel
        }
    }
}
