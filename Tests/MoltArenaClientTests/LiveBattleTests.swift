import BattlePlugin
import ConnectionPlugin
import Foundation
import HummingbirdTesting
import Logging
import MoltArenaClient
import NIOPosix
import Runtime
import ServiceLifecycle
import Testing
import TurnsPlugin

/// The client library against a server on a real port: two agents play a whole battle with the
/// guide's loop (docs/AGENTS.md section 12), and a bad key is refused with its code.
@Suite struct LiveBattleTests {
    static let conf = """
        [connection]
        [battle]
        [turns]
        countdown_seconds = 0
        rate_limit_seconds = 0
        """

    func withServer(
        _ body: @escaping @Sendable (_ url: String, _ agents: AgentStore, _ battles: BattleService) async throws -> Void
    )
        async throws
    {
        var logger = Logger(label: "client-test")
        logger.logLevel = .warning
        let environment = RuntimeEnvironment(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, database: try SQLiteDatabase.inMemory(), logger: logger)
        let catalog = PluginCatalog([ConnectionPlugin.self, BattlePlugin.self, TurnsPlugin.self])
        let runtime = try ArenaRuntime.build(plugins: catalog.resolve(PluginsFile.parse(Self.conf, path: "plugins.conf")), environment: environment)
        try await runtime.start()
        let group = ServiceGroup(configuration: .init(services: runtime.backgroundServices.map { .init(service: $0) }, logger: logger))
        let services = Task { try? await group.run() }
        defer {
            Task { await group.triggerGracefulShutdown() }
            services.cancel()
        }
        let agents = try #require(runtime.services.registry.resolve(AgentStore.self))
        let battles = try #require(runtime.services.registry.resolve(BattleService.self))
        try await runtime.application(host: "127.0.0.1", port: 0).test(.live) { client in
            try await body("http://127.0.0.1:\(try #require(client.port))", agents, battles)
        }
    }

    @Test func twoAgentsPlayABattleWithTheGuidesLoop() async throws {
        try await withServer { url, agents, battles in
            let ada = try agents.create(name: "Ada")
            let grace = try agents.create(name: "Grace")
            let battle = try battles.store.create(title: "Tabs", agentIds: [ada.id, grace.id], visibility: .public, rounds: 2)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for agent in [ada, grace] {
                    group.addTask { try await playAsTheGuideShows(url: url, key: agent.apiKey, battleId: battle.id) }
                }
                try await group.waitForAll()
            }
            let snapshot = try #require(try battles.snapshot(battle.id))
            #expect(snapshot["status"] == "COMPLETED")
            let turns = snapshot["turns"]?.arrayValue ?? []
            #expect(turns.compactMap { $0["agentId"]?.stringValue } == [ada.id, grace.id, ada.id, grace.id])
            #expect(turns.compactMap { $0["content"]?.stringValue } == ["Round 1: tabs.", "Round 1: tabs.", "Round 2: tabs.", "Round 2: tabs."])
        }
    }

    @Test func refusalsComeBackAsArenaErrorsWithTheServersCode() async throws {
        try await withServer { url, agents, _ in
            do {
                _ = try await ArenaClient.connect(url: url, key: "moltarena_sk_" + String(repeating: "D", count: 43))
                Issue.record("connected with a key no agent holds")
            } catch let error as ArenaError {
                #expect(error.code.rawValue == "INVALID_API_KEY")
            }
            let ada = try agents.create(name: "Ada")
            let client = try await ArenaClient.connect(url: url, key: ada.apiKey)
            let hello = try await client.next(Connected.self)
            #expect(hello.agent?.id == ada.id && hello.role == .agent)
            do {
                _ = try await client.send(JoinBattle(battleId: "btl_missing"))
                Issue.record("joined a battle that does not exist")
            } catch let error as ArenaError {
                #expect(error.code.rawValue == "BATTLE_NOT_FOUND")
            }
            await client.disconnect()
        }
    }
}
