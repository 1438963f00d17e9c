import Foundation
import NIOEmbedded
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Synchronization
import Testing

@testable import ConnectionPlugin

/// The verified-key cache: a reconnecting agent's key is not read from the database again, the
/// cache stays within its bounds (size and time, on the virtual clock), and deactivation evicts
/// it here and when another instance reports it.
@Suite struct KeyCacheTests {
    static let catalog = PluginCatalog([ConnectionPlugin.self])

    /// A store double: agents by key digest, counting reads.
    final class CountingAgents: Sendable {
        private let state = Mutex<(agents: [Data: Agent], reads: Int)>(([:], 0))

        /// A new active agent and its key.
        func add(_ name: String) -> (agent: Agent, key: String) {
            let key = ApiKey.generate()
            let agent = Agent(id: "agt_\(name)", name: name, status: .active, createdAt: ArenaTestHarness.startDate)
            state.withLock { $0.agents[ApiKey.digest(key)] = agent }
            return (agent, key)
        }

        func deactivate(_ id: String) {
            state.withLock { state in
                for (digest, agent) in state.agents where agent.id == id { state.agents[digest]?.status = .inactive }
            }
        }

        var reads: Int { state.withLock { $0.reads } }

        func lookup(_ digest: Data) -> Agent? {
            state.withLock { state in
                state.reads += 1
                return state.agents[digest]
            }
        }
    }

    static func verifier(capacity: Int = 100, ttl: Duration = .seconds(60)) -> (KeyVerifier, CountingAgents, NIOAsyncTestingEventLoop) {
        let loop = NIOAsyncTestingEventLoop()
        let agents = CountingAgents()
        let verifier = KeyVerifier(
            lookup: { agents.lookup($0) }, cache: VerifiedKeyCache(capacity: capacity, ttl: ttl),
            clock: EventLoopClock(eventLoop: loop, startDate: ArenaTestHarness.startDate))
        return (verifier, agents, loop)
    }

    @Test func aVerifiedKeyIsNotReadAgain() async throws {
        let (verifier, agents, _) = Self.verifier()
        let (agent, key) = agents.add("ada")
        #expect(try await verifier.agent(forKey: key) == agent)
        #expect(agents.reads == 1)
        for _ in 0..<5 { #expect(try await verifier.agent(forKey: key) == agent) }
        #expect(agents.reads == 1, "later connects come from the cache")
        #expect(try verifier.agentSynchronously(forKey: key) == agent)
        #expect(agents.reads == 1)
    }

    @Test func unknownAndInactiveKeysAreNotCached() async throws {
        let (verifier, agents, _) = Self.verifier()
        let unknown = ApiKey.generate()
        #expect(try await verifier.agent(forKey: unknown) == nil)
        #expect(try await verifier.agent(forKey: unknown) == nil)
        #expect(agents.reads == 2)
        let (agent, key) = agents.add("grace")
        agents.deactivate(agent.id)
        #expect(try await verifier.agent(forKey: key)?.status == .inactive)
        #expect(try await verifier.agent(forKey: key)?.status == .inactive)
        #expect(agents.reads == 4, "only active agents are cached")
        #expect(verifier.cache.count == 0)
    }

    @Test func anEntryExpiresOnTheRuntimeClock() async throws {
        let (verifier, agents, loop) = Self.verifier(ttl: .seconds(30))
        let (_, key) = agents.add("ada")
        _ = try await verifier.agent(forKey: key)
        await loop.advanceTime(by: .seconds(29))
        _ = try await verifier.agent(forKey: key)
        #expect(agents.reads == 1)
        await loop.advanceTime(by: .seconds(1))
        _ = try await verifier.agent(forKey: key)
        #expect(agents.reads == 2, "read again once the entry is 30 s old")
    }

    @Test func theSizeBoundHoldsAndTheOldestGoesFirst() async throws {
        let (verifier, agents, _) = Self.verifier(capacity: 3)
        let keys = (0..<5).map { agents.add("a\($0)").key }
        for key in keys { _ = try await verifier.agent(forKey: key) }
        #expect(verifier.cache.count == 3)
        #expect(agents.reads == 5)
        for key in keys[2...] { _ = try await verifier.agent(forKey: key) }
        #expect(agents.reads == 5, "the three newest are cached")
        _ = try await verifier.agent(forKey: keys[0])
        #expect(agents.reads == 6, "the oldest were dropped")
        #expect(verifier.cache.count == 3)
        // Many more keys than the bound, again and again: still bounded.
        let more = (0..<200).map { agents.add("b\($0)").key }
        for _ in 0..<3 { for key in more { _ = try await verifier.agent(forKey: key) } }
        #expect(verifier.cache.count == 3)
    }

    @Test func noCacheWhenTheSizeIsZero() async throws {
        let (verifier, agents, _) = Self.verifier(capacity: 0)
        let (_, key) = agents.add("ada")
        _ = try await verifier.agent(forKey: key)
        _ = try await verifier.agent(forKey: key)
        #expect(agents.reads == 2)
    }

    @Test func aLookupThatStartedBeforeAnEvictionIsNotCached() {
        let cache = VerifiedKeyCache(capacity: 10, ttl: .seconds(60))
        let agent = Agent(id: "agt_ada", name: "Ada", status: .active, createdAt: ArenaTestHarness.startDate)
        let digest = ApiKey.digest(ApiKey.generate())
        let before = cache.generation
        // The agent is deactivated while its (earlier) read is on the way.
        cache.forget(agentId: agent.id)
        #expect(!cache.insert(digest, agent: agent, ifGeneration: before, now: ArenaTestHarness.startDate))
        #expect(cache.agent(forDigest: digest, now: ArenaTestHarness.startDate) == nil)
        #expect(cache.insert(digest, agent: agent, ifGeneration: cache.generation, now: ArenaTestHarness.startDate))
    }

    // MARK: In the running server

    @Test func aCachedKeyIsRefusedRightAfterDeactivationThroughTheRoute() async throws {
        let (variable, operatorKey) = RegistrationAndRevocationTests.operatorKey()
        let conf = "[connection]\noperator_key_env = \"\(variable)\"\nrevocation_check_seconds = 0\n"
        let arena = try await ArenaTestHarness.start(pluginsConf: conf, catalog: Self.catalog)
        let store = AgentStore(database: arena.database, clock: arena.clock)
        let agent = try store.create(name: "Ada")
        _ = try await arena.connect(auth: ["token": .string(agent.apiKey)])
        _ = try await arena.connect(auth: ["token": .string(agent.apiKey)])
        try await arena.withHTTP { http in
            let done = try await http.execute(
                uri: "/api/v1/agents/\(agent.id)/deactivate", method: .post, headers: [.authorization: "Bearer \(operatorKey)"], body: nil)
            #expect(done.status == .ok)
        }
        await #expect(throws: TestConnectionError.rejected(code: "AGENT_INACTIVE", message: "agent \(agent.id) is inactive")) {
            _ = try await arena.connect(auth: ["token": .string(agent.apiKey)])
        }
    }

