import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

@testable import BattlePlugin

/// A battle's logged events as an ordered stream: which broadcasts belong to it, and its gaps
/// read back from the log.
@Suite struct BattleLogStreamsTests {
    @Test func loggedEventsHaveTheirPlaceAndAGapIsReadFromTheLog() async throws {
        let f = try await BattleFixture.start()
        let id = f.publicBattle.id
        for n in 1...3 {
            _ = try await f.battles.owners.run(id) { owner in try owner.log(LogWriterPlugin.Logged(battleId: id, n: n)) }
        }
        let streams = BattleLogStreams(store: f.battles.store, database: f.arena.runtime.services.database) { battleId, seq in
            battleId == id && seq <= 2 ? ["caught-up-connection"] : []
        }
        let logged: JSONValue = ["battleId": .string(id), "seq": 2, "n": 2]
        #expect(streams.place(of: "test:logged", [logged], rooms: [BattleRoom.battle(id)])! == (id, 2))
        #expect(streams.place(of: "test:logged", [logged], rooms: [BattleRoom.spectators(of: id)]) == nil, "not the battle's room")
        #expect(streams.place(of: "battle:vote_update", [["battleId": .string(id)]], rooms: [BattleRoom.battle(id)]) == nil, "not logged")
        #expect(streams.place(of: "test:logged", [logged], rooms: [BattleRoom.battle("btl_other")]) == nil)
        let missing = await streams.missing(in: id, after: 1, before: 3)
        #expect(missing.map(\.seq) == [2])
        #expect(missing.first?.event == "test:logged" && missing.first?.arguments.first?["n"] == 2)
        #expect(missing.first?.rooms == [BattleRoom.battle(id)])
        #expect(missing.first?.exceptSocketIds == ["caught-up-connection"], "a client whose join caught it up gets no fill")
    }
}
