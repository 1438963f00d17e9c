import Foundation
import NIOConcurrencyHelpers

/// How many events a key may make per window.
public struct RateLimit: Sendable, Hashable {
    public var count: Int
    public var window: Duration

    public init(_ count: Int, per window: Duration) {
        self.count = max(count, 1)
        self.window = window
    }
}

/// Whether an attempt may proceed.
public enum RateLimitDecision: Sendable, Equatable {
    case allowed
    case limited(retryAfterMs: Int)
}

/// Shared by plugins; keyed by event and identity. In memory for one instance; a Redis-backed
/// implementation shares the budget across instances.
public protocol RateLimiter: Sendable {
    func attempt(_ key: String, limit: RateLimit) async -> RateLimitDecision
}

/// A token bucket per key: `count` tokens, refilled evenly over `window`. Idle keys are dropped
/// once their bucket is full again, so memory follows active keys only.
public final class InMemoryRateLimiter: RateLimiter {
    private struct Bucket {
        var tokens: Double
        var updated: Date
        var capacity: Double
        var refillPerSecond: Double

        func isFull(at now: Date) -> Bool {
            tokens + max(now.timeIntervalSince(updated), 0) * refillPerSecond >= capacity
        }
    }

    private let clock: any RuntimeClock
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])

    public init(clock: any RuntimeClock) {
        self.clock = clock
    }

    public func attempt(_ key: String, limit: RateLimit) async -> RateLimitDecision {
        let now = clock.now()
        let capacity = Double(limit.count)
        let refillPerSecond = capacity / max(limit.window.seconds, 0.000_001)
        return buckets.withLockedValue { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now, capacity: capacity, refillPerSecond: refillPerSecond)
            let elapsed = max(now.timeIntervalSince(bucket.updated), 0)
            bucket.tokens = min(capacity, bucket.tokens + elapsed * refillPerSecond)
            bucket.updated = now
            if buckets.count > 10_000 { buckets = buckets.filter { !$0.value.isFull(at: now) } }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                buckets[key] = bucket
                return .allowed
            }
            buckets[key] = bucket
            let wait = (1 - bucket.tokens) / refillPerSecond
            return .limited(retryAfterMs: max(Int((wait * 1000).rounded(.up)), 1))
        }
    }

}
