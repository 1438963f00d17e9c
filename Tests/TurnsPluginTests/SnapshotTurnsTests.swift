import BattlePlugin
import Foundation
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing
import TurnsPlugin

/// The Turns plugin's share of the snapshot: the newest accepted turns, counted and paged by
/// index in the order they were accepted, whatever turns were missed between them.
@Suite struct TurnsSnapshotSectionTests {
    func contents(_ turns: [JSONValue]?) -> [String] {
        turns?.compactMap { $0["content"]?.stringValue } ?? []
    }

    @Test func aLateJoinerGetsTheNewestTurnsAndPagesBackThroughTheRest() async throws {
        let f = try await TurnsFixture.start(
            turns: "countdown_seconds = 0\nturn_seconds = 30\nrate_limit_seconds = 0\n", battle: "snapshot_turns = 3\n", rounds: 4, join: false)
        let watcher = try await f.arena.connect()
        _ = try await f.join(watcher)
        _ = try await f.join(f.alpha)
        _ = try await f.join(f.beta)
        _ = try await watcher.expect("battle:turn_open")
        #expect(try await f.submit(f.alpha, "a1")["ok"] == true)
        await f.arena.advanceClock(by: .seconds(30))  // beta misses its first turn
        _ = try await watcher.expect("battle:turn_skipped")
        _ = try await watcher.expect("battle:turn_open")  // beta's, skipped
        #expect(try await watcher.expect("battle:turn_open")["agentId"] == .string(f.alphaAgent.id))
        for content in ["a2", "b2", "a3", "b3", "a4", "b4"] {
            #expect(try await f.submit(content.hasPrefix("a") ? f.alpha : f.beta, content)["ok"] == true)
        }
        _ = try await watcher.expect("battle:ended")

        let late = try await f.arena.connect()
        let snapshot = try #require(try await f.join(late)["battle"])
        #expect(contents(snapshot["turns"]?.arrayValue) == ["b3", "a4", "b4"])
        #expect(snapshot["turnsFrom"] == 4)
        #expect(snapshot["turnsTotal"] == 7)

        let earlier = try #require(try f.battles.turns(f.battle.id, TurnsRange(.before(4), limit: 100)))
        #expect(earlier.from == 0)
        #expect(earlier.total == 7)
        #expect(earlier.turns.map(\.content) == ["a1", "a2", "b2", "a3"])
        #expect(earlier.turns.map(\.round) == [1, 2, 2, 3])
        let middle = try #require(try f.battles.turns(f.battle.id, TurnsRange(.from(2), limit: 2)))
        #expect(middle.turns.map(\.content) == ["b2", "a3"])
    }
}
