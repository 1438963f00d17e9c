import BattlePlugin
import ConnectionPlugin
import Foundation
import Runtime
import RuntimeTesting
import SocketIOProtocol
import TurnsPlugin

/// A harness with connection, battle and turns, two agents in a public battle, both connected.
struct TurnsFixture {
    let arena: ArenaTestHarness
    let battles: BattleService
    let alphaAgent: CreatedAgent
    let betaAgent: CreatedAgent
    let battle: Battle
    let alpha: TestConnection
    let beta: TestConnection

    static let catalog = PluginCatalog([ConnectionPlugin.self, BattlePlugin.self, TurnsPlugin.self])

    static func conf(_ turns: String, battle: String = "") -> String {
        "[connection]\n[battle]\n" + battle + "[turns]\n" + turns
    }

    static let defaultTurns = "countdown_seconds = 5\nturn_seconds = 60\nrate_limit_seconds = 0\n"

    /// Starts the arena and connects both agents; with `join`, both join the battle.
    static func start(
        turns: String = defaultTurns, battle: String = "", rounds: Int = 2, join: Bool = true, database: (any SQLDatabase)? = nil
    ) async throws -> TurnsFixture {
        let arena = try await ArenaTestHarness.start(pluginsConf: conf(turns, battle: battle), catalog: catalog, database: database)
        let agents = arena.runtime.services.registry.resolve(AgentStore.self)!
        let battles = arena.runtime.services.registry.resolve(BattleService.self)!
        let alphaAgent = try agents.create(name: "alpha")
        let betaAgent = try agents.create(name: "beta")
        let battle = try battles.store.create(title: "Debate", agentIds: [alphaAgent.id, betaAgent.id], visibility: .public, rounds: rounds)
        let alpha = try await arena.connect(auth: ["token": .string(alphaAgent.apiKey)])
        let beta = try await arena.connect(auth: ["token": .string(betaAgent.apiKey)])
        let fixture = TurnsFixture(
            arena: arena, battles: battles, alphaAgent: alphaAgent, betaAgent: betaAgent, battle: battle, alpha: alpha, beta: beta)
        if join {
            _ = try await fixture.join(alpha)
            _ = try await fixture.join(beta)
        }
        return fixture
    }

    func join(_ connection: TestConnection, sinceSeq: Int? = nil) async throws -> JSONValue {
        var payload: [JSONMember] = [JSONMember("battleId", .string(battle.id))]
        if let sinceSeq { payload.append(JSONMember("sinceSeq", .int(Int64(sinceSeq)))) }
        return try await connection.emit("battle:join", .object(payload))
    }

    func submit(_ connection: TestConnection, _ content: String, clientTurnId: String? = nil) async throws -> JSONValue {
        var payload: [JSONMember] = [JSONMember("battleId", .string(battle.id)), JSONMember("content", .string(content))]
        if let clientTurnId { payload.append(JSONMember("clientTurnId", .string(clientTurnId))) }
        return try await connection.emit("battle:submit_turn", .object(payload))
    }

    /// Lets the countdown pass and waits until the battle is under way.
    func startBattle() async throws {
        _ = try await alpha.expect("battle:starting")
        await arena.advanceClock(by: .seconds(5))
        _ = try await alpha.expect("battle:your_turn")
    }

    func status() throws -> BattleStatus? {
        try battles.battle(battle.id)?.status
    }
}
