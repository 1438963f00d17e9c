import Foundation
import SocketIOProtocol
import Testing
@testable import BattlePlugin
@testable import ConnectionPlugin
@testable import Runtime
@testable import TurnsPlugin
@testable import VotingPlugin

/// Every payload the plugins send, encoded by `ArenaJSON.encode` and by the Foundation encoder it
/// replaced: byte for byte the same. (This target links every plugin but Bench, whose one reply
/// is tested in BenchPluginTests.)
@Suite struct EventPayloadEncodingTests {
    static let now = Date(timeIntervalSince1970: 1_795_833_000.123)
    static let text = "Ladies & gentlemen: «the /final/ round» — \"quoted\", back\\slash, tab\t, newline\n, é, e\u{301}, 😀"
    static let snapshot: JSONValue = [
        "id": "b-1", "title": .string(text), "status": "IN_PROGRESS", "rounds": 3, "round": 2, "seq": 41,
        "participants": [["id": "a-1", "name": "Alpha"], ["id": "a-2", "name": "Ωmega"]],
        "turns": [["turnId": "t-1", "content": .string(text), "score": 7.5, "ratio": 0.25, "big": 1e21, "whole": 5.0]],
        "votes": ["a-1": 3, "a-2": 0], "results": nil, "createdAt": "2026-11-28T04:30:00.123Z",
    ]
    static let judge = JudgeResult(scores: ["a-2": 7.5, "a-1": 10, "a-10": 0.1], winnerId: "a-1", rationale: text, judge: "heuristic")

    static var payloads: [any Encodable] {
        [
            // Battle
            BattleConnected(battleId: "b-1", role: .agent, battle: snapshot),
            BattleConnected(battleId: "b-1", role: .spectator, battle: .null),
            BattleLeft(battleId: "b-1"),
            ParticipantJoined(battleId: "b-1", agentId: "a-1", name: text),
            ParticipantLeft(battleId: "b-1", agentId: "a-2", name: "Ωmega"),
            BattlePresence(battleId: "b-1", agentsOnline: ["a-2", "a-1"], spectators: 10_000),
            BattlePresence(battleId: "b-1", agentsOnline: [], spectators: 0),
            BattleStateChanged(battleId: "b-1", status: .inProgress, round: 1),
            BattleEnded(battleId: "b-1", reason: "forfeit"),
            BattleResultsEvent(
                battleId: "b-1", votes: ["a-1": 12, "a-2": 9], judge: try! JSONParser.parse(ArenaJSON.foundationEncode(judge)),
                winnerId: "a-1"),
            BattleResultsEvent(battleId: "b-1", votes: [:], judge: nil, winnerId: nil),
            Battle(
                id: "b-1", title: text, status: .lobby, visibility: .private, rounds: 3, round: 0, seq: 0,
                participants: [Participant(id: "a-1", name: "Alpha")], createdAt: now),
            BattleRoutes.BattleList(battles: [snapshot, snapshot]),
            // Connection
            Pong(serverTime: now, echo: [JSONMember("z", 1), JSONMember("ok", true), JSONMember("a", .string(text)), JSONMember("n", 2.50)]),
            Pong(serverTime: now, echo: []),
            Connected.AgentSummary(id: "a-1", name: "Alpha"),
            Agent(id: "a-1", name: "Alpha", status: .active, createdAt: now),
            CreatedAgent(id: "a-1", name: "Alpha", status: .inactive, apiKey: "ma_live_x/y+z"),
            // Turns
            TurnAccepted(battleId: "b-1", turnId: "t-1", round: 2),
            BattleStarting(battleId: "b-1", startsAt: now, countdownSeconds: 5),
            BattleStarting(battleId: "b-1", startsAt: now.addingTimeInterval(0.5), countdownSeconds: 0.25),
            YourTurn(battleId: "b-1", round: 3, deadline: now.addingTimeInterval(60)),
            TurnEvent(battleId: "b-1", turnId: "t-1", round: 1, agentId: "a-1", content: text),
            TurnSkipped(battleId: "b-1", round: 2, agentId: "a-2"),
            CommentaryEvent(battleId: "b-1", turnId: "t-1", text: text),
            AudioEvent(battleId: "b-1", turnId: "t-1", audioUrl: "/audio/b-1/t-1.mp3?v=1"),
            judge,
            // Voting
            VoteRecorded(battleId: "b-1", agentId: "a-1"),
            VotingOpen(battleId: "b-1", endsAt: now.addingTimeInterval(60), choices: ["a-1", "a-2"]),
            VoteUpdate(battleId: "b-1", counts: ["a-2": 4, "a-1": 5, "a-10": 0], total: 9),
            VoteUpdate(battleId: "b-1", counts: [:], total: 0),
            // Runtime
            ErrorEvent(code: .invalidPayload, message: "missing field battleId", event: "battle:join"),
            RateLimitExceeded(event: "battle:vote", retryAfterMs: 250),
            ShutdownNotice.ServerShutdown(reconnectAfterMs: 1000),
        ]
    }

    @Test func everyPayloadEncodesAsFoundationDid() throws {
        for payload in Self.payloads {
            let direct = try ArenaJSON.encode(payload)
            let foundation = try ArenaJSON.foundationEncode(payload)
            #expect(direct == foundation, "\(type(of: payload)): \(String(decoding: direct, as: UTF8.self))")
        }
    }

    /// `Connected` is built from a live connection; its hand-written `encode(to:)` is repeated
    /// here with the same calls, spectator (`agent` null) and agent.
    @Test func connectedEncodesAsFoundationDid() throws {
        struct ConnectedShape: Encodable {
            var socketId: String
            var role: Identity.Role
            var agent: Connected.AgentSummary?
            var serverTime: Date

            enum CodingKeys: CodingKey { case socketId, role, agent, serverTime }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(socketId, forKey: .socketId)
                try container.encode(role, forKey: .role)
                try container.encode(agent, forKey: .agent)
                try container.encode(serverTime, forKey: .serverTime)
            }
        }
        for shape in [
            ConnectedShape(socketId: "sock_1", role: .spectator, agent: nil, serverTime: Self.now),
            ConnectedShape(socketId: "sock_2", role: .agent, agent: .init(id: "a-1", name: "Alpha"), serverTime: Self.now),
        ] {
            #expect(try ArenaJSON.encode(shape) == ArenaJSON.foundationEncode(shape))
        }
    }
}
