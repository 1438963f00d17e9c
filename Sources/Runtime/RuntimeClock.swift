import Foundation
import NIOCore

/// Time as the runtime's plugins see it: wall-clock dates, and timers that fire at a date.
/// Injected, so tests drive time by hand instead of sleeping.
public protocol RuntimeClock: Sendable {
    func now() -> Date
    /// Runs `body` at `date` (at once if it is past). The returned timer can be cancelled.
    @discardableResult
    func schedule(at date: Date, _ body: @escaping @Sendable () -> Void) -> ScheduledTimer
}

/// A timer from ``RuntimeClock/schedule(at:_:)``.
public struct ScheduledTimer: Sendable {
    let scheduled: Scheduled<Void>?

    public func cancel() {
        scheduled?.cancel()
    }
}

extension RuntimeClock {
    @discardableResult
    public func schedule(after delay: Duration, _ body: @escaping @Sendable () -> Void) -> ScheduledTimer {
        schedule(at: now().addingTimeInterval(delay.seconds), body)
    }
}

/// A clock over an event loop's timers: wall time is the date at start plus the loop's elapsed
/// time. On a real loop that is real time; on NIO's testing loop it moves only when the test
/// advances it.
public struct EventLoopClock: RuntimeClock {
    let eventLoop: any EventLoop
    let startDate: Date
    let startDeadline: NIODeadline

    public init(eventLoop: any EventLoop, startDate: Date = Date()) {
        self.eventLoop = eventLoop
        self.startDate = startDate
        self.startDeadline = eventLoop.now
    }

    public func now() -> Date {
        let elapsed = eventLoop.now - startDeadline
        return startDate.addingTimeInterval(Double(elapsed.nanoseconds) / 1e9)
    }

    @discardableResult
    public func schedule(at date: Date, _ body: @escaping @Sendable () -> Void) -> ScheduledTimer {
        let offset = date.timeIntervalSince(startDate)
        let deadline = startDeadline + .nanoseconds(Int64(max(offset, 0) * 1e9))
        return ScheduledTimer(scheduled: eventLoop.scheduleTask(deadline: deadline, body))
    }
}

extension Duration {
    /// The duration in seconds, fractional.
    public var seconds: Double {
        let (whole, atto) = components
        return Double(whole) + Double(atto) / 1e18
    }

    /// A duration from fractional seconds, as plugins.conf writes them.
    public static func fractionalSeconds(_ value: Double) -> Duration {
        .nanoseconds(Int64((value * 1e9).rounded()))
    }
}
