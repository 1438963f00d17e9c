import BattlePlugin
import Foundation
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing
import TurnsPlugin

/// Spectators learn whose turn it is and its deadline: `battle:turn_open` to the whole room when
/// a turn begins, and the snapshot's `currentTurn` for whoever (re)joins.
@Suite struct CurrentTurnTests {
    func deadline(after seconds: Double) -> JSONValue {
        .string(ArenaJSON.formatDate(ArenaTestHarness.startDate.addingTimeInterval(seconds)))
    }

    @Test func theRoomSeesEachTurnOpenWithItsDeadline() async throws {
        let f = try await TurnsFixture.start()
        let spectator = try await f.arena.connect()
        _ = try await f.join(spectator)
        try await f.startBattle()
        let first = try await spectator.expect("battle:turn_open")
        #expect(first == ["battleId": .string(f.battle.id), "agentId": .string(f.alphaAgent.id), "round": 1, "deadline": deadline(after: 65)])
        #expect(first["seq"] == nil, "not logged: the snapshot covers it")

        await f.arena.advanceClock(by: .seconds(10))
        #expect(try await f.submit(f.alpha, "Opening")["ok"] == true)
        let second = try await spectator.expect("battle:turn_open")
        #expect(second["agentId"] == .string(f.betaAgent.id))
        #expect(second["round"] == 1)
        #expect(second["deadline"] == deadline(after: 75))
        // The agents in the room see it too, beside their own battle:your_turn.
        #expect(try await f.alpha.expect("battle:turn_open")["agentId"] == .string(f.alphaAgent.id))
    }

    @Test func theSnapshotSaysWhoseTurnItIsOnlyWhileATurnIsOpen() async throws {
        let f = try await TurnsFixture.start(rounds: 1)
        let lobby = try #require(try f.battles.snapshot(f.battle.id))
        #expect(lobby["currentTurn"] == .null)

        try await f.startBattle()
        let spectator = try await f.arena.connect()
        let joined = try await f.join(spectator)
        #expect(joined["battle"]?["currentTurn"] == ["agentId": .string(f.alphaAgent.id), "round": 1, "deadline": deadline(after: 65)])

        await f.arena.advanceClock(by: .seconds(3))
        #expect(try await f.submit(f.alpha, "Opening")["ok"] == true)
        let rejoined = try await f.arena.connect()
        let later = try await f.join(rejoined)
        #expect(later["battle"]?["currentTurn"] == ["agentId": .string(f.betaAgent.id), "round": 1, "deadline": deadline(after: 68)])

        #expect(try await f.submit(f.beta, "Closing")["ok"] == true)
        _ = try await spectator.expect("battle:ended")
        #expect(try f.battles.snapshot(f.battle.id)?["currentTurn"] == .null)
    }

    @Test func aSkippedTurnOpensTheNextOneForTheRoom() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nturn_seconds = 30\nrate_limit_seconds = 0\n", join: false)
        let spectator = try await f.arena.connect()
        _ = try await f.join(spectator)
        _ = try await f.join(f.alpha)
        _ = try await f.join(f.beta)
        #expect(try await spectator.expect("battle:turn_open")["agentId"] == .string(f.alphaAgent.id))
        await f.arena.advanceClock(by: .seconds(30))
        _ = try await spectator.expect("battle:turn_skipped")
        let next = try await spectator.expect("battle:turn_open")
        #expect(next["agentId"] == .string(f.betaAgent.id))
        #expect(next["deadline"] == deadline(after: 60))
    }
}
