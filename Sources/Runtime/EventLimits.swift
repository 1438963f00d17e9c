import Foundation

/// How the runtime limits the events of one connection and one client (docs/SECURITY.md).
///
/// A handler's `rateLimit` is the budget of one connection, kept with the connection (a flooder
/// spends only its own); the client's identity (its agent, or its address) has `identityFactor`
/// times as much, through the shared limiter (per instance in memory, across instances with
/// Redis). A connection refused by its own budgets `abuseRefusals` times within `abuseWindow` is
/// disconnected.
public struct EventLimits: Sendable, Equatable {
    /// The identity's budget of an event, in multiples of a connection's.
    public var identityFactor: Int = 4
    /// Unknown events one connection may send (each answered UNKNOWN_EVENT) before RATE_LIMITED.
    public var unknownEvents = RateLimit(10, per: .seconds(10))
    /// Refusals by a connection's own budgets within `abuseWindow` that disconnect it (0: never).
    public var abuseRefusals: Int = 50
    public var abuseWindow: Duration = .seconds(10)

    public init() {}
}

/// A token bucket: `count` tokens, refilled evenly over the window.
struct TokenBucket: Sendable {
    var tokens: Double
    var updated: Date

    init(full limit: RateLimit, at now: Date) {
        tokens = Double(limit.count)
        updated = now
    }

    static func refillPerSecond(_ limit: RateLimit) -> Double {
        Double(limit.count) / max(limit.window.seconds, 0.000_001)
    }

    /// Whether the bucket is full again at `now` (an idle key that can be forgotten).
    func isFull(at now: Date, limit: RateLimit) -> Bool {
        tokens + max(now.timeIntervalSince(updated), 0) * Self.refillPerSecond(limit) >= Double(limit.count)
    }

    /// Takes a token when there is one.
    mutating func take(at now: Date, limit: RateLimit) -> RateLimitDecision {
        let refill = Self.refillPerSecond(limit)
        tokens = min(Double(limit.count), tokens + max(now.timeIntervalSince(updated), 0) * refill)
        updated = now
        if tokens >= 1 {
            tokens -= 1
            return .allowed
        }
        return .limited(retryAfterMs: max(Int(((1 - tokens) / refill * 1000).rounded(.up)), 1))
    }
}

/// One connection's budgets: a bucket per limited event (by the event's index in the
/// dispatcher), the identity's rate key of each event (made once), and its recent refusals.
struct ConnectionLimits: Sendable {
    struct Entry: Sendable {
        var bucket: TokenBucket
        var identityKey: String
    }

    private var entries: [Int: Entry] = [:]
    private var refusals = 0
    private var refusalsSince: Date?

    /// Takes a token of the event's connection budget; with it, the identity's rate key of the
    /// event (`identityKey` makes it on the connection's first attempt).
    mutating func attempt(_ index: Int, limit: RateLimit, at now: Date, identityKey: () -> String) -> (RateLimitDecision, String) {
        if entries[index] == nil {
            entries[index] = Entry(bucket: TokenBucket(full: limit, at: now), identityKey: identityKey())
        }
        let decision = entries[index]!.bucket.take(at: now, limit: limit)
        return (decision, entries[index]!.identityKey)
    }

    /// Counts a refusal; true when the connection has now been refused too often.
    mutating func refused(at now: Date, limits: EventLimits) -> Bool {
        guard limits.abuseRefusals > 0 else { return false }
        if let since = refusalsSince, now.timeIntervalSince(since) < limits.abuseWindow.seconds {
            refusals += 1
        } else {
            refusalsSince = now
            refusals = 1
        }
        return refusals >= limits.abuseRefusals
    }
}
