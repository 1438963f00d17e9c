import BattlePlugin
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

/// A step run on the battle's owner: its writes commit together or not at all, and what it
/// announces is sent when it ends, only if it was kept.
@Suite struct BattleStepTests {
    struct Refused: Error {}

    @Test func aFailedStepKeepsNothingAndAnnouncesNothing() async throws {
        let f = try await BattleFixture.start()
        let watcher = try await f.connect(nil)
        _ = try await f.join(watcher, f.publicBattle)
        let battleId = f.publicBattle.id
        await #expect(throws: Refused.self) {
            try await f.battles.owners.run(battleId) { owner in
                try owner.inOneTransaction {
                    try owner.log(LogWriterPlugin.Logged(battleId: battleId, n: 1))
                    try owner.setStatus(.starting, round: 0)
                    throw Refused()
                }
            }
        }
        #expect(try f.battles.battle(battleId)?.status == .lobby)
        #expect(try await f.battles.owners.run(battleId) { owner in (owner.battle.seq, owner.battle.status) } == (0, .lobby))
        // The next step starts from what was kept: seq 1 again, and it is the first event sent.
        let seq = try await f.battles.owners.run(battleId) { owner in
            try owner.inOneTransaction { try owner.log(LogWriterPlugin.Logged(battleId: battleId, n: 2)) }
        }
        #expect(seq == 1)
        #expect(try await watcher.expect("test:logged") == ["seq": 1, "battleId": .string(battleId), "n": 2])
        #expect(!watcher.bufferedEventNames.contains("battle:state"))
    }

    @Test func aStepsEventsArriveInOrderAfterItsWritesCommitted() async throws {
        let f = try await BattleFixture.start()
        let watcher = try await f.connect(nil)
        _ = try await f.join(watcher, f.publicBattle)
        let battleId = f.publicBattle.id
        try await f.battles.owners.run(battleId) { owner in
            try owner.inOneTransaction {
                for n in 1...3 { try owner.log(LogWriterPlugin.Logged(battleId: battleId, n: n)) }
                try owner.setStatus(.starting, round: 0)
            }
        }
        for n in 1...3 { #expect(try await watcher.expect("test:logged")["n"] == .int(Int64(n))) }
        #expect(try await watcher.expect("battle:state")["seq"] == 4)
        #expect(try f.battles.battle(battleId)?.status == .starting)
        let log = try f.battles.log(battleId)
        #expect(log.map(\.event) == ["test:logged", "test:logged", "test:logged", "battle:state"])
    }
}
