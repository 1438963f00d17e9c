import Foundation
import Synchronization

/// The active agents whose keys were verified against the database lately, so that an agent
/// connecting again is let in without a database read.
///
/// Entries are keyed by the key's SHA-256 digest (the same one-way digest the agents table
/// holds); a raw key is never stored. The cache is bounded: at most `capacity` entries, each
/// trusted for `ttl` after it was read, the oldest dropped first when full. Deactivation evicts
/// an agent's entries (``forget(agentId:)``) here, and on the other instances through the
/// cluster's `agent.deactivated` request; a deactivation the server is not told of (the command
/// line writes the database only) is found by the periodic revocation check, which also checks
/// the cached agents, and at the latest when the entry's `ttl` runs out.
///
/// Every eviction advances a generation: a lookup that started before it cannot put back what
/// was read before the deactivation (``insert(_:agent:ifGeneration:now:)`` refuses).
final class VerifiedKeyCache: Sendable {
    struct Entry {
        var agent: Agent
        var expires: Date
        /// Insertion number, matching this entry's place in the eviction order.
        var serial: UInt64
    }

    private struct State {
        var entries: [Data: Entry] = [:]
        /// Digests in insertion order (so in expiry order: the TTL is the same for all); an item
        /// whose serial no longer matches its entry was evicted or replaced and is skipped.
        var order: [(digest: Data, serial: UInt64)] = []
        var head = 0
        var nextSerial: UInt64 = 0
        var generation: UInt64 = 0
    }

    let capacity: Int
    let ttl: Duration
    private let state = Mutex(State())

    /// `capacity` 0 caches nothing.
    init(capacity: Int, ttl: Duration) {
        self.capacity = max(0, capacity)
        self.ttl = ttl
    }

    var isEnabled: Bool { capacity > 0 && ttl > .zero }

    /// The agent cached for this digest, if its entry has not expired.
    func agent(forDigest digest: Data, now: Date) -> Agent? {
        guard isEnabled else { return nil }
        return state.withLock { state in
            guard let entry = state.entries[digest] else { return nil }
            guard entry.expires > now else {
                state.entries[digest] = nil
                return nil
            }
            return entry.agent
        }
    }

    /// Changes with every eviction by agent; read it before a database lookup and pass it to
    /// ``insert(_:agent:ifGeneration:now:)``.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Caches a verified active agent, unless an agent was forgotten since `generation` was read
    /// (the lookup may predate a deactivation). Returns whether it was cached.
    @discardableResult
    func insert(_ digest: Data, agent: Agent, ifGeneration generation: UInt64, now: Date) -> Bool {
        guard isEnabled, agent.status == .active else { return false }
        let expires = now.addingTimeInterval(ttl.seconds)
        let capacity = self.capacity
        return state.withLock { state in
            guard state.generation == generation else { return false }
            if state.entries[digest] == nil {
                while state.entries.count >= capacity { Self.dropOldest(&state) }
            }
            let serial = state.nextSerial
            state.nextSerial += 1
            state.entries[digest] = Entry(agent: agent, expires: expires, serial: serial)
            state.order.append((digest, serial))
            Self.compactIfNeeded(&state, capacity: capacity)
            return true
        }
    }

    /// Evicts every entry of `agentId` (deactivated, or its key replaced).
    func forget(agentId: String) {
        state.withLock { state in
            state.generation += 1
            state.entries = state.entries.filter { $0.value.agent.id != agentId }
        }
    }

    /// Evicts the entries of these agents.
    func forget(agentIds: some Sequence<String>) {
        let ids = Set(agentIds)
        guard !ids.isEmpty else { return }
        state.withLock { state in
            state.generation += 1
            state.entries = state.entries.filter { !ids.contains($0.value.agent.id) }
        }
    }

    /// The agents with an entry (for the periodic revocation check).
    var agentIds: Set<String> {
        state.withLock { Set($0.entries.values.map(\.agent.id)) }
    }

    var count: Int { state.withLock { $0.entries.count } }

    private static func dropOldest(_ state: inout State) {
        while state.head < state.order.count {
            let (digest, serial) = state.order[state.head]
            state.head += 1
            if state.entries[digest]?.serial == serial {
                state.entries[digest] = nil
                return
            }
        }
        // The order lost track (cannot happen: every entry has its item); keep the bound anyway.
        if let any = state.entries.keys.first { state.entries[any] = nil }
    }

    /// Drops the skipped items of the order once they outnumber the live ones.
    private static func compactIfNeeded(_ state: inout State, capacity: Int) {
        guard state.order.count - state.head > 2 * max(capacity, 16) || state.head > max(capacity, 16) else { return }
        let live = state.order[state.head...].filter { state.entries[$0.digest]?.serial == $0.serial }
        state.order = Array(live)
        state.head = 0
    }
}
