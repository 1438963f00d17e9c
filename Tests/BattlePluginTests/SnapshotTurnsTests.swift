import BattlePlugin
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

/// The snapshot carries a battle's newest turns only (`[battle] snapshot_turns`), says how many
/// there are and where its run starts, and `GET /api/v1/battles/{id}/turns` pages through the rest.
@Suite struct SnapshotTurnsTests {
    static let manyTurns = "[connection]\n[battle]\n[manyturns]\n"

    func json(_ response: TestResponse) throws -> JSONValue {
        try JSONParser.parse(String(buffer: response.body))
    }

    func ids(_ value: JSONValue?) -> [String] {
        value?["turns"]?.arrayValue?.compactMap { $0["turnId"]?.stringValue } ?? []
    }

    func expected(_ range: Range<Int>) -> [String] { range.map { "t\($0)" } }

    @Test func theSnapshotCarriesTheNewestFiftyTurnsByDefault() async throws {
        let f = try await BattleFixture.start(Self.manyTurns)
        try await f.arena.withHTTP { http in
            let snapshot = try json(try await http.execute(uri: "/api/v1/battles/\(f.publicBattle.id)", method: .get, headers: [:], body: nil))
            #expect(ids(snapshot) == expected(70..<120))
            #expect(snapshot["turnsFrom"] == 70)
            #expect(snapshot["turnsTotal"] == 120)
        }
        // The join frame is the same snapshot.
        let reply = try await f.join(try await f.connect(nil), f.publicBattle)
        #expect(ids(reply["battle"]) == expected(70..<120))
        #expect(reply["battle"]?["turnsFrom"] == 70)
        #expect(reply["battle"]?["turnsTotal"] == 120)
    }

    @Test func theBoundIsTheOperatorsAndABattleWithinItIsWhole() async throws {
        let f = try await BattleFixture.start("[connection]\n[battle]\nsnapshot_turns = 500\n[manyturns]\n")
        let whole = try #require(try f.battles.snapshot(f.publicBattle.id))
        #expect(ids(whole) == expected(0..<120))
        #expect(whole["turnsFrom"] == 0)
        #expect(whole["turnsTotal"] == 120)

        let few = try await BattleFixture.start("[connection]\n[battle]\n[sections]\n")
        let short = try #require(try few.battles.snapshot(few.publicBattle.id))
        #expect(ids(short) == ["t1"])
        #expect(short["turnsFrom"] == 0)
        #expect(short["turnsTotal"] == 1)

        let none = try await BattleFixture.start()
        let empty = try #require(try none.battles.snapshot(none.publicBattle.id))
        #expect(empty["turns"] == [])
        #expect(empty["turnsFrom"] == 0)
        #expect(empty["turnsTotal"] == 0)
    }

    @Test func pagingBackFromTheSnapshotYieldsEveryTurnOnceInOrder() async throws {
        let f = try await BattleFixture.start("[connection]\n[battle]\nsnapshot_turns = 7\n[manyturns]\n")
        try await f.arena.withHTTP { http in
            let base = "/api/v1/battles/\(f.publicBattle.id)"
            let snapshot = try json(try await http.execute(uri: base, method: .get, headers: [:], body: nil))
            var seen = ids(snapshot)
            var before = try #require(snapshot["turnsFrom"]?.intValue)
            #expect(before == 113)
            while before > 0 {
                let page = try json(try await http.execute(uri: "\(base)/turns?before=\(before)&limit=30", method: .get, headers: [:], body: nil))
                #expect(page["battleId"] == .string(f.publicBattle.id))
                #expect(page["turnsTotal"] == 120)
                let from = try #require(page["turnsFrom"]?.intValue)
                #expect(from == max(0, before - 30))
                seen = ids(page) + seen
                before = from
            }
            #expect(seen == expected(0..<120))
        }
    }

    @Test func pagesForwardFromAnIndexAndClampToTheTurnsThereAre() async throws {
        let f = try await BattleFixture.start(Self.manyTurns)
        try await f.arena.withHTTP { http in
            let base = "/api/v1/battles/\(f.publicBattle.id)/turns"
            func page(_ query: String) async throws -> JSONValue {
                let response = try await http.execute(uri: base + query, method: .get, headers: [:], body: nil)
                #expect(response.status == .ok)
                return try json(response)
            }
            #expect(ids(try await page("?from=0&limit=100")) == expected(0..<100))
            let tail = try await page("?from=100&limit=100")
            #expect(ids(tail) == expected(100..<120))
            #expect(tail["turnsFrom"] == 100)
            let past = try await page("?from=500")
            #expect(ids(past) == [])
            #expect(past["turnsFrom"] == 120)
            let newest = try await page("")
            #expect(ids(newest) == expected(70..<120))
            #expect(newest["turnsFrom"] == 70)
            #expect(ids(try await page("?before=3")) == expected(0..<3))
            #expect(ids(try await page("?before=0")) == [])
            #expect(ids(try await page("?before=1000&limit=2")) == expected(118..<120))
        }
    }

