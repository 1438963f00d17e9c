import BattlePlugin
import Foundation
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing
import TurnsPlugin

@Suite struct StateMachineTests {
    @Test func battleStartsWhenEveryParticipantIsPresentAfterTheCountdown() async throws {
        let f = try await TurnsFixture.start()
        let starting = try await f.alpha.expect("battle:starting")
        #expect(starting["countdownSeconds"] == 5)
        #expect(starting["startsAt"] == .string(ArenaJSON.formatDate(ArenaTestHarness.startDate.addingTimeInterval(5))))
        #expect(starting["seq"] != nil)
        #expect(try f.status() == .starting)
        #expect(try await f.submit(f.alpha, "too early")["error"]?["code"] == "BATTLE_NOT_IN_PROGRESS")

        await f.arena.advanceClock(by: .seconds(5))
        let yourTurn = try await f.alpha.expect("battle:your_turn")
        #expect(yourTurn["round"] == 1)
        #expect(yourTurn["deadline"] == .string(ArenaJSON.formatDate(ArenaTestHarness.startDate.addingTimeInterval(65))))
        #expect(try f.status() == .inProgress)
        #expect(!f.beta.bufferedEventNames.contains("battle:your_turn"))
    }

    @Test func turnsGoInParticipantOrderAndReachTheWholeRoom() async throws {
        let f = try await TurnsFixture.start()
        let spectator = try await f.arena.connect()
        _ = try await f.join(spectator)
        try await f.startBattle()

        #expect(try await f.submit(f.beta, "me first")["error"]?["code"] == "NOT_YOUR_TURN")
        let accepted = try await f.submit(f.alpha, "Opening statement")
        #expect(accepted["ok"] == true)
        #expect(accepted["round"] == 1)
        let turnId = try #require(accepted["turnId"]?.stringValue)
        #expect(try await f.alpha.expect("battle:turn_accepted")["turnId"] == .string(turnId))
        let seen = try await spectator.expect("battle:turn")
        #expect(seen["turnId"] == .string(turnId))
        #expect(seen["agentId"] == .string(f.alphaAgent.id))
        #expect(seen["content"] == "Opening statement")
        #expect(try await f.beta.expect("battle:your_turn")["round"] == 1)
        #expect(try await f.submit(f.alpha, "again")["error"]?["code"] == "NOT_YOUR_TURN")
        #expect(try await f.submit(f.beta, "Rebuttal")["ok"] == true)
        #expect(try await f.alpha.expect("battle:your_turn")["round"] == 2)
        #expect(try f.battles.battle(f.battle.id)?.round == 2)
    }

    @Test func submissionsAreCheckedBeforeTheyCount() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nmax_turn_chars = 10\nrate_limit_seconds = 0\n")
        _ = try await f.alpha.expect("battle:your_turn")
        #expect(try await f.submit(f.alpha, String(repeating: "x", count: 11))["error"]?["code"] == "CONTENT_TOO_LONG")
        let spectator = try await f.arena.connect()
        #expect(try await f.submit(spectator, "hi")["error"]?["code"] == "NOT_PARTICIPANT")
        #expect(try await f.alpha.emit("battle:submit_turn", ["battleId": .string(f.battle.id)])["error"]?["code"] == "INVALID_PAYLOAD")
        #expect(
            try await f.alpha.emit("battle:submit_turn", ["battleId": .string(f.battle.id), "content": "   "])["error"]?["code"] == "INVALID_PAYLOAD")
        #expect(try await f.alpha.emit("battle:submit_turn", ["battleId": "btl_none", "content": "x"])["error"]?["code"] == "BATTLE_NOT_FOUND")
        #expect(try await f.submit(f.alpha, "fits")["ok"] == true)
    }

    @Test func missedTurnIsSkippedAndTheBattleGoesOn() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nturn_seconds = 30\nrate_limit_seconds = 0\n")
        _ = try await f.alpha.expect("battle:your_turn")
        await f.arena.advanceClock(by: .seconds(30))
        let skipped = try await f.beta.expect("battle:turn_skipped")
        #expect(skipped["agentId"] == .string(f.alphaAgent.id))
        #expect(try await f.beta.expect("battle:your_turn")["round"] == 1)
        #expect(try await f.submit(f.beta, "my turn now")["ok"] == true)
    }

    @Test func missedTurnForfeitsWhenConfigured() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nturn_seconds = 30\nmissed_turn = \"forfeit\"\n")
        _ = try await f.alpha.expect("battle:your_turn")
        await f.arena.advanceClock(by: .seconds(30))
        #expect(try await f.beta.expect("battle:ended")["reason"] == "forfeit")
        let results = try await f.beta.expect("battle:results")
        #expect(results["winnerId"] == .string(f.betaAgent.id))
        #expect(try f.status() == .completed)
    }

    @Test func lastTurnEndsTheBattleWithTheJudgesResults() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nrate_limit_seconds = 0\n", rounds: 1)
        _ = try await f.alpha.expect("battle:your_turn")
        _ = try await f.submit(f.alpha, "A long and varied argument about why tabs beat spaces in every editor.")
        _ = try await f.submit(f.beta, "no")
        #expect(try await f.alpha.expect("battle:ended")["reason"] == "completed")
        let results = try await f.alpha.expect("battle:results")
        #expect(results["votes"] == .object([:]))
        #expect(results["judge"]?["judge"] == "heuristic")
        #expect(results["winnerId"] == .string(f.alphaAgent.id))
        #expect(try f.status() == .completed)
        let snapshot = try #require(try f.battles.snapshot(f.battle.id))
        #expect(snapshot["results"]?["winnerId"] == .string(f.alphaAgent.id))
        #expect(snapshot["turns"]?.arrayValue?.count == 2)
        #expect(snapshot["status"] == "COMPLETED")
    }

    @Test func commentaryFollowsEachTurn() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nrate_limit_seconds = 0\n")
        _ = try await f.alpha.expect("battle:your_turn")
        let accepted = try await f.submit(f.alpha, "Hello there")
        let commentary = try await f.beta.expect("battle:commentary")
        #expect(commentary["turnId"] == accepted["turnId"])
        #expect(commentary["text"]?.stringValue?.isEmpty == false)
    }
}
