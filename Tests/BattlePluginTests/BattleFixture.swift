import BattlePlugin
import ConnectionPlugin
import Foundation
import Runtime
import RuntimeTesting
import SocketIOProtocol

/// A test plugin that writes to the battle log on request, standing in for the Turns plugin.
struct LogWriterPlugin: Plugin {
    static let name = "logwriter"
    static let requires = ["battle"]

    struct Write: ClientEvent {
        typealias Reply = Written
        static let name = "test:log"
        var battleId: String
        var n: Int
    }

    struct Written: ServerEvent {
        static let name = "test:written"
        var seq: Int
    }

    struct Logged: LoggedEvent {
        static let name = "test:logged"
        var battleId: String
        var n: Int
    }

    init(options: NoOptions, mode: PluginMode) {}

    func register(with registrar: inout Registrar) throws {
        let battles = try registrar.resolve(BattleService.self)
        registrar.on(Write.self) { write, _ in
            Written(seq: try await battles.owners.run(write.battleId) { owner in try owner.log(Logged(battleId: write.battleId, n: write.n)) })
        }
    }
}

/// A test plugin that fills the snapshot's `turns` section, standing in for the Turns plugin.
struct TurnsSectionPlugin: Plugin {
    static let name = "sections"
    static let requires = ["battle"]

    init(options: NoOptions, mode: PluginMode) {}

    func register(with registrar: inout Registrar) {
        registrar.contribute(
            TurnsSnapshotSection { battle, _ in
                [
                    SnapshotTurn(
                        turnId: "t1", round: 1, agentId: battle.participants[0].id, content: "hi", createdAt: Date(timeIntervalSince1970: 0),
                        audioUrl: nil)
                ]
            },
            to: BattlePlugin.snapshotTurns
        )
    }
}

/// A test plugin whose battles each have 120 turns (`t0` to `t119`, the participants taking
/// turns), read a page at a time as the Turns plugin reads them.
struct ManyTurnsPlugin: Plugin {
    static let name = "manyturns"
    static let requires = ["battle"]
    static let count = 120

    init(options: NoOptions, mode: PluginMode) {}

    static func turn(_ index: Int, of battle: Battle) -> SnapshotTurn {
        SnapshotTurn(
            turnId: "t\(index)", round: index / 2 + 1, agentId: battle.participants[index % 2].id, content: "turn \(index)",
            createdAt: Date(timeIntervalSince1970: Double(index)), audioUrl: nil)
    }

    func register(with registrar: inout Registrar) {
        registrar.contribute(
            TurnsSnapshotSection(
                count: { _, _ in Self.count },
                page: { battle, from, limit, _ in (from..<min(from + limit, Self.count)).map { Self.turn($0, of: battle) } }
            ),
            to: BattlePlugin.snapshotTurns
        )
    }
}

/// A second contributor to the same one-only point.
struct RivalSectionPlugin: Plugin {
    static let name = "rival"
    static let requires = ["battle"]

    init(options: NoOptions, mode: PluginMode) {}

    func register(with registrar: inout Registrar) {
        registrar.contribute(TurnsSnapshotSection { _, _ in [] }, to: BattlePlugin.snapshotTurns)
    }
}

/// A harness with the connection and battle plugins, two agents in a public and a private
/// battle, and an outsider agent.
struct BattleFixture {
    let arena: ArenaTestHarness
    let agents: AgentStore
    let battles: BattleService
    let alpha: CreatedAgent
    let beta: CreatedAgent
    let outsider: CreatedAgent
    let publicBattle: Battle
    let privateBattle: Battle

    static let catalog = PluginCatalog([
        ConnectionPlugin.self, BattlePlugin.self, LogWriterPlugin.self, TurnsSectionPlugin.self, RivalSectionPlugin.self,
        ManyTurnsPlugin.self,
    ])

    static func start(_ conf: String = "[connection]\n[battle]\n[logwriter]\n") async throws -> BattleFixture {
        let arena = try await ArenaTestHarness.start(pluginsConf: conf, catalog: catalog)
        let agents = try requireValue(arena.runtime.services.registry.resolve(AgentStore.self))
        let battles = try requireValue(arena.runtime.services.registry.resolve(BattleService.self))
        let alpha = try agents.create(name: "alpha")
        let beta = try agents.create(name: "beta")
        let outsider = try agents.create(name: "outsider")
        let publicBattle = try battles.store.create(title: "Open", agentIds: [alpha.id, beta.id], visibility: .public, rounds: 2)
        let privateBattle = try battles.store.create(title: "Closed", agentIds: [alpha.id, beta.id], visibility: .private, rounds: 2)
        return BattleFixture(
            arena: arena, agents: agents, battles: battles, alpha: alpha, beta: beta, outsider: outsider, publicBattle: publicBattle,
            privateBattle: privateBattle)
    }

    func connect(_ agent: CreatedAgent?) async throws -> TestConnection {
        let connection = try await arena.connect(auth: agent.map { ["token": .string($0.apiKey)] })
        _ = try await connection.expect("connected")
        return connection
    }

    func join(_ connection: TestConnection, _ battle: Battle, role: String? = nil, sinceSeq: Int? = nil) async throws -> JSONValue {
        var payload: [JSONMember] = [JSONMember("battleId", .string(battle.id))]
        if let role { payload.append(JSONMember("role", .string(role))) }
        if let sinceSeq { payload.append(JSONMember("sinceSeq", .int(Int64(sinceSeq)))) }
        return try await connection.emit("battle:join", .object(payload))
    }
}

struct MissingValue: Error {}

extension Optional {
    /// Like `#require` for setup code outside a test body.
    static func requireValue(_ value: Wrapped?) throws -> Wrapped {
        guard let value else { throw MissingValue() }
        return value
    }
}

func requireValue<T>(_ value: T?) throws -> T {
    guard let value else { throw MissingValue() }
    return value
}
