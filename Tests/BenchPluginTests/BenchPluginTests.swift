import BenchPlugin
import ConnectionPlugin
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

@Suite struct BenchPluginTests {
    static let catalog = PluginCatalog([ConnectionPlugin.self, BenchPlugin.self])

    static func start() async throws -> ArenaTestHarness {
        try await ArenaTestHarness.start(pluginsConf: "[connection]\n[bench]", catalog: catalog)
    }

    @Test func joinAcksWithTheBattleId() async throws {
        let arena = try await Self.start()
        let client = try await arena.connect()
        let ack = try await client.emit("battle:join", ["battleId": "b1"])
        #expect(ack == ["ok": true, "battleId": "b1"])
    }

    @Test func turnReachesTheRoomOnlyUnchanged() async throws {
        let arena = try await Self.start()
        let sender = try await arena.connect()
        let first = try await arena.connect()
        let second = try await arena.connect()
        let elsewhere = try await arena.connect()
        _ = try await first.emit("battle:join", ["battleId": "b1"])
        _ = try await second.emit("battle:join", ["battleId": "b1"])
        _ = try await elsewhere.emit("battle:join", ["battleId": "b2"])

        let turn: JSONValue = ["battleId": "b1", "seq": 7, "ts": 123_456_789, "pad": "xyz", "nested": ["a": [1, 2]]]
        let ack = try await sender.emit("battle:turn", turn)
        #expect(ack["ok"] == true)
        #expect(try await first.expect("battle:turn") == turn)
        #expect(try await second.expect("battle:turn") == turn)

        // A sentinel turn to b2: had the b1 turn reached `elsewhere`, it would be buffered first.
        _ = try await sender.emit("battle:turn", ["battleId": "b2", "seq": 8])
        #expect(try await elsewhere.expect("battle:turn")["seq"] == 8)
        #expect(!elsewhere.bufferedEventNames.contains("battle:turn"))
        #expect(!sender.bufferedEventNames.contains("battle:turn"))
    }

    @Test(arguments: [JSONValue.object([:]), ["battleId": 5], ["battleId": ""], "text"])
    func turnWithoutABattleIdIsInvalid(payload: JSONValue) async throws {
        let arena = try await Self.start()
        let sender = try await arena.connect()
        #expect(try await sender.emit("battle:turn", payload)["error"]?["code"] == "INVALID_PAYLOAD")
    }

    @Test func cannotRunWithTheBattlePluginsJoin() async throws {
        struct OtherJoin: Plugin {
            static let name = "battle"
            struct Join: ClientEvent {
                typealias Reply = Joined
                static let name = "battle:join"
            }
            struct Joined: ServerEvent { static let name = "battle:connected" }
            init(options: NoOptions, mode: PluginMode) {}
            func register(with registrar: inout Registrar) {
                registrar.on(Join.self) { _, _ in Joined() }
            }
        }
        await #expect(throws: (any Error).self) {
            _ = try await ArenaTestHarness.start(
                pluginsConf: "[battle]\n[bench]", catalog: PluginCatalog([OtherJoin.self, BenchPlugin.self])
            )
        }
    }
}
