@testable import BattlePlugin
import Foundation
import Hummingbird
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing
import TurnsPlugin

/// One battle, one owner: the acknowledgement does not wait for the judge, an interrupted
/// verdict is asked for again after a restart, and a finished battle lets its owner go.
@Suite struct BattleOwnerTests {
    static func hangingJudge(_ baseURL: String, timeout: Int = 30) -> String {
        """
        countdown_seconds = 0
        rate_limit_seconds = 0
        judge = "anthropic"
        anthropic_base_url = "\(baseURL)"
        anthropic_api_key_env = "MOLTARENA_TEST_ANTHROPIC_KEY"
        provider_timeout_seconds = \(timeout)
        """
    }

    @Test func theLastTurnIsAcknowledgedWhileTheJudgeIsStillThinking() async throws {
        try await FakeHTTPServer.hangingMessagesAPI { baseURL in
            let f = try await TurnsFixture.start(turns: Self.hangingJudge(baseURL), rounds: 1)
            _ = try await f.alpha.expect("battle:your_turn")
            #expect(try await f.submit(f.alpha, "First.")["ok"] == true)
            let last = try await f.submit(f.beta, "Second.")
            #expect(last["ok"] == true)
            #expect(try await f.alpha.expect("battle:ended")["reason"] == "completed")
            // Acknowledged and ended, but the verdict is not in: the judge still has 30 s.
            #expect(try f.status() == .inProgress)
            #expect(!f.alpha.bufferedEventNames.contains("battle:results"))
            await f.arena.advanceClock(by: .seconds(30))
            let results = try await f.alpha.expect("battle:results", timeout: .seconds(10))
            #expect(results["judge"]?["judge"] == "heuristic (fallback)")
            #expect(try f.status() == .completed)
        }
    }

    @Test func aRestartWhileTheJudgeThinksAsksAgainAndCompletesTheBattle() async throws {
        try await FakeHTTPServer.hangingMessagesAPI { baseURL in
            let f = try await TurnsFixture.start(turns: Self.hangingJudge(baseURL), rounds: 1)
            _ = try await f.alpha.expect("battle:your_turn")
            _ = try await f.submit(f.alpha, "First.")
            _ = try await f.submit(f.beta, "Second.")
            _ = try await f.alpha.expect("battle:ended")
            // The process dies here; a new one starts on the same database with the built-in judge.
            let restarted = try await ArenaTestHarness.start(
                pluginsConf: TurnsFixture.conf("countdown_seconds = 0\n"), catalog: TurnsFixture.catalog,
                database: f.arena.database, startDate: f.arena.clock.now().addingTimeInterval(5)
            )
            let battles = try #require(restarted.runtime.services.registry.resolve(BattleService.self))
            await restarted.runtime.services.jobs.idle()
            #expect(try battles.battle(f.battle.id)?.status == .completed)
            let snapshot = try #require(try battles.snapshot(f.battle.id))
            #expect(snapshot["results"]?["judge"]?["judge"] == "heuristic")
            #expect(snapshot["turns"]?.arrayValue?.count == 2)
        }
    }

