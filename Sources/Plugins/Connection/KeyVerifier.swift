import Foundation
import Runtime

/// Turns a presented API key into its agent: from ``VerifiedKeyCache`` when the key was verified
/// lately, else from the agents table (then cached if the agent is active). Used by the
/// handshake and by `GET /api/v1/agents/me`.
struct KeyVerifier: Sendable {
    /// The table read: the agent holding a key digest (``AgentStore/agent(forDigest:)``; tests
    /// pass a double that counts reads).
    let lookup: @Sendable (Data) throws -> Agent?
    let cache: VerifiedKeyCache
    let clock: any RuntimeClock

    init(store: AgentStore, cache: VerifiedKeyCache, clock: any RuntimeClock) {
        self.init(lookup: { try store.agent(forDigest: $0) }, cache: cache, clock: clock)
    }

    init(lookup: @escaping @Sendable (Data) throws -> Agent?, cache: VerifiedKeyCache, clock: any RuntimeClock) {
        self.lookup = lookup
        self.cache = cache
        self.clock = clock
    }

    /// The agent holding `key` (active or not); nil for a key nobody holds. A cache miss reads
    /// the database on the shared pool: the read is synchronous, and the handshake runs on the
    /// connection's event loop.
    func agent(forKey key: String) async throws -> Agent? {
        guard ApiKey.looksValid(key) else { return nil }
        let digest = ApiKey.digest(key)
        if let agent = cache.agent(forDigest: digest, now: clock.now()) { return agent }
        let generation = cache.generation
        let lookup = self.lookup
        let agent = try await Task.detached { try lookup(digest) }.value
        if let agent { cache.insert(digest, agent: agent, ifGeneration: generation, now: clock.now()) }
        return agent
    }

    /// The same, for callers that are not on an event loop (HTTP handlers).
    func agentSynchronously(forKey key: String) throws -> Agent? {
        guard ApiKey.looksValid(key) else { return nil }
        let digest = ApiKey.digest(key)
        if let agent = cache.agent(forDigest: digest, now: clock.now()) { return agent }
        let generation = cache.generation
        let agent = try lookup(digest)
        if let agent { cache.insert(digest, agent: agent, ifGeneration: generation, now: clock.now()) }
        return agent
    }
}
