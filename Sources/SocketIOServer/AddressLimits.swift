import NIOConcurrencyHelpers
import NIOCore

/// Open connections per client address, for ``HTTPLimits/maxConnectionsPerAddress``. One per
/// server; an address with no connection left holds no entry.
public final class ConnectionsPerAddress: Sendable {
    private let counts = NIOLockedValueBox<[String: Int]>([:])
    public let limit: Int

    /// - Parameter limit: most connections per address; 0: no cap (nothing is counted).
    public init(limit: Int) {
        self.limit = limit
    }

    /// Counts a new connection from `address`; false (and not counted) when the address is at
    /// its cap already.
    public func open(_ address: String) -> Bool {
        guard limit > 0 else { return true }
        return counts.withLockedValue { counts in
            let count = counts[address, default: 0]
            guard count < limit else { return false }
            counts[address] = count + 1
            return true
        }
    }

    /// A connection counted by ``open(_:)`` closed.
    public func close(_ address: String) {
        guard limit > 0 else { return }
        counts.withLockedValue { counts in
            guard let count = counts[address] else { return }
            if count <= 1 { counts.removeValue(forKey: address) } else { counts[address] = count - 1 }
        }
    }

    /// Connections counted for `address` now.
    public func count(_ address: String) -> Int {
        counts.withLockedValue { $0[address, default: 0] }
    }
}

/// A token bucket per key on a time the caller passes in (an event loop's `now`, so tests move
/// it by hand): `perSecond` attempts a second, in bursts of up to `perSecond`. Buckets that have
/// filled up again are dropped when their number has doubled since the last sweep.
public final class KeyedRateBuckets: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: NIODeadline
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var keptAtLastSweep = 0
    }

    private let state = NIOLockedValueBox(State())
    public let perSecond: Int

    /// - Parameter perSecond: attempts a second per key; 0: unlimited (nothing is kept).
    public init(perSecond: Int) {
        self.perSecond = perSecond
    }

    /// Takes a token for `key` at `now`; false when it has none left.
    public func attempt(_ key: String, now: NIODeadline) -> Bool {
        guard perSecond > 0 else { return true }
        let capacity = Double(perSecond)
        return state.withLockedValue { state in
            var bucket = state.buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = Double(max((now - bucket.updated).nanoseconds, 0)) / 1e9
            bucket.tokens = min(capacity, bucket.tokens + elapsed * capacity)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            state.buckets[key] = bucket
            if state.buckets.count >= max(1024, state.keptAtLastSweep * 2) {
                state.buckets = state.buckets.filter { _, bucket in
                    bucket.tokens + Double(max((now - bucket.updated).nanoseconds, 0)) / 1e9 * capacity < capacity
                }
                state.keptAtLastSweep = state.buckets.count
            }
            return allowed
        }
    }

    /// Keys held now.
    public var keyCount: Int { state.withLockedValue { $0.buckets.count } }
}

extension SocketAddress {
    /// The address without its port, as limits count clients (`""` for a Unix socket).
    var clientKey: String { ipAddress ?? "" }
}
