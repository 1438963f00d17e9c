import BattlePlugin
import Foundation
import HTTPTypes
import NIOCore
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

/// The `lobby` room: `lobby:join` lists the public battles, then `lobby:battle` brings every
/// creation, change of status or round, and change of presence, for public battles only.
@Suite struct LobbyTests {
    func ids(_ reply: JSONValue) -> [String] {
        reply["battles"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
    }

    @Test func joiningTheLobbyListsThePublicBattlesOnly() async throws {
        let f = try await BattleFixture.start()
        let watcher = try await f.connect(nil)
        let reply = try await watcher.emit("lobby:join", [:])
        #expect(reply["ok"] == true)
        #expect(ids(reply) == [f.publicBattle.id])
        let card = try #require(reply["battles"]?.arrayValue?.first)
        #expect(card["title"] == "Open")
        #expect(card["status"] == "LOBBY")
        #expect(card["spectators"] == 0)
        #expect(card["agentsOnline"] == [])
        #expect(card["participants"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["alpha", "beta"])
        #expect(ids(try await watcher.expect("lobby:connected")) == [f.publicBattle.id])
    }

    @Test func statusChangesOfPublicBattlesReachTheLobby() async throws {
        let f = try await BattleFixture.start()
        let watcher = try await f.connect(nil)
        _ = try await watcher.emit("lobby:join", [:])
        _ = try await f.battles.owners.run(f.privateBattle.id) { owner in try owner.setStatus(.inProgress, round: 1) }
        _ = try await f.battles.owners.run(f.publicBattle.id) { owner in try owner.setStatus(.inProgress, round: 2) }
        let update = try await watcher.expect("lobby:battle")
        // The private battle's change came first and was not announced: this is the public one.
        #expect(update["id"] == .string(f.publicBattle.id))
        #expect(update["status"] == "IN_PROGRESS")
        #expect(update["round"] == 2)
        #expect(!watcher.bufferedEventNames.contains("lobby:battle"))
    }

    @Test func presenceReachesTheLobby() async throws {
        let f = try await BattleFixture.start()
        let watcher = try await f.connect(nil)
        _ = try await watcher.emit("lobby:join", [:])
        let alpha = try await f.connect(f.alpha)
        _ = try await f.join(alpha, f.publicBattle)
        let present = try await watcher.expect("lobby:battle")
        #expect(present["agentsOnline"] == [.string(f.alpha.id)])
        #expect(present["spectators"] == 0)

        let spectator = try await f.connect(nil)
        _ = try await f.join(spectator, f.publicBattle)
        await f.arena.advanceClock(by: .seconds(1))
        #expect(try await watcher.expect("lobby:battle")["spectators"] == 1)
        // A client joining the lobby later sees the presence as last announced.
        let late = try await f.connect(nil)
        let card = try #require(try await late.emit("lobby:join", [:])["battles"]?.arrayValue?.first)
        #expect(card["spectators"] == 1)
        #expect(card["agentsOnline"] == [.string(f.alpha.id)])
    }

    @Test func aBattleCreatedOverHTTPAppearsInTheLobby() async throws {
        let f = try await BattleFixture.start()
        let watcher = try await f.connect(nil)
        _ = try await watcher.emit("lobby:join", [:])
        try await f.arena.withHTTP { http in
            for visibility in ["private", "public"] {
                let body = ByteBuffer(string: #"{"opponentId":"\#(f.beta.id)","title":"New \#(visibility)","visibility":"\#(visibility)"}"#)
                let created = try await http.execute(
                    uri: "/api/v1/battles", method: .post, headers: [.authorization: "Bearer \(f.alpha.apiKey)"], body: body)
                #expect(created.status == .created)
            }
        }
        let card = try await watcher.expect("lobby:battle")
        #expect(card["title"] == "New public")
        #expect(card["status"] == "LOBBY")
        #expect(!watcher.bufferedEventNames.contains("lobby:battle"))
    }
}
