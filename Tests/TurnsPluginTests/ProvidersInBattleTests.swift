import BattlePlugin
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing
import TurnsPlugin

/// The providers inside a real battle: speech reaches clients as `battle:audio` and is served
/// over HTTP; a hanging AI service never stalls the battle.
@Suite struct ProvidersInBattleTests {
    @Test func speechIsStoredServedAndAnnouncedWithoutHoldingTheTurnBack() async throws {
        let audio: [UInt8] = Array("ID3-fake-mp3-bytes".utf8)
        setenv("MOLTARENA_TEST_SPEECH_KEY", "test-key", 1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("audio-\(UUID().uuidString)").path
        try await FakeHTTPServer.run(configure: { router, _ in
            router.post("/v1/speak") { _, _ in
                Response(status: .ok, headers: [.contentType: "audio/mpeg"], body: .init(byteBuffer: ByteBuffer(bytes: audio)))
            }
        }) { baseURL in
            let f = try await TurnsFixture.start(
                turns: """
                    countdown_seconds = 0
                    rate_limit_seconds = 0
                    speech = "deepgram"
                    deepgram_base_url = "\(baseURL)"
                    deepgram_api_key_env = "MOLTARENA_TEST_SPEECH_KEY"
                    audio_dir = "\(directory)"
                    """)
            _ = try await f.alpha.expect("battle:your_turn")
            let accepted = try await f.submit(f.alpha, "Hear me out.")
            let turnId = try #require(accepted["turnId"]?.stringValue)
            let announced = try await f.beta.expect("battle:audio", timeout: .seconds(10))
            #expect(announced["turnId"] == .string(turnId))
            let url = try #require(announced["audioUrl"]?.stringValue)
            #expect(url == "/audio/\(turnId).mp3")
            try await f.arena.withHTTP { http in
                let served = try await http.execute(uri: url, method: .get, headers: [:], body: nil)
                #expect(served.status == .ok)
                #expect(Array(served.body.readableBytesView) == audio)
                #expect(try await http.execute(uri: "/audio/..%2Fplugins.conf", method: .get, headers: [:], body: nil).status == .notFound)
            }
            let snapshot = try #require(try f.battles.snapshot(f.battle.id))
            #expect(snapshot["turns"]?.arrayValue?.first?["audioUrl"] == .string(url))
        }
    }

    @Test func aHangingAIServiceNeverStallsTheBattle() async throws {
        try await FakeHTTPServer.hangingMessagesAPI { baseURL in
            let f = try await TurnsFixture.start(
                turns: """
                    countdown_seconds = 0
                    rate_limit_seconds = 0
                    judge = "anthropic"
                    commentator = "anthropic"
                    anthropic_base_url = "\(baseURL)"
                    anthropic_api_key_env = "MOLTARENA_TEST_ANTHROPIC_KEY"
                    provider_timeout_seconds = 0.3
                    """, rounds: 1)
            _ = try await f.alpha.expect("battle:your_turn")
            _ = try await f.submit(f.alpha, "First.")
            _ = try await f.submit(f.beta, "Second.")
            let commentary = try await f.alpha.expect("battle:commentary", timeout: .seconds(10))
            #expect(commentary["text"]?.stringValue?.isEmpty == false)
            let results = try await f.alpha.expect("battle:results", timeout: .seconds(10))
            #expect(results["judge"]?["judge"]?.stringValue?.contains("fallback") == true)
            #expect(try f.status() == .completed)
        }
    }
}
