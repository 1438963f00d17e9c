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
}
