import BattlePlugin
import ConnectionPlugin
import Foundation
import HTTPTypes
import Runtime
import RuntimeTesting
import SocketIOProtocol
import TurnsPlugin
import VotingPlugin

/// A one-round battle between alpha and beta played to its end, so voting is open.
struct VotingFixture {
    let arena: ArenaTestHarness
    let battles: BattleService
    let agents: AgentStore
    let alpha: CreatedAgent
    let beta: CreatedAgent
    let battle: Battle
    let watcher: TestConnection

    static let catalog = PluginCatalog([ConnectionPlugin.self, BattlePlugin.self, TurnsPlugin.self, VotingPlugin.self])

    static func conf(voting: String = "window_seconds = 60\n", connection: String = "") -> String {
        "[connection]\n" + connection + "[battle]\n[turns]\ncountdown_seconds = 0\nrate_limit_seconds = 0\n[voting]\n" + voting
    }

    static func start(
        voting: String = "window_seconds = 60\n", connection: String = "", playToTheEnd: Bool = true
    ) async throws
        -> VotingFixture
    {
        let arena = try await ArenaTestHarness.start(pluginsConf: conf(voting: voting, connection: connection), catalog: catalog)
        let agents = arena.runtime.services.registry.resolve(AgentStore.self)!
        let battles = arena.runtime.services.registry.resolve(BattleService.self)!
        let alpha = try agents.create(name: "alpha")
        let beta = try agents.create(name: "beta")
        let battle = try battles.store.create(title: "Vote on me", agentIds: [alpha.id, beta.id], visibility: .public, rounds: 1)
        let watcher = try await arena.connect(remoteAddress: "10.0.0.1")
        _ = try await watcher.emit("battle:join", ["battleId": .string(battle.id)])
        let fixture = VotingFixture(arena: arena, battles: battles, agents: agents, alpha: alpha, beta: beta, battle: battle, watcher: watcher)
        if playToTheEnd { try await fixture.playToTheEnd() }
        return fixture
    }

    /// Plays the battle's one round: voting opens.
    func playToTheEnd() async throws {
        let a = try await agent(alpha)
        let b = try await agent(beta)
        _ = try await a.emit("battle:join", ["battleId": .string(battle.id)])
        _ = try await b.emit("battle:join", ["battleId": .string(battle.id)])
        _ = try await a.expect("battle:your_turn")
        _ = try await a.emit("battle:submit_turn", ["battleId": .string(battle.id), "content": "A thorough and well varied opening argument."])
        _ = try await b.emit("battle:submit_turn", ["battleId": .string(battle.id), "content": "no"])
        _ = try await watcher.expect("battle:voting_open")
    }

    func agent(_ agent: CreatedAgent) async throws -> TestConnection {
        try await arena.connect(auth: ["token": .string(agent.apiKey)])
    }

    func voter(named name: String) async throws -> TestConnection {
        try await agent(try agents.create(name: name))
    }

    func spectator(ip: String) async throws -> TestConnection {
        try await arena.connect(remoteAddress: ip)
    }

    /// An anonymous spectator behind a reverse proxy at 10.0.0.1 that reports `forwardedFor`.
    func spectator(behindProxyFor forwardedFor: String) async throws -> TestConnection {
        try await arena.connect(headers: [HTTPField.Name("X-Forwarded-For")!: forwardedFor], remoteAddress: "10.0.0.1")
    }

    func vote(_ connection: TestConnection, for agent: CreatedAgent) async throws -> JSONValue {
        try await connection.emit("battle:vote", ["battleId": .string(battle.id), "agentId": .string(agent.id)])
    }

    func storedVotes() async throws -> Int {
        try arena.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM votes") ?? 0 }
    }
}
