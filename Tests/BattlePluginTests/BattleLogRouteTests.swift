import BattlePlugin
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

/// `GET /api/v1/battles/{id}/log`: a battle's logged events for replays, visible like the
/// snapshot (private battles only to their participants).
@Suite struct BattleLogRouteTests {
    func json(_ response: TestResponse) throws -> JSONValue {
        try JSONParser.parse(String(buffer: response.body))
    }

    @Test func theLogListsEveryLoggedEventInOrderWithItsTime() async throws {
        let f = try await BattleFixture.start()
        let alpha = try await f.connect(f.alpha)
        for n in 1...3 { _ = try await alpha.emit("test:log", ["battleId": .string(f.publicBattle.id), "n": .int(Int64(n))]) }
        _ = try await f.battles.owners.run(f.publicBattle.id) { owner in try owner.setStatus(.starting, round: 0) }
        try await f.arena.withHTTP { http in
            let response = try await http.execute(uri: "/api/v1/battles/\(f.publicBattle.id)/log", method: .get, headers: [:], body: nil)
            #expect(response.status == .ok)
            let log = try json(response)
            #expect(log["battleId"] == .string(f.publicBattle.id))
            #expect(log["seq"] == 4)
            let events = try #require(log["events"]?.arrayValue)
            #expect(events.compactMap { $0["event"]?.stringValue } == ["test:logged", "test:logged", "test:logged", "battle:state"])
            #expect(events.compactMap { $0["data"]?["seq"]?.intValue } == [1, 2, 3, 4])
            #expect(events[1]["data"]?["n"] == 2)
            #expect(events[3]["data"]?["status"] == "STARTING")
            #expect(events[0]["loggedAt"] == .string(ArenaJSON.formatDate(ArenaTestHarness.startDate)))
        }
    }

    @Test func privateLogsAreOnlyForParticipants() async throws {
        let f = try await BattleFixture.start()
        try await f.arena.withHTTP { http in
            let uri = "/api/v1/battles/\(f.privateBattle.id)/log"
            #expect(try await http.execute(uri: uri, method: .get, headers: [:], body: nil).status == .notFound)
            let outsider = try await http.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(f.outsider.apiKey)"], body: nil)
            #expect(outsider.status == .notFound)
            #expect(try json(outsider)["error"]?["code"] == "BATTLE_NOT_FOUND")
            let participant = try await http.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(f.alpha.apiKey)"], body: nil)
            #expect(participant.status == .ok)
            #expect(try json(participant)["events"] == [])
            #expect(try await http.execute(uri: "/api/v1/battles/btl_missing/log", method: .get, headers: [:], body: nil).status == .notFound)
        }
    }
}
