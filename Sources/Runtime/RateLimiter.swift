import Foundation
import NIOConcurrencyHelpers

/// How many events a key may make per window.
public struct RateLimit: Sendable, Hashable {
    /// Whose budget an event limit counts against.
    public enum Scope: Sendable, Hashable {
        /// The connection's own, then its identity's (a larger one, shared by the agent's
        /// connections or by the anonymous clients of one address).
        case connectionThenIdentity
        /// The connection's own only: for events every client sends about once (joining a
        /// room), which thousands of spectators behind one address may all send at once.
        case connection
    }

    public var count: Int
    public var window: Duration
    public var scope: Scope

    public init(_ count: Int, per window: Duration, scope: Scope = .connectionThenIdentity) {
        self.count = max(count, 1)
        self.window = window
        self.scope = scope
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
        var bucket: TokenBucket
        var limit: RateLimit
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
        return state.withLockedValue { state in
            if state.buckets.count > max(Self.sweepThreshold, 2 * state.keptAtLastSweep) {
                state.buckets = state.buckets.filter { !$0.value.bucket.isFull(at: now, limit: $0.value.limit) }
                state.keptAtLastSweep = state.buckets.count
            }
            var entry = state.buckets[key] ?? Bucket(bucket: TokenBucket(full: limit, at: now), limit: limit)
            entry.limit = limit
            let decision = entry.bucket.take(at: now, limit: limit)
            state.buckets[key] = entry
            return decision
        }
    }
}
