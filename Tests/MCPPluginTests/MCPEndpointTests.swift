import BattlePlugin
import ConnectionPlugin
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import MCPPlugin
import NIOConcurrencyHelpers
import NIOCore
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing
import TurnsPlugin
import VotingPlugin

/// `/mcp` in-process: JSON-RPC requests as an MCP client sends them, a battle between an agent
/// playing over MCP and one playing over Socket.IO, with time moved by the harness's clock.
@Suite struct MCPEndpointTests {
    static let catalog = PluginCatalog([ConnectionPlugin.self, BattlePlugin.self, TurnsPlugin.self, VotingPlugin.self, MCPPlugin.self])
    static let conf = """
        [connection]
        [battle]
        [turns]
        countdown_seconds = 1
        turn_seconds = 30
        rate_limit_seconds = 0
        [voting]
        window_seconds = 10
        [mcp]
        idle_seconds = 120
        """

    struct Fixture {
        let arena: ArenaTestHarness
        let alpha: CreatedAgent
        let beta: CreatedAgent
        let battle: Battle

        static func start() async throws -> Fixture {
            let arena = try await ArenaTestHarness.start(pluginsConf: conf, catalog: catalog)
            let agents = try #require(arena.runtime.services.registry.resolve(AgentStore.self))
            let battles = try #require(arena.runtime.services.registry.resolve(BattleService.self))
            let alpha = try agents.create(name: "alpha")
            let beta = try agents.create(name: "beta")
            let battle = try battles.store.create(title: "Tabs or spaces", agentIds: [alpha.id, beta.id], visibility: .public, rounds: 1)
            return Fixture(arena: arena, alpha: alpha, beta: beta, battle: battle)
        }
    }

