import BattlePlugin
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing
import TurnsPlugin

@Suite struct PlaceholderModeTests {
    @Test func aParticipantInTheRoomSubmitsWithoutRules() async throws {
        let f = try await TurnsFixture.start(turns: "mode = \"placeholder\"\nrate_limit_seconds = 10\nmax_turn_chars = 20\n", join: false)
        _ = try await f.join(f.beta)
        #expect(try await f.submit(f.alpha, "not in the room")["error"]?["code"] == "NOT_PARTICIPANT")
        _ = try await f.join(f.alpha)
        #expect(try f.status() == .lobby)  // no state machine: nothing starts
        let accepted = try await f.submit(f.alpha, "anything goes")
        #expect(accepted["ok"] == true)
        #expect(try await f.beta.expect("battle:turn")["content"] == "anything goes")
        #expect(try await f.submit(f.alpha, "again")["error"]?["code"] == "RATE_LIMITED")
        #expect(try await f.submit(f.beta, String(repeating: "y", count: 21))["error"]?["code"] == "CONTENT_TOO_LONG")
        #expect(try await f.beta.emit("battle:submit_turn", ["content": "x"])["error"]?["code"] == "INVALID_PAYLOAD")
    }
}
