import BattlePlugin
import Foundation
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing
import TurnsPlugin

@Suite struct DecisionTests {
    @Test func twoSocketsRacingForOneTurnGetOneAcceptance() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nrate_limit_seconds = 0\n")
        let second = try await f.arena.connect(auth: ["token": .string(f.alphaAgent.apiKey)])
        _ = try await f.join(second)
        _ = try await f.alpha.expect("battle:your_turn")
        async let first = f.submit(f.alpha, "from the first socket")
        async let other = f.submit(second, "from the second socket")
        let outcomes = try await [first, other]
        #expect(outcomes.filter { $0["ok"] == true }.count == 1)
        #expect(outcomes.filter { $0["error"]?["code"] == "NOT_YOUR_TURN" }.count == 1)
        let stored = try f.arena.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM turns") }
        #expect(stored == 1)
    }

    @Test func retryWithTheSameClientTurnIdGetsTheFirstAnswer() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nrate_limit_seconds = 10\n")
        _ = try await f.alpha.expect("battle:your_turn")
        let first = try await f.submit(f.alpha, "once", clientTurnId: "c-1")
        let again = try await f.submit(f.alpha, "once", clientTurnId: "c-1")
        #expect(first["ok"] == true)
        #expect(again == first)
        let reconnected = try await f.arena.connect(auth: ["token": .string(f.alphaAgent.apiKey)])
        #expect(try await f.submit(reconnected, "once", clientTurnId: "c-1") == first)
        let stored = try f.arena.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM turns") }
        #expect(stored == 1)
    }

    @Test func aTurnSubmittedWhileTheDatabaseIsDownIsRefusedRetryablyAndKeptOnceWhenRetried() async throws {
        let database = UnreachableDatabase(try SQLiteDatabase.inMemory())
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nrate_limit_seconds = 0\n", database: database)
        _ = try await f.alpha.expect("battle:your_turn")
        database.isReachable = false
        let refused = try await f.submit(f.alpha, "while it is down", clientTurnId: "c-1")
        #expect(refused["error"]?["code"] == "DATABASE_UNAVAILABLE")
        #expect(refused["error"]?["retryAfterMs"] == 1000)
        database.isReachable = true
        let stored = { try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM turns") } }
        #expect(try stored() == 0, "nothing of the refused turn was written")
        let accepted = try await f.submit(f.alpha, "while it is down", clientTurnId: "c-1")
        #expect(accepted["ok"] == true)
        #expect(try await f.submit(f.alpha, "while it is down", clientTurnId: "c-1") == accepted)
        #expect(try await f.submit(f.beta, "the reply")["ok"] == true, "the battle goes on")
        #expect(try stored() == 2)
    }

    @Test func aDeadlineThatPassesWhileTheDatabaseIsDownTakesEffectWhenItIsBack() async throws {
        let database = UnreachableDatabase(try SQLiteDatabase.inMemory())
        let f = try await TurnsFixture.start(
            turns: "countdown_seconds = 0\nrate_limit_seconds = 0\nturn_seconds = 5\nmissed_turn = \"skip\"\n", database: database)
        _ = try await f.alpha.expect("battle:your_turn")
        database.isReachable = false
        await f.arena.advanceClock(by: .seconds(5))  // alpha's deadline, with no database
        await f.arena.runtime.services.jobs.idle()
        database.isReachable = true
        await f.arena.advanceClock(by: .seconds(1))
        let next = try await f.beta.expect("battle:your_turn")
        #expect(next["round"] == 1, "alpha's turn was skipped once the database answered")
    }

    @Test func aClientTurnIdIsScopedToItsBattle() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nrate_limit_seconds = 0\n")
        _ = try await f.alpha.expect("battle:your_turn")
        let first = try await f.submit(f.alpha, "in the first battle", clientTurnId: "c-1")
        let other = try f.battles.store.create(title: "Rematch", agentIds: [f.alphaAgent.id, f.betaAgent.id], visibility: .public, rounds: 1)
        _ = try await f.alpha.emit("battle:join", ["battleId": .string(other.id)])
        _ = try await f.beta.emit("battle:join", ["battleId": .string(other.id)])
        _ = try await f.alpha.expect("battle:your_turn")
        let second = try await f.alpha.emit("battle:submit_turn", ["battleId": .string(other.id), "content": "rematch", "clientTurnId": "c-1"])
        #expect(second["ok"] == true)
        #expect(second["battleId"] == .string(other.id))
        #expect(second["turnId"] != first["turnId"])
    }

    @Test func tooFastATurnIsRateLimitedWithRetryAfter() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nrate_limit_seconds = 10\n")
        _ = try await f.alpha.expect("battle:your_turn")
        _ = try await f.submit(f.alpha, "one")
        _ = try await f.submit(f.beta, "two")
        await f.arena.advanceClock(by: .seconds(4))
        let limited = try await f.submit(f.alpha, "three")
        #expect(limited["error"]?["code"] == "RATE_LIMITED")
        let exceeded = try await f.alpha.expect("rate_limit_exceeded")
        #expect(exceeded["event"] == "battle:submit_turn")
        #expect(exceeded["retryAfterMs"] == 6000)
        await f.arena.advanceClock(by: .seconds(6))
        #expect(try await f.submit(f.alpha, "three")["ok"] == true)
    }

    @Test func anAgentThatRejoinsDuringItsTurnIsToldAgain() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nrate_limit_seconds = 0\n")
        let deadline = try await f.alpha.expect("battle:your_turn")["deadline"]
        f.alpha.disconnect()
        let back = try await f.arena.connect(auth: ["token": .string(f.alphaAgent.apiKey)])
        _ = try await f.join(back)
        #expect(try await back.expect("battle:your_turn")["deadline"] == deadline)
        #expect(try await f.submit(back, "still mine")["ok"] == true)
    }

    @Test func aRestartResumesTheTurnAndItsDeadlineFromTheDatabase() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nturn_seconds = 30\nrate_limit_seconds = 0\n")
        _ = try await f.alpha.expect("battle:your_turn")
        _ = try await f.submit(f.alpha, "before the restart")
        let beforeRestart = f.arena.clock.now()

        // A new runtime on the same database, ten seconds later: beta's deadline (30 s after its
        // turn began) is still 20 s away.
        let restarted = try await ArenaTestHarness.start(
            pluginsConf: TurnsFixture.conf("countdown_seconds = 0\nturn_seconds = 30\nrate_limit_seconds = 0\n"),
            catalog: TurnsFixture.catalog, database: f.arena.database, startDate: beforeRestart.addingTimeInterval(10)
        )
        let beta = try await restarted.connect(auth: ["token": .string(f.betaAgent.apiKey)])
        _ = try await beta.emit("battle:join", ["battleId": .string(f.battle.id)])
        let snapshot = try await beta.expect("battle:connected")["battle"]
        #expect(snapshot?["turns"]?.arrayValue?.count == 1)
        #expect(snapshot?["status"] == "IN_PROGRESS")
        _ = try await beta.expect("battle:your_turn")
        await restarted.advanceClock(by: .seconds(19))
        #expect(!beta.bufferedEventNames.contains("battle:turn_skipped"))
        await restarted.advanceClock(by: .seconds(1))
        #expect(try await beta.expect("battle:turn_skipped")["agentId"] == .string(f.betaAgent.id))
    }

    @Test func aRestartDuringTheCountdownStillStartsTheBattle() async throws {
        let f = try await TurnsFixture.start()
        _ = try await f.alpha.expect("battle:starting")
        let restarted = try await ArenaTestHarness.start(
            pluginsConf: TurnsFixture.conf(TurnsFixture.defaultTurns), catalog: TurnsFixture.catalog,
            database: f.arena.database, startDate: f.arena.clock.now().addingTimeInterval(2)
        )
        let alpha = try await restarted.connect(auth: ["token": .string(f.alphaAgent.apiKey)])
        _ = try await alpha.emit("battle:join", ["battleId": .string(f.battle.id)])
        await restarted.advanceClock(by: .seconds(3))
        #expect(try await alpha.expect("battle:your_turn")["round"] == 1)
    }

    @Test func replayAfterReconnectCoversStateTurnsAndCommentary() async throws {
        let f = try await TurnsFixture.start(turns: "countdown_seconds = 0\nrate_limit_seconds = 0\n")
        let spectator = try await f.arena.connect()
        let joined = try await spectator.emit("battle:join", ["battleId": .string(f.battle.id)])
        let seq = Int(try #require(joined["battle"]?["seq"]?.intValue))
        spectator.disconnect()
        _ = try await f.alpha.expect("battle:your_turn")
        _ = try await f.submit(f.alpha, "while you were away")
        _ = try await f.beta.expect("battle:commentary")
        let back = try await f.arena.connect()
        _ = try await back.emit("battle:join", ["battleId": .string(f.battle.id), "sinceSeq": .int(Int64(seq))])
        let names = back.drainEvents().map(\.name).filter { $0 != "battle:presence" && $0 != "connected" }
        #expect(names.contains("battle:turn"))
        #expect(names.contains("battle:commentary"))
        #expect(names.last == "battle:connected")
    }
}