    @Test func aFinishedBattleReleasesItsOwnerOnceItsRoomIsEmpty() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nrate_limit_seconds = 0\n", rounds: 1)
        _ = try await f.alpha.expect("battle:your_turn")
        #expect(f.battles.owners.owned == [f.battle.id])
        _ = try await f.submit(f.alpha, "First.")
        _ = try await f.submit(f.beta, "Second.")
        _ = try await f.alpha.expect("battle:results")
        #expect(f.battles.owners.owned == [f.battle.id], "agents are still in the room")
        #expect(try await f.alpha.emit("battle:leave", ["battleId": .string(f.battle.id)])["ok"] == true)
        #expect(try await f.beta.emit("battle:leave", ["battleId": .string(f.battle.id)])["ok"] == true)
        await f.arena.advanceClock(by: .seconds(1))  // the last presence update goes out
        await f.arena.runtime.services.jobs.idle()
        #expect(f.battles.owners.owned.isEmpty)
        // Joining again acquires it afresh, with the battle as stored.
        let back = try await f.join(f.alpha)
        #expect(back["battle"]?["status"] == "COMPLETED")
        #expect(f.battles.owners.owned == [f.battle.id])
    }

    /// Another runtime on the same database takes the battle over (as an instance does after its
    /// owner's lease ran out): the first owner, still holding the battle in memory, is fenced
    /// out. Its write is refused in the same transaction, so nothing is stored or announced,
    /// and the agent is told to retry (where it reaches the new owner).
    @Test func aStaleOwnerIsFencedOutAndAnnouncesNothing() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nturn_seconds = 60\nrate_limit_seconds = 0\n", rounds: 1)
        _ = try await f.alpha.expect("battle:your_turn")
        let seqBefore = try #require(try f.battles.battle(f.battle.id)?.seq)
        let successor = try await ArenaTestHarness.start(
            pluginsConf: TurnsFixture.conf("countdown_seconds = 0\nturn_seconds = 60\nrate_limit_seconds = 0\n"), catalog: TurnsFixture.catalog,
            database: f.arena.database, startDate: f.arena.clock.now()
        )
        let taken = try #require(successor.runtime.services.registry.resolve(BattleService.self))
        #expect(taken.owners.owned == [f.battle.id], "the successor took the battle under way at start")

        let refused = try await f.submit(f.alpha, "Too late.", clientTurnId: "t1")
        #expect(refused["error"]?["code"] == "BATTLE_UNAVAILABLE")
        #expect(refused["error"]?["retryAfterMs"] == 1000)
        #expect(f.battles.owners.owned.isEmpty, "the fenced-out owner let the battle go")
        let battle = try #require(try taken.battle(f.battle.id))
        #expect(battle.seq == seqBefore, "nothing was logged")
        #expect(try taken.snapshot(f.battle.id)?["turns"]?.arrayValue?.isEmpty == true)
        #expect(!f.alpha.bufferedEventNames.contains("battle:turn"))
    }

    /// The Turns plugin's machine for a battle still waiting (made by an early submission) does
    /// not outlive the battle's expiry: the late opponent's arrival starts nothing.
    @Test func anExpiredInvitationStaysCancelledWhenTheOpponentComesLate() async throws {
        let f = try await TurnsFixture.start(battle: "lobby_timeout_seconds = 60\n", join: false)
        _ = try await f.join(f.alpha)
        #expect(try await f.submit(f.alpha, "Too early.")["ok"] == false)
        await f.arena.advanceClock(by: .seconds(60))
        await f.arena.runtime.services.jobs.idle()
        #expect(try f.battles.battle(f.battle.id)?.status == .cancelled)
        _ = try await f.join(f.beta)
        await f.arena.advanceClock(by: .seconds(10))
        await f.arena.runtime.services.jobs.idle()
        #expect(try f.battles.battle(f.battle.id)?.status == .cancelled)
        #expect(!f.beta.drainEvents().contains { $0.name == "battle:starting" })
    }

    /// Each turn's deadline is cancelled by the next turn and by the end: a finished battle whose
    /// room emptied is not taken again (a take moves the battle's fence) when old deadlines pass.
    @Test func oldDeadlinesDoNotWakeAFinishedBattle() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nturn_seconds = 60\nrate_limit_seconds = 0\n", rounds: 1)
        _ = try await f.alpha.expect("battle:your_turn")
        _ = try await f.submit(f.alpha, "First.")
        _ = try await f.submit(f.beta, "Second.")
        _ = try await f.alpha.expect("battle:results")
        for agent in [f.alpha, f.beta] {
            #expect(try await agent.emit("battle:leave", ["battleId": .string(f.battle.id)])["ok"] == true)
        }
        await f.arena.advanceClock(by: .seconds(1))
        await f.arena.runtime.services.jobs.idle()
        #expect(f.battles.owners.owned.isEmpty)
        let fence = try f.battles.store.fence(f.battle.id)
        await f.arena.advanceClock(by: .seconds(120))  // past every deadline that was armed
        await f.arena.runtime.services.jobs.idle()
        #expect(try f.battles.store.fence(f.battle.id) == fence, "the finished battle was taken again")
    }
}
