import Foundation
import NIOConcurrencyHelpers
@testable import Runtime
import Testing

/// A clock the test sets by hand.
final class ManualClock: RuntimeClock {
    private let date = NIOLockedValueBox(Date(timeIntervalSince1970: 1_800_000_000))

    func now() -> Date { date.withLockedValue { $0 } }
    func advance(_ seconds: Double) { date.withLockedValue { $0 = $0.addingTimeInterval(seconds) } }
    func schedule(at date: Date, _ body: @escaping @Sendable () -> Void) -> ScheduledTimer { ScheduledTimer(scheduled: nil) }
}

@Suite struct RateLimiterTests {
    @Test func aBucketAllowsItsCountThenSaysWhenToRetry() async {
        let clock = ManualClock()
        let limiter = InMemoryRateLimiter(clock: clock)
        let limit = RateLimit(2, per: .seconds(10))
        #expect(await limiter.attempt("k", limit: limit) == .allowed)
        #expect(await limiter.attempt("k", limit: limit) == .allowed)
        #expect(await limiter.attempt("k", limit: limit) == .limited(retryAfterMs: 5000))
        clock.advance(5)
        #expect(await limiter.attempt("k", limit: limit) == .allowed)
        #expect(await limiter.attempt("other", limit: limit) == .allowed, "keys have budgets of their own")
    }

    @Test func idleBucketsAreSweptOnlyWhenTheirNumberHasDoubled() async {
        let clock = ManualClock()
        let limiter = InMemoryRateLimiter(clock: clock)
        let limit = RateLimit(1, per: .seconds(1))
        for i in 0..<InMemoryRateLimiter.sweepThreshold { _ = await limiter.attempt("attacker-\(i)", limit: limit) }
        #expect(limiter.bucketCount == InMemoryRateLimiter.sweepThreshold)
        clock.advance(2)  // every bucket is full again: idle
        _ = await limiter.attempt("live", limit: limit)  // at the threshold: no sweep yet
        #expect(limiter.bucketCount == InMemoryRateLimiter.sweepThreshold + 1)
        _ = await limiter.attempt("live", limit: limit)  // over it: one sweep keeps only the live key
        #expect(limiter.bucketCount == 1)
        for i in 0..<100 { _ = await limiter.attempt("fresh-\(i)", limit: limit) }
        #expect(limiter.bucketCount == 101, "no sweep on every attempt below the threshold")
    }
}