    @Test func aDeactivationReportedByAnotherInstanceEvictsTheKey() async throws {
        let cluster = RecordingCluster()
        let arena = try await ArenaTestHarness.start(
            pluginsConf: "[connection]\nrevocation_check_seconds = 0\n", catalog: Self.catalog, cluster: cluster)
        let store = AgentStore(database: arena.database, clock: arena.clock)
        let agent = try store.create(name: "Ada")
        let first = try await arena.connect(auth: ["token": .string(agent.apiKey)])
        // Another instance deactivates it: the shared database says so at once...
        _ = try store.deactivate(id: agent.id)
        // ... but this instance trusts the key it verified (that is the cache at work).
        let second = try await arena.connect(auth: ["token": .string(agent.apiKey)])
        #expect(try await second.expect("connected")["role"] == "agent")
        // Then that instance's request arrives.
        let handler = try #require(cluster.handler(for: "agent.deactivated"))
        _ = await handler(Array(agent.id.utf8))
        await #expect(throws: TestConnectionError.rejected(code: "AGENT_INACTIVE", message: "agent \(agent.id) is inactive")) {
            _ = try await arena.connect(auth: ["token": .string(agent.apiKey)])
        }
        #expect(try await first.expect("agent:deactivated")["agentId"] == .string(agent.id))
    }

    @Test func theRevocationCheckEvictsTheKeysOfAgentsThatAreNotConnected() async throws {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\nrevocation_check_seconds = 5\n", catalog: Self.catalog)
        let store = AgentStore(database: arena.database, clock: arena.clock)
        let agent = try store.create(name: "Ada")
        let client = try await arena.connect(auth: ["token": .string(agent.apiKey)])
        client.disconnect()
        // As `moltarena agents deactivate` does: the database only.
        _ = try store.deactivate(id: agent.id)
        await arena.advanceClock(by: .seconds(5))
        await arena.runtime.services.jobs.idle()
        await #expect(throws: TestConnectionError.rejected(code: "AGENT_INACTIVE", message: "agent \(agent.id) is inactive")) {
            _ = try await arena.connect(auth: ["token": .string(agent.apiKey)])
        }
    }
}

/// A cluster of which this instance is one member: records the request handlers installed, so a
/// test can deliver what another instance would send.
final class RecordingCluster: Cluster {
    let instanceId = "here"
    var isDistributed: Bool { true }
    private let handlers = Mutex<[String: @Sendable ([UInt8]) async -> [UInt8]]>([:])

    func handler(for topic: String) -> (@Sendable ([UInt8]) async -> [UInt8])? { handlers.withLock { $0[topic] } }

    func lease(_ key: String, ttl: Duration) async throws -> String { instanceId }
    func holders(_ keys: [String]) async throws -> [String?] { keys.map { _ in nil } }
    func releaseLease(_ key: String) async {}
    func request(_ instance: String, topic: String, _ body: [UInt8], timeout: Duration) async throws -> [UInt8] {
        throw ClusterError.unreachable("instance \(instance)")
    }
    func handle(topic: String, _ handler: @escaping @Sendable ([UInt8]) async -> [UInt8]) {
        handlers.withLock { $0[topic] = handler }
    }
    func liveInstances(_ ids: Set<String>) async -> Set<String> { ids }
    func instances() async throws -> Set<String> { [instanceId] }
}
