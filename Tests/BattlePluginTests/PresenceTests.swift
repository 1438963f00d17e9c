import BattlePlugin
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

@Suite struct PresenceTests {
    @Test func spectatorsAreCountedAtMostOnceASecond() async throws {
        let f = try await BattleFixture.start()
        let alpha = try await f.connect(f.alpha)
        _ = try await f.join(alpha, f.publicBattle)
        let first = try await alpha.expect("battle:presence")
        #expect(first == ["battleId": .string(f.publicBattle.id), "agentsOnline": [.string(f.alpha.id)], "spectators": 0])

        for _ in 0..<5 {
            let spectator = try await f.connect(nil)
            _ = try await f.join(spectator, f.publicBattle)
        }
        // Within the second after the last announcement nothing more is sent...
        _ = try await f.join(alpha, f.publicBattle)
        #expect(!alpha.bufferedEventNames.contains("battle:presence"))
        // ...and once it has passed, one announcement carries the final count.
        await f.arena.advanceClock(by: .seconds(1))
        #expect(try await alpha.expect("battle:presence")["spectators"] == 5)
        _ = try await f.join(alpha, f.publicBattle)
        #expect(!alpha.bufferedEventNames.contains("battle:presence"))
    }

    @Test func spectatorsAreNotAnnouncedOneByOne() async throws {
        let f = try await BattleFixture.start()
        let alpha = try await f.connect(f.alpha)
        _ = try await f.join(alpha, f.publicBattle)
        let spectator = try await f.connect(nil)
        _ = try await f.join(spectator, f.publicBattle)
        _ = try await f.join(alpha, f.publicBattle)
        #expect(!alpha.bufferedEventNames.contains("battle:participant_joined"))
    }

    @Test func aFloodOfJoinsAndLeavesIsAnnouncedAsItsNetChange() async throws {
        // The join budget out of the way: this floods through it on purpose.
        let f = try await BattleFixture.start("[connection]\n[battle]\njoins_per_10_seconds = 100000\n[logwriter]\n")
        let watchers = try await (0..<3).asyncMap { _ in try await f.connect(nil) }
        for watcher in watchers { _ = try await f.join(watcher, f.publicBattle) }
        let alpha = try await f.connect(f.alpha)
        let leave: JSONValue = ["battleId": .string(f.publicBattle.id)]
        for _ in 0..<2_000 {
            _ = try await f.join(alpha, f.publicBattle)
            #expect(try await alpha.emit("battle:leave", leave)["ok"] == true)
        }
        // The first arrival is announced at once; the rest, within the interval, only as their
        // net change once it has passed: alpha is gone again.
        await f.arena.advanceClock(by: .seconds(1))
        for watcher in watchers {
            _ = try await watcher.expect("battle:participant_left")
            _ = try await f.join(watcher, f.publicBattle)  // a round trip behind any other announcement
            let names = watcher.drainEvents().map(\.name).filter { $0.hasPrefix("battle:participant_") }
            #expect(names == ["battle:participant_joined"])
        }
        // A join followed by a leave within one interval announces nothing.
        _ = try await f.join(alpha, f.publicBattle)
        #expect(try await alpha.emit("battle:leave", leave)["ok"] == true)
        await f.arena.advanceClock(by: .seconds(1))
        _ = try await f.join(watchers[0], f.publicBattle)
        #expect(!watchers[0].drainEvents().contains { $0.name.hasPrefix("battle:participant_") })
    }
}

extension Range where Bound == Int {
    fileprivate func asyncMap<T>(_ transform: (Int) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for index in self { results.append(try await transform(index)) }
        return results
    }
}
