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
    private struct State {
        var buckets: [String: Bucket] = [:]
        /// How many buckets the last sweep kept: the next sweep waits until there are twice as
        /// many (and at least `sweepThreshold`), so sweeping costs O(1) per attempt amortised
        /// however many keys attackers make.
        var keptAtLastSweep = 0
    }

    /// How many buckets are held now (idle ones go at the next sweep).
    public var bucketCount: Int { state.withLockedValue { $0.buckets.count } }

    /// Below this many buckets idle ones are not swept at all.
    static let sweepThreshold = 10_000
    private let state = NIOLockedValueBox(State())

    public init(clock: any RuntimeClock) {
        self.clock = clock
    }

    public func attempt(_ key: String, limit: RateLimit) async -> RateLimitDecision {
        let now = clock.now()
        let capacity = Double(limit.count)
        let refillPerSecond = capacity / max(limit.window.seconds, 0.000_001)
        return state.withLockedValue { state in
            var bucket = state.buckets[key] ?? Bucket(tokens: capacity, updated: now, capacity: capacity, refillPerSecond: refillPerSecond)
            let elapsed = max(now.timeIntervalSince(bucket.updated), 0)
            bucket.tokens = min(capacity, bucket.tokens + elapsed * refillPerSecond)
            bucket.updated = now
            if state.buckets.count > max(Self.sweepThreshold, 2 * state.keptAtLastSweep) {
                state.buckets = state.buckets.filter { !$0.value.isFull(at: now) }
                state.keptAtLastSweep = state.buckets.count
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                state.buckets[key] = bucket
                return .allowed
            }
            state.buckets[key] = bucket
            let wait = (1 - bucket.tokens) / refillPerSecond
            return .limited(retryAfterMs: max(Int((wait * 1000).rounded(.up)), 1))
        }
    }

}