    /// One JSON-RPC request to /mcp as `key`; returns the HTTP status and the decoded body.
    static func rpc(
        _ http: any TestClientProtocol, key: String?, _ method: String, _ params: JSONValue = [:], id: Int = 1
    ) async throws -> (status: HTTPResponse.Status, body: JSONValue) {
        var headers: HTTPFields = [.contentType: "application/json", .accept: "application/json, text/event-stream"]
        if let key { headers[.authorization] = "Bearer \(key)" }
        let request: JSONValue = ["jsonrpc": "2.0", "id": .int(Int64(id)), "method": .string(method), "params": params]
        var bytes: [UInt8] = []
        JSONWriter.write(request, into: &bytes)
        let response = try await http.execute(uri: "/mcp", method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
        let body = response.body.readableBytes == 0 ? JSONValue.null : try JSONParser.parse(Array(response.body.readableBytesView))
        return (response.status, body)
    }

    static func tool(_ http: any TestClientProtocol, key: String, _ name: String, _ arguments: JSONValue) async throws -> JSONValue {
        let (status, body) = try await rpc(http, key: key, "tools/call", ["name": .string(name), "arguments": arguments])
        #expect(status == .ok)
        return body["result"] ?? body
    }

    @Test func initializesAndListsTheToolsForAKeyOnly() async throws {
        let f = try await Fixture.start()
        try await f.arena.withHTTP { http in
            let initialize: JSONValue = [
                "protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "test", "version": "1"],
            ]
            let (status, body) = try await Self.rpc(http, key: f.alpha.apiKey, "initialize", initialize)
            #expect(status == .ok)
            #expect(body["result"]?["serverInfo"]?["name"] == "moltarena")
            #expect(body["result"]?["capabilities"]?["tools"] != nil)

            let listed = try await Self.rpc(http, key: f.alpha.apiKey, "tools/list", id: 2)
            let names = listed.body["result"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(names == ["list_battles", "get_battle", "join_battle", "wait_for_turn", "submit_turn", "vote"])

            let noKey = try await Self.rpc(http, key: nil, "tools/list")
            #expect(noKey.status == .unauthorized)
            #expect(noKey.body["error"]?["code"] == "INVALID_API_KEY")
            let badKey = try await Self.rpc(http, key: "ma_live_not_a_key", "tools/list")
            #expect(badKey.status == .unauthorized)

            let get = try await http.execute(uri: "/mcp", method: .get, headers: [.authorization: "Bearer \(f.alpha.apiKey)"], body: nil)
            #expect(get.status == .methodNotAllowed)
        }
    }

    @Test func badArgumentsAreInvalidParamsNamingTheArgument() async throws {
        let f = try await Fixture.start()
        try await f.arena.withHTTP { http in
            let missing = try await Self.rpc(
                http, key: f.alpha.apiKey, "tools/call", ["name": "submit_turn", "arguments": ["battleId": .string(f.battle.id)]])
            #expect(missing.body["error"]?["code"] == -32602)
            #expect(missing.body["error"]?["message"]?.stringValue?.contains("'content'") == true)
            let wrongType = try await Self.rpc(http, key: f.alpha.apiKey, "tools/call", ["name": "get_battle", "arguments": ["battleId": 7]])
            #expect(wrongType.body["error"]?["code"] == -32602)
            let unknownArgument = try await Self.rpc(
                http, key: f.alpha.apiKey, "tools/call", ["name": "get_battle", "arguments": ["battleId": .string(f.battle.id), "x": 1]])
            #expect(unknownArgument.body["error"]?["message"]?.stringValue?.contains("unknown argument 'x'") == true)
            let unknownTool = try await Self.rpc(http, key: f.alpha.apiKey, "tools/call", ["name": "fly", "arguments": [:]])
            #expect(unknownTool.body["error"]?["code"] == -32602)
            // The arena's refusals are tool results with isError and the arena's code.
            let notFound = try await Self.tool(http, key: f.alpha.apiKey, "get_battle", ["battleId": "btl_missing"])
            #expect(notFound["isError"] == true)
            #expect(notFound["structuredContent"]?["error"]?["code"] == "BATTLE_NOT_FOUND")
        }
    }

    @Test func anMCPAgentPlaysABattleAgainstASocketAgent() async throws {
        let f = try await Fixture.start()
        let bId = JSONValue.string(f.battle.id)
        let beta = try await f.arena.connect(auth: ["token": .string(f.beta.apiKey)])
        let watcher = try await f.arena.connect()
        _ = try await watcher.emit("battle:join", ["battleId": bId])
        try await f.arena.withHTTP { http in
            let mine = try await Self.tool(http, key: f.alpha.apiKey, "list_battles", ["mine": true])
            #expect(mine["structuredContent"]?["battles"]?.arrayValue?.first?["id"] == bId)

            let joined = try await Self.tool(http, key: f.alpha.apiKey, "join_battle", ["battleId": bId])
            #expect(joined["structuredContent"]?["ok"] == true)
            _ = try await beta.emit("battle:join", ["battleId": bId])
            _ = try await watcher.expect("battle:starting")
            await f.arena.advanceClock(by: .seconds(1))
            _ = try await watcher.expect("battle:turn_open")

            let turn = try await Self.tool(http, key: f.alpha.apiKey, "wait_for_turn", ["battleId": bId])
            #expect(turn["structuredContent"]?["yourTurn"] == true)
            #expect(turn["structuredContent"]?["round"] == 1)
            #expect(turn["structuredContent"]?["transcript"] == [])
            let accepted = try await Self.tool(
                http, key: f.alpha.apiKey, "submit_turn", ["battleId": bId, "content": "Tabs: one key, one level.", "clientTurnId": "r1"])
            #expect(accepted["structuredContent"]?["ok"] == true)
            let again = try await Self.tool(
                http, key: f.alpha.apiKey, "submit_turn", ["battleId": bId, "content": "Tabs: one key, one level.", "clientTurnId": "r1"])
            #expect(again["structuredContent"]?["turnId"] == accepted["structuredContent"]?["turnId"], "the same clientTurnId plays once")
            let early = try await Self.tool(http, key: f.alpha.apiKey, "submit_turn", ["battleId": bId, "content": "Me again."])
            #expect(early["structuredContent"]?["error"]?["code"] == "NOT_YOUR_TURN")

            // Beta's turn: the MCP agent's wait ends when beta plays (its turns are then over).
            _ = try await beta.expect("battle:your_turn")
            async let waited = Self.tool(http, key: f.alpha.apiKey, "wait_for_turn", ["battleId": bId, "timeoutSeconds": 20])
            _ = try await beta.emit("battle:submit_turn", ["battleId": bId, "content": "Spaces look the same everywhere."])
            let over = try await waited
            #expect(over["structuredContent"]?["turnsOver"] == true)
            #expect(over["structuredContent"]?["timedOut"] == false)
            let transcript = over["structuredContent"]?["transcript"]?.arrayValue ?? []
            #expect(transcript.compactMap { $0["name"]?.stringValue } == ["alpha", "beta"])

            // A participant cannot vote in its own battle; an outsider over MCP can.
            let own = try await Self.tool(http, key: f.alpha.apiKey, "vote", ["battleId": bId, "agentId": .string(f.beta.id)])
            #expect(own["structuredContent"]?["error"]?["code"] == "CANNOT_VOTE_OWN_BATTLE")
            let agents = try #require(f.arena.runtime.services.registry.resolve(AgentStore.self))
            let outsider = try agents.create(name: "outsider")
            let vote = try await Self.tool(http, key: outsider.apiKey, "vote", ["battleId": bId, "agentId": .string(f.alpha.id)])
            #expect(vote["structuredContent"]?["ok"] == true)
            let snapshot = try await Self.tool(http, key: outsider.apiKey, "get_battle", ["battleId": bId])
            #expect(snapshot["structuredContent"]?["votes"]?[f.alpha.id] == 1)
        }
    }

    @Test func waitingForATurnEndsAtItsTimeoutOnTheRuntimeClock() async throws {
        let f = try await Fixture.start()
        let bId = JSONValue.string(f.battle.id)
        let battles = try #require(f.arena.runtime.services.registry.resolve(BattleService.self))
        try await f.arena.withHTTP { http in
            let answer = NIOLockedValueBox<JSONValue?>(nil)
            let waiting = Task {
                let result = try await Self.tool(http, key: f.alpha.apiKey, "wait_for_turn", ["battleId": bId, "timeoutSeconds": 5])
                answer.withLockedValue { $0 = result }
            }
            // The wait joined the battle (which waits for beta), and nothing else happens: only
            // the clock ends it, once 5 seconds have passed on it.
            try await waitUntil { (try? await battles.presentAgents(f.battle.id)) == [f.alpha.id] }
            await f.arena.advanceClock(by: .seconds(4))
            #expect(answer.withLockedValue { $0 } == nil, "the wait ended before its timeout")
            for _ in 0..<100 where answer.withLockedValue({ $0 }) == nil {
                await f.arena.advanceClock(by: .seconds(1))
                await Task.yield()
            }
            try await waiting.value
            let result = try #require(answer.withLockedValue { $0 })
            #expect(result["structuredContent"]?["timedOut"] == true)
            #expect(result["structuredContent"]?["yourTurn"] == false)
            #expect(result["structuredContent"]?["status"] == "LOBBY")
        }
    }
}

@Suite struct MCPPresenceTests {
    /// The agent counts as present while it calls tools; after `idle_seconds` without a call its
    /// link closes and it leaves, as a bot that disconnected does.
    @Test func anIdleAgentLeavesAfterIdleSecondsAndADeactivatedOneAtOnce() async throws {
        let f = try await MCPEndpointTests.Fixture.start()
        let bId = JSONValue.string(f.battle.id)
        let battles = try #require(f.arena.runtime.services.registry.resolve(BattleService.self))
        let agents = try #require(f.arena.runtime.services.registry.resolve(AgentStore.self))
        try await f.arena.withHTTP { http in
            let joined = try await MCPEndpointTests.tool(http, key: f.alpha.apiKey, "join_battle", ["battleId": bId])
            #expect(joined["structuredContent"]?["ok"] == true)
            try await waitUntil { (try? await battles.presentAgents(f.battle.id)) == [f.alpha.id] }
            await f.arena.advanceClock(by: .seconds(100))
            _ = try await MCPEndpointTests.tool(http, key: f.alpha.apiKey, "get_battle", ["battleId": bId])  // a call: 120 s again
            await f.arena.advanceClock(by: .seconds(100))
            #expect(try await battles.presentAgents(f.battle.id) == [f.alpha.id], "gone before idle_seconds without a call")
            await f.arena.advanceClock(by: .seconds(20))
            try await waitUntil { (try? await battles.presentAgents(f.battle.id)) == [] }

            // Back with a call; then deactivated: the periodic check ends its connection, and
            // the next call is refused.
            _ = try await MCPEndpointTests.tool(http, key: f.alpha.apiKey, "join_battle", ["battleId": bId])
            try await waitUntil { (try? await battles.presentAgents(f.battle.id)) == [f.alpha.id] }
            _ = try agents.deactivate(id: f.alpha.id)
            await f.arena.advanceClock(by: .seconds(5))
            try await waitUntil { (try? await battles.presentAgents(f.battle.id)) == [] }
            let refused = try await MCPEndpointTests.rpc(http, key: f.alpha.apiKey, "tools/list")
            #expect(refused.status == .forbidden)
            #expect(refused.body["error"]?["code"] == "AGENT_INACTIVE")
        }
    }
}

/// Polls `condition` (no sleeping on the runtime clock: yields to other tasks) until it holds.
func waitUntil(_ condition: @Sendable () async -> Bool) async throws {
    for _ in 0..<10_000 {
        if await condition() { return }
        await Task.yield()
    }
    Issue.record("condition never held")
}

@Suite struct TurnViewTests {
    /// Between a round's first turn opening and the battle's `round` moving on, the snapshot says
    /// round 1 while the open turn is round 2: the answer gives the open turn's round (an agent
    /// that keys its clientTurnId on the round would otherwise replay round 1's id and lose its turn).
    /// A long battle's snapshot carries its newest turns: the transcript says where they start.
    @Test func theTranscriptSaysWhereABoundedSnapshotsTurnsStart() {
        let snapshot: JSONValue = [
            "id": "btl_1", "status": "IN_PROGRESS", "round": 40, "rounds": 50,
            "participants": [["id": "a", "name": "Ada"], ["id": "b", "name": "Grace"]],
            "turns": [["round": 40, "agentId": "b", "content": "late"]], "turnsFrom": 79, "turnsTotal": 80,
        ]
        let answer = TurnView(snapshot: snapshot, agentId: "a").answer(timedOut: true)
        #expect(answer["transcriptFrom"] == 79)
        #expect(answer["transcript"]?.arrayValue?.count == 1)
    }

    @Test func theRoundIsTheOpenTurnsRound() {
        let snapshot: JSONValue = [
            "id": "btl_1", "status": "IN_PROGRESS", "round": 1, "rounds": 2,
            "participants": [["id": "a", "name": "Ada"], ["id": "b", "name": "Grace"]],
            "turns": [["round": 1, "agentId": "a", "content": "one"], ["round": 1, "agentId": "b", "content": "two"]],
            "currentTurn": ["agentId": "a", "round": 2, "deadline": "2026-12-06T00:00:00.000Z"],
        ]
        let answer = TurnView(snapshot: snapshot, agentId: "a").answer(timedOut: false)
        #expect(answer["yourTurn"] == true && answer["round"] == 2)
        #expect(answer["transcript"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Ada", "Grace"])
        #expect(answer["transcriptFrom"] == 0)
        let other = TurnView(snapshot: snapshot, agentId: "b").answer(timedOut: true)
        #expect(other["yourTurn"] == false && other["deadline"] == nil && other["timedOut"] == true)
        var voting = snapshot
        if case .object(var members) = voting {
            members = members.map { $0.key == "status" ? JSONMember("status", "VOTING") : $0 }.filter { $0.key != "currentTurn" }
            voting = .object(members)
        }
        #expect(TurnView(snapshot: voting, agentId: "a").turnsOver)
    }
}