    @Test(arguments: ["?limit=0", "?limit=101", "?limit=ten", "?before=-1", "?from=x", "?from=1.5", "?before=5&from=1"])
    func badParametersAreInvalidPayload(query: String) async throws {
        let f = try await BattleFixture.start(Self.manyTurns)
        try await f.arena.withHTTP { http in
            let refused = try await http.execute(uri: "/api/v1/battles/\(f.publicBattle.id)/turns\(query)", method: .get, headers: [:], body: nil)
            #expect(refused.status == .badRequest)
            #expect(try json(refused)["error"]?["code"] == "INVALID_PAYLOAD")
        }
    }

    @Test func aPrivateBattlesTurnsAreForItsParticipantsOnly() async throws {
        let f = try await BattleFixture.start(Self.manyTurns)
        try await f.arena.withHTTP { http in
            let uri = "/api/v1/battles/\(f.privateBattle.id)/turns?from=0&limit=5"
            let anonymous = try await http.execute(uri: uri, method: .get, headers: [:], body: nil)
            #expect(anonymous.status == .notFound)
            #expect(try json(anonymous)["error"]?["code"] == "BATTLE_NOT_FOUND")
            let outsider = try await http.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(f.outsider.apiKey)"], body: nil)
            #expect(outsider.status == .notFound)
            let participant = try await http.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(f.alpha.apiKey)"], body: nil)
            #expect(participant.status == .ok)
            #expect(ids(try json(participant)) == expected(0..<5))
            let missing = try await http.execute(uri: "/api/v1/battles/btl_missing/turns", method: .get, headers: [:], body: nil)
            #expect(missing.status == .notFound)
            #expect(try json(missing)["error"]?["code"] == "BATTLE_NOT_FOUND")
        }
    }

    func indexes(_ range: TurnsRange, total: Int) -> [Int] {
        let (from, count) = range.indexes(total: total)
        return [from, count]
    }

    @Test func theRangeRuleClampsToTheTurnsThereAre() {
        #expect(indexes(TurnsRange(.before(nil), limit: 50), total: 120) == [70, 50])
        #expect(indexes(TurnsRange(.before(nil), limit: 50), total: 20) == [0, 20])
        #expect(indexes(TurnsRange(.before(30), limit: 50), total: 120) == [0, 30])
        #expect(indexes(TurnsRange(.before(200), limit: 10), total: 120) == [110, 10])
        #expect(indexes(TurnsRange(.from(115), limit: 10), total: 120) == [115, 5])
        #expect(indexes(TurnsRange(.from(130), limit: 10), total: 120) == [120, 0])
        #expect(indexes(TurnsRange(.before(nil), limit: 5), total: 0) == [0, 0])
    }
}

/// `[battle] max_rounds`: how many rounds a battle created over HTTP may have.
@Suite struct MaxRoundsTests {
    func create(_ f: BattleFixture, _ http: any TestClientProtocol, rounds: Int) async throws -> (HTTPResponse.Status, JSONValue) {
        let response = try await http.execute(
            uri: "/api/v1/battles", method: .post, headers: [.authorization: "Bearer \(f.alpha.apiKey)"],
            body: ByteBuffer(string: #"{"opponentId":"\#(f.beta.id)","title":"Long","rounds":\#(rounds)}"#))
        return (response.status, try JSONParser.parse(String(buffer: response.body)))
    }

    @Test func fiftyRoundsAtMostByDefault() async throws {
        let f = try await BattleFixture.start()
        try await f.arena.withHTTP { http in
            #expect(try await create(f, http, rounds: 50).0 == .created)
            let (status, refused) = try await create(f, http, rounds: 51)
            #expect(status == .badRequest)
            #expect(refused["error"]?["code"] == "INVALID_PAYLOAD")
            #expect(refused["error"]?["message"] == "rounds must be between 1 and 50")
        }
    }

    @Test func theOperatorMayAllowLongerBattles() async throws {
        let f = try await BattleFixture.start("[connection]\n[battle]\nmax_rounds = 500\n")
        try await f.arena.withHTTP { http in
            let (status, created) = try await create(f, http, rounds: 500)
            #expect(status == .created)
            #expect(created["rounds"] == 500)
            let (refusedStatus, refused) = try await create(f, http, rounds: 501)
            #expect(refusedStatus == .badRequest)
            #expect(refused["error"]?["message"] == "rounds must be between 1 and 500")
            #expect(try await create(f, http, rounds: 0).0 == .badRequest)
        }
    }

    @Test(arguments: ["max_rounds = 0", "max_rounds = 10001", "snapshot_turns = 0"])
    func outOfRangeOptionsAreRefusedAtStart(option: String) async throws {
        await #expect(throws: (any Error).self) {
            _ = try await BattleFixture.start("[connection]\n[battle]\n\(option)\n")
        }
    }
}
