import NIOConcurrencyHelpers
import NIOCore
import Runtime

/// Rate limits shared by every instance of a cluster: one atomic Lua script per attempt, GCRA
/// (the generic cell rate algorithm: one key holding the theoretical arrival time), on Redis's own
/// clock so instances with drifting clocks agree. While Redis cannot be reached each instance
/// falls back to its own in-memory limiter: limits stay on, per instance, until Redis is back.
public final class RedisRateLimiter: RateLimiter {
    /// KEYS[1] the bucket; ARGV[1] ms between events at the sustained rate; ARGV[2] the burst
    /// (ms of credit: (count - 1) intervals). Returns 0 when allowed, else ms until the next.
    static let script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local interval = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local tat = tonumber(redis.call('GET', KEYS[1]) or now)
        if tat < now then tat = now end
        if tat - burst > now then return math.ceil(tat - burst - now) end
        local nextTat = tat + interval
        redis.call('SET', KEYS[1], nextTat, 'PX', math.ceil(nextTat - now) + 1)
        return 0
        """

    private let link: RedisLink
    private let fallback: any RateLimiter
    private let keyPrefix: String
    private let gcra = RedisScript(RedisRateLimiter.script)

    public init(link: RedisLink, fallback: any RateLimiter, keyPrefix: String = "moltarena:rate:") {
        self.link = link
        self.fallback = fallback
        self.keyPrefix = keyPrefix
    }

    public func attempt(_ key: String, limit: RateLimit) async -> RateLimitDecision {
        let interval = max(limit.window.seconds * 1000 / Double(limit.count), 1)
        let burst = interval * Double(limit.count - 1)
        let arguments = [String(Int(interval.rounded(.up))), String(Int(burst.rounded()))]
        do {
            let reply = try await gcra.run(on: link, keys: [keyPrefix + key], arguments: arguments)
            guard case .integer(let wait) = reply else { return await fallback.attempt(key, limit: limit) }
            return wait == 0 ? .allowed : .limited(retryAfterMs: Int(max(wait, 1)))
        } catch {
            return await fallback.attempt(key, limit: limit)
        }
    }
}
