import BattlePlugin
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

@Suite struct BattleLogTests {
    func write(_ connection: TestConnection, _ f: BattleFixture, _ n: Int) async throws -> Int {
        let ack = try await connection.emit("test:log", ["battleId": .string(f.publicBattle.id), "n": .int(Int64(n))])
        return Int(try #require(ack["seq"]?.intValue))
    }

    @Test func loggedEventsCarryGrowingSeqAndReachTheRoom() async throws {
        let f = try await BattleFixture.start()
        let writer = try await f.connect(nil)
        let watcher = try await f.connect(nil)
        _ = try await f.join(watcher, f.publicBattle)
        #expect(try await write(writer, f, 1) == 1)
        #expect(try await write(writer, f, 2) == 2)
        #expect(try await watcher.expect("test:logged") == ["seq": 1, "battleId": .string(f.publicBattle.id), "n": 1])
        #expect(try await watcher.expect("test:logged")["seq"] == 2)
        let snapshot = try #require(try f.battles.snapshot(f.publicBattle.id))
        #expect(snapshot["seq"] == 2)
    }

    @Test func rejoinWithSinceSeqReplaysExactlyTheMissedEventsThenLiveOnes() async throws {
        let f = try await BattleFixture.start()
        let writer = try await f.connect(nil)
        let first = try await f.connect(nil)
        _ = try await f.join(first, f.publicBattle)
        _ = try await write(writer, f, 1)
        let seen = try await first.expect("test:logged")["seq"]?.intValue
        #expect(seen == 1)
        first.disconnect()

        for n in 2...4 { _ = try await write(writer, f, n) }

        let again = try await f.connect(nil)
        _ = try await f.join(again, f.publicBattle, sinceSeq: 1)
        for expected in 2...4 {
            #expect(
                try await again.expect("test:logged") == [
                    "seq": .int(Int64(expected)), "battleId": .string(f.publicBattle.id), "n": .int(Int64(expected)),
                ])
        }
        _ = try await write(writer, f, 5)
        #expect(try await again.expect("test:logged")["seq"] == 5)
        #expect(!again.bufferedEventNames.contains("test:logged"))
    }

    @Test func replayWhileEventsAreBeingLoggedHasNoGapAndNoDuplicate() async throws {
        let f = try await BattleFixture.start()
        let writer = try await f.connect(nil)
        for n in 1...20 { _ = try await write(writer, f, n) }
        let reader = try await f.connect(nil)
        async let writes: Void = {
            for n in 21...60 { _ = try await write(writer, f, n) }
        }()
        _ = try await f.join(reader, f.publicBattle, sinceSeq: 5)
        try await writes
        var seqs: [Int] = []
        for _ in 6...60 {
            seqs.append(Int(try #require(try await reader.expect("test:logged")["seq"]?.intValue)))
        }
        #expect(seqs == Array(6...60))
        #expect(!reader.bufferedEventNames.contains("test:logged"))
    }

    @Test func statusChangesArePersistedThenAnnouncedAsLoggedState() async throws {
        let f = try await BattleFixture.start()
        let watcher = try await f.connect(nil)
        _ = try await f.join(watcher, f.publicBattle)
        let seq = try await f.battles.owners.run(f.publicBattle.id) { owner in try owner.setStatus(.starting, round: 0) }
        let state = try await watcher.expect("battle:state")
        #expect(state == ["seq": .int(Int64(seq)), "battleId": .string(f.publicBattle.id), "status": "STARTING", "round": 0])
        #expect(try f.battles.battle(f.publicBattle.id)?.status == .starting)
    }

    @Test func aSnapshotSectionFillsItsFieldAndTheOthersKeepTheirEmptyValue() async throws {
        let f = try await BattleFixture.start("[connection]\n[battle]\n[sections]\n")
        let snapshot = try #require(try f.battles.snapshot(f.publicBattle.id))
        #expect(snapshot["turns"]?.arrayValue?.first?["turnId"] == "t1")
        #expect(snapshot["turns"]?.arrayValue?.first?["createdAt"] == "1970-01-01T00:00:00.000Z")
        #expect(snapshot["votes"] == .object([:]))
        #expect(snapshot["results"] == .null)
        let plain = try await BattleFixture.start()
        #expect(try plain.battles.snapshot(plain.publicBattle.id)?["turns"] == .array([]))
    }

    @Test func twoContributorsToAOneOnlyPointStopStartUpNamingBoth() async {
        await #expect {
            _ = try await BattleFixture.start("[connection]\n[battle]\n[sections]\n[rival]\n")
        } throws: { error in
            "\(error)" == "extension point 'battle.snapshot.turns' of [battle] takes one contribution, but [sections] and [rival] both contribute"
        }
    }
}
