import ArenaProtocol
import BattlePlugin
import ConnectionPlugin
import Foundation
import Logging
import MoltArenaClient
import NIOPosix
import Runtime
import TurnsPlugin
import VotingPlugin
import SocketIOProtocol
import Testing

/// The client decodes what the server encodes, with the same declared types: each server event,
/// encoded as the server sends it, comes back as its own case with equal fields.
@Suite struct ArenaEventTests {
    static let now = Date(timeIntervalSince1970: 1_795_833_000.123)

    static func received<E: ServerEvent>(_ event: E, seq: Int? = nil) throws -> ReceivedArenaEvent {
        var payload = try ArenaClient.json(event)
        if let seq, case .object(var members) = payload {
            members.append(JSONMember("seq", .int(Int64(seq))))
            payload = .object(members)
        }
        return ReceivedArenaEvent(name: E.name, payload: payload)
    }

    @Test func eachServerEventDecodesIntoItsOwnCase() throws {
        let turn = TurnEvent(battleId: "b", turnId: "t", round: 2, agentId: "a", content: "Tabs «win» \"quoted\"")
        let received = try Self.received(turn, seq: 7)
        guard case .turn(let decoded) = received.event else { Issue.record("\(received.event)"); return }
        #expect(decoded.content == turn.content && decoded.round == 2 && decoded.agentId == "a")
        #expect(received.seq == 7)

        let yourTurn = try Self.received(YourTurn(battleId: "b", round: 1, deadline: Self.now))
        guard case .yourTurn(let mine) = yourTurn.event else { Issue.record("\(yourTurn.event)"); return }
        #expect(abs(mine.deadline.timeIntervalSince(Self.now)) < 0.001, "dates keep their milliseconds")

        let pong = try Self.received(Pong(serverTime: Self.now, echo: [JSONMember("n", 1)]))
        guard case .pong(let decodedPong) = pong.event else { Issue.record("\(pong.event)"); return }
        #expect(decodedPong.echo == [JSONMember("n", 1)] && abs(decodedPong.serverTime.timeIntervalSince(Self.now)) < 0.001)

        let results = try Self.received(BattleResultsEvent(battleId: "b", votes: ["a": 2], judge: nil, winnerId: nil))
        guard case .results(let decodedResults) = results.event else { Issue.record("\(results.event)"); return }
        #expect(decodedResults.votes == ["a": 2] && decodedResults.winnerId == nil)

        let connected = try Self.received(Connected(socketId: "s", role: .agent, agent: .init(id: "a", name: "Ada"), serverTime: Self.now))
        guard case .connected(let hello) = connected.event else { Issue.record("\(connected.event)"); return }
        #expect(hello.agent == .init(id: "a", name: "Ada"))
    }

    @Test func everyEventOfTheProtocolHasACase() throws {
        // What a server with every shipped plugin declares it sends (the protocol document's list).
        let catalog = PluginCatalog([ConnectionPlugin.self, BattlePlugin.self, TurnsPlugin.self, VotingPlugin.self])
        let conf = "[connection]\n[battle]\n[turns]\n[voting]\n"
        let runtime = try ArenaRuntime.build(
            plugins: catalog.resolve(PluginsFile.parse(conf, path: "plugins.conf")),
            environment: RuntimeEnvironment(
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton, database: try SQLiteDatabase.inMemory(), logger: Logger(label: "test")))
        let declared = runtime.protocolDocument.serverEvents.map { $0.type.name }
        #expect(ArenaEvent.knownNames == Set(declared))
    }

    @Test func unknownNamesAndUndecodablePayloadsAreKeptAsTheyCame() {
        let unknown = ReceivedArenaEvent(name: "battle:something_new", payload: ["x": 1])
        guard case .other(let payload) = unknown.event else { Issue.record("\(unknown.event)"); return }
        #expect(payload == ["x": 1])
        let broken = ReceivedArenaEvent(name: TurnEvent.name, payload: ["battleId": 5])
        guard case .other = broken.event else { Issue.record("\(broken.event)"); return }
    }

    @Test func aClientEventEncodesAsTheServerDecodesIt() throws {
        let submit = SubmitTurn(battleId: "b", content: "hi", clientTurnId: "round-1")
        let json = try ArenaClient.json(submit)
        #expect(json == ["battleId": "b", "clientTurnId": "round-1", "content": "hi"])
        let back = try ArenaJSON.decode(SubmitTurn.self, from: json)
        #expect(back.clientTurnId == "round-1")
        #expect(try ArenaClient.json(JoinBattle(battleId: "b")) == ["battleId": "b"])
    }
}
