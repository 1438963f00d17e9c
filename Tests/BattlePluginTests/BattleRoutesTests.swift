import BattlePlugin
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

@Suite struct BattleRoutesTests {
    func json(_ response: TestResponse) throws -> JSONValue {
        try JSONParser.parse(String(buffer: response.body))
    }

    @Test func agentCreatesABattleAgainstAnOpponent() async throws {
        let f = try await BattleFixture.start()
        try await f.arena.withHTTP { http in
            let body = ByteBuffer(string: #"{"opponentId":"\#(f.beta.id)","title":"Duel","visibility":"private","rounds":4}"#)
            let created = try await http.execute(
                uri: "/api/v1/battles", method: .post, headers: [.authorization: "Bearer \(f.alpha.apiKey)"], body: body)
            #expect(created.status == .created)
            let battle = try json(created)
            #expect(battle["status"] == "LOBBY")
            #expect(battle["visibility"] == "private")
            #expect(battle["rounds"] == 4)
            #expect(battle["participants"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [f.alpha.id, f.beta.id])

            let unauthenticated = try await http.execute(uri: "/api/v1/battles", method: .post, headers: [:], body: body)
            #expect(unauthenticated.status == .unauthorized)
            let unknownOpponent = try await http.execute(
                uri: "/api/v1/battles", method: .post, headers: [.authorization: "Bearer \(f.alpha.apiKey)"],
                body: ByteBuffer(string: #"{"opponentId":"agt_nobody","title":"Duel"}"#)
            )
            #expect(unknownOpponent.status == .notFound)
        }
    }

    @Test(arguments: [#"nul\u0000byte"#, #"two\nlines"#, #"evil\u202Etxt"#, #"iso\u2066late"#, "   "])
    func titlesWithControlCharactersOrBidiOverridesAreRefused(title: String) async throws {
        let f = try await BattleFixture.start()
        try await f.arena.withHTTP { http in
            let refused = try await http.execute(
                uri: "/api/v1/battles", method: .post, headers: [.authorization: "Bearer \(f.alpha.apiKey)"],
                body: ByteBuffer(string: #"{"opponentId":"\#(f.beta.id)","title":"\#(title)"}"#))
            #expect(refused.status == .badRequest)
            #expect(try json(refused)["error"]?["code"] == "INVALID_PAYLOAD")
            #expect(try json(refused)["error"]?["message"]?.stringValue?.hasPrefix("title ") == true)
        }
    }

    @Test func battleCreationIsLimitedPerAgent() async throws {
        let f = try await BattleFixture.start("[connection]\n[battle]\ncreations_per_agent = 3\ncreation_window_seconds = 60\n")
        try await f.arena.withHTTP { http in
            func create(_ key: String, against opponent: String) async throws -> TestResponse {
                try await http.execute(
                    uri: "/api/v1/battles", method: .post, headers: [.authorization: "Bearer \(key)"],
                    body: ByteBuffer(string: #"{"opponentId":"\#(opponent)","title":"Duel"}"#))
            }
            for _ in 0..<3 { #expect(try await create(f.alpha.apiKey, against: f.beta.id).status == .created) }
            let refused = try await create(f.alpha.apiKey, against: f.beta.id)
            #expect(refused.status == .tooManyRequests)
            #expect(try json(refused)["error"]?["code"] == "RATE_LIMITED")
            // Another agent has its own budget; alpha's comes back as the window passes.
            #expect(try await create(f.beta.apiKey, against: f.alpha.id).status == .created)
            await f.arena.advanceClock(by: .seconds(20))
            #expect(try await create(f.alpha.apiKey, against: f.beta.id).status == .created)
            #expect(try await create(f.alpha.apiKey, against: f.beta.id).status == .tooManyRequests)
        }
    }

    @Test func battleCreationCanBeLeftToTheOperator() async throws {
        let f = try await BattleFixture.start("[connection]\n[battle]\ncreation = \"closed\"\n")
        try await f.arena.withHTTP { http in
            let refused = try await http.execute(
                uri: "/api/v1/battles", method: .post, headers: [.authorization: "Bearer \(f.alpha.apiKey)"],
                body: ByteBuffer(string: #"{"opponentId":"\#(f.beta.id)","title":"Duel"}"#))
            #expect(refused.status == .forbidden)
            #expect(try json(refused)["error"]?["code"] == "BATTLE_CREATION_CLOSED")
        }
    }

    @Test func privateBattlesAreNotFoundForOthers() async throws {
        let f = try await BattleFixture.start()
        try await f.arena.withHTTP { http in
            let uri = "/api/v1/battles/\(f.privateBattle.id)"
            #expect(try await http.execute(uri: uri, method: .get, headers: [:], body: nil).status == .notFound)
            #expect(
                try await http.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(f.outsider.apiKey)"], body: nil).status
                    == .notFound)
            let participant = try await http.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(f.beta.apiKey)"], body: nil)
            #expect(participant.status == .ok)
            #expect(try json(participant)["id"] == .string(f.privateBattle.id))
            let open = try await http.execute(uri: "/api/v1/battles/\(f.publicBattle.id)", method: .get, headers: [:], body: nil)
            #expect(try json(open)["title"] == "Open")
            let missing = try await http.execute(uri: "/api/v1/battles/btl_missing", method: .get, headers: [:], body: nil)
            #expect(try json(missing)["error"]?["code"] == "BATTLE_NOT_FOUND")
        }
    }

    @Test func listingShowsPublicBattlesByStatus() async throws {
        let f = try await BattleFixture.start()
        _ = try await f.battles.owners.run(f.publicBattle.id) { owner in try owner.setStatus(.inProgress, round: 1) }
        try await f.arena.withHTTP { http in
            let lobby = try json(try await http.execute(uri: "/api/v1/battles?status=LOBBY", method: .get, headers: [:], body: nil))
            #expect(lobby["battles"] == [])
            let running = try json(try await http.execute(uri: "/api/v1/battles?status=IN_PROGRESS", method: .get, headers: [:], body: nil))
            #expect(running["battles"]?.arrayValue?.map { $0["id"] } == [.string(f.publicBattle.id)])
            let all = try json(try await http.execute(uri: "/api/v1/battles", method: .get, headers: [:], body: nil))
            #expect(all["battles"]?.arrayValue?.count == 1)
            let bad = try await http.execute(uri: "/api/v1/battles?status=SLEEPING", method: .get, headers: [:], body: nil)
            #expect(bad.status == .badRequest)
            let metrics = String(buffer: try await http.execute(uri: "/metrics", method: .get, headers: [:], body: nil).body)
            #expect(metrics.contains(#"moltarena_battles{status="IN_PROGRESS"} 1"#))
            #expect(metrics.contains(#"moltarena_battles{status="LOBBY"} 1"#))
        }
    }
}
