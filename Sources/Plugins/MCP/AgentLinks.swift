import Foundation
import NIOConcurrencyHelpers
import Runtime
import SocketIOProtocol

/// An agent as MCP sees it: a Socket.IO client of this server in the process, connected with the
/// agent's own key, so that its joins, turns and votes go through the same handshake, handlers,
/// limits and presence as a bot's socket. It stays while the agent keeps calling tools (its
/// presence keeps its battles going) and goes after `idle_seconds` without a call.
final class AgentLink: Sendable {
    let agentId: String
    let client: LocalClient
    let activity: BattleActivity
    private let joined = NIOLockedValueBox<Set<String>>([])

    init(agentId: String, client: LocalClient, activity: BattleActivity) {
        self.agentId = agentId
        self.client = client
        self.activity = activity
    }

    /// `battle:join` once per battle (again after a refusal); later calls return nil.
    func joinIfNeeded(_ battleId: String, event: String) async throws -> JSONValue? {
        guard !joined.withLockedValue({ $0.contains(battleId) }) else { return nil }
        let ack = try await client.call(event, .object(["battleId": .string(battleId)]))
        if ack["ok"]?.boolValue == true { _ = joined.withLockedValue { $0.insert(battleId) } }
        return ack
    }
}

/// Per battle, a count of the events the link heard about it; a waiter resumes when the count
/// moves, when its deadline (on the runtime clock) passes, or when the link closes. Events wake
/// waiters; what they then decide they read from the battle's snapshot.
final class BattleActivity: Sendable {
    private struct Waiter {
        var battleId: String
        var continuation: CheckedContinuation<Void, Never>
        var timer: ScheduledTimer?
    }

    private struct State {
        var counts: [String: Int] = [:]
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
        var closed = false
    }

    private let state = NIOLockedValueBox(State())

    func count(of battleId: String) -> Int { state.withLockedValue { $0.counts[battleId] ?? 0 } }

    /// An event about `battleId` arrived.
    func record(_ battleId: String) {
        let woken = state.withLockedValue { state -> [Waiter] in
            state.counts[battleId, default: 0] += 1
            let ids = state.waiters.filter { $0.value.battleId == battleId }.map(\.key)
            return ids.compactMap { state.waiters.removeValue(forKey: $0) }
        }
        resume(woken)
    }

    func close() {
        let woken = state.withLockedValue { state -> [Waiter] in
            state.closed = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        resume(woken)
    }

    /// Returns once an event about `battleId` arrives after `seen` (a count from
    /// ``count(of:)``), or at `deadline`, or when the link closes.
    func wait(_ battleId: String, after seen: Int, until deadline: Date, clock: any RuntimeClock) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id = state.withLockedValue { state -> Int? in
                if state.closed || state.counts[battleId, default: 0] != seen { return nil }
                defer { state.nextWaiter += 1 }
                state.waiters[state.nextWaiter] = Waiter(battleId: battleId, continuation: continuation)
                return state.nextWaiter
            }
            guard let id else { return continuation.resume() }
            let timer = clock.schedule(at: deadline) { [weak self] in
                guard let waiter = self?.state.withLockedValue({ $0.waiters.removeValue(forKey: id) }) else { return }
                waiter.continuation.resume()
            }
            let stillWaiting = state.withLockedValue { state -> Bool in
                guard state.waiters[id] != nil else { return false }
                state.waiters[id]?.timer = timer
                return true
            }
            if !stillWaiting { timer.cancel() }
        }
    }

    private func resume(_ waiters: [Waiter]) {
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume()
        }
    }
}

/// The links of the agents using MCP on this instance, one per agent, each closed after
/// `idle_seconds` without a tool call (on the runtime clock).
actor AgentLinks {
    private struct Entry {
        var link: AgentLink
        var expiry: ScheduledTimer?
        /// Moves on every call, so that an expiry armed before the last call does nothing.
        var generation = 0
    }

    private let clients: LocalClients
    private let clock: any RuntimeClock
    private let idle: Duration
    private var entries: [String: Entry] = [:]
    private var opening: [String: Task<AgentLink, any Error>] = [:]

    init(clients: LocalClients, clock: any RuntimeClock, idle: Duration) {
        self.clients = clients
        self.clock = clock
        self.idle = idle
    }

    /// The agent's open link, or a new one connected with `key` from `address`.
    func link(agentId: String, key: String, address: String) async throws -> AgentLink {
        if let entry = entries[agentId], !entry.link.client.isClosed {
            touch(agentId)
            return entry.link
        }
        if let pending = opening[agentId] { return try await pending.value }
        let clients = self.clients
        let task = Task { () async throws -> AgentLink in
            let activity = BattleActivity()
            let client = try await clients.connect(
                auth: .object(["token": .string(key)]), remoteAddress: address,
                onEvent: { _, payload in
                    if let battleId = payload["battleId"]?.stringValue { activity.record(battleId) }
                },
                onClose: { activity.close() })
            return AgentLink(agentId: agentId, client: client, activity: activity)
        }
        opening[agentId] = task
        defer { opening[agentId] = nil }
        let link = try await task.value
        entries[agentId]?.expiry?.cancel()
        entries[agentId] = Entry(link: link)
        touch(agentId)
        return link
    }

    private func touch(_ agentId: String) {
        guard var entry = entries[agentId] else { return }
        entry.expiry?.cancel()
        entry.generation += 1
        let generation = entry.generation
        entry.expiry = clock.schedule(after: idle) { [weak self] in
            Task { await self?.expire(agentId, generation: generation) }
        }
        entries[agentId] = entry
    }

    private func expire(_ agentId: String, generation: Int) {
        guard let entry = entries[agentId], entry.generation == generation else { return }
        entries[agentId] = nil
        close(entry)
    }

    private func close(_ entry: Entry) {
        entry.expiry?.cancel()
        entry.link.client.disconnect()
        entry.link.activity.close()
    }
}
