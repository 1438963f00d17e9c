import AsyncHTTPClient
import Testing
import TurnsPlugin

@Suite("Anthropic judge against a fake API")
struct AnthropicJudgeTests {
    let transcript = Transcripts.oneSided

    static func judge(_ http: HTTPClient, _ baseURL: String, timeout: Duration = .seconds(10)) -> AnthropicJudge {
        AnthropicJudge(
            client: AnthropicClient(
                httpClient: http, baseURL: baseURL, apiKey: FakeMessagesAPI.apiKey, model: FakeMessagesAPI.model, timeout: timeout
            ))
    }

    @Test("a JSON verdict in the reply becomes the result; the prompt carries the battle")
    func validVerdict() async throws {
        let reply = """
            Here is my verdict:
            ```json
            {"scores":{"agent-alice":8.5,"agent-bob":2},"winnerId":"agent-alice","rationale":"Alice engaged; Bob only said nope."}
            ```
            """
        try await FakeMessagesAPI.run(.text([reply])) { baseURL, recorder in
            let result = try await withHTTPClient { http in
                try await Self.judge(http, baseURL).judge(transcript)
            }
            #expect(
                result
                    == JudgeResult(
                        scores: ["agent-alice": 8.5, "agent-bob": 2],
                        winnerId: "agent-alice",
                        rationale: "Alice engaged; Bob only said nope.",
                        judge: "anthropic"
                    ))
            let body = try #require(recorder.all.first?.body)
            #expect(body["system"]?.stringValue?.contains("ONLY a JSON object") == true)
            let prompt = try #require(body["messages"]?.arrayValue?.first?["content"]?.stringValue)
            #expect(prompt.contains("agent-alice: Alice"))
            #expect(prompt.contains("agent-bob: Bob"))
            let positions = transcript.turns.map { turn in prompt.range(of: turn.content)?.lowerBound }
            #expect(positions.allSatisfy { $0 != nil })
            #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        }
    }

    @Test(
        "replies that are not a fitting verdict are provider errors",
        arguments: [
            "I think Alice won, clearly.",
            #"{"scores":{"agent-alice":12,"agent-bob":2},"winnerId":"agent-alice","rationale":"r"}"#,
            #"{"scores":{"agent-alice":8,"agent-bob":2},"winnerId":"agent-mallory","rationale":"r"}"#,
        ])
    func unfitReply(reply: String) async throws {
        try await FakeMessagesAPI.run(.text([reply])) { baseURL, _ in
            try await withHTTPClient { http in
                let error = await #expect(throws: ProviderError.self) {
                    try await Self.judge(http, baseURL).judge(transcript)
                }
                #expect(error?.provider == "anthropic")
            }
        }
    }

    @Test("an overloaded API is a provider error")
    func overloaded() async throws {
        try await FakeMessagesAPI.run(.raw(529, FakeMessagesAPI.errorBody(type: "overloaded_error", message: "Overloaded"))) { baseURL, _ in
            try await withHTTPClient { http in
                _ = await #expect(throws: ProviderError.self) {
                    try await Self.judge(http, baseURL).judge(transcript)
                }
            }
        }
    }

    @Test("behind FallbackJudge, a hanging API yields the heuristic verdict within the timeout")
    func fallbackOnHang() async throws {
        try await FakeMessagesAPI.run(.hang) { baseURL, _ in
            try await withHTTPClient { http in
                // The client's own timeout is long: the fallback's must be the one that bounds.
                let judge = FallbackJudge(
                    primary: Self.judge(http, baseURL, timeout: .seconds(30)), fallback: HeuristicJudge(), timeout: .milliseconds(300))
                var result: JudgeResult?
                let took = try await elapsed { result = try await judge.judge(transcript) }
                var expected = HeuristicJudge().verdict(on: transcript)
                expected.judge = "heuristic (fallback)"
                #expect(result == expected)
                #expect(took < Bounds.farBelowAnyOtherEnd)
            }
        }
    }

    @Test(
        "behind FallbackJudge, an API error or unusable reply yields the heuristic verdict",
        arguments: [
            FakeMessagesAPI.Answer.raw(500, FakeMessagesAPI.errorBody(type: "api_error", message: "Internal server error")),
            .raw(200, "{not json"),
            .text(["No JSON here."]),
            .text([#"{"scores":{"agent-alice":80,"agent-bob":2},"winnerId":"agent-alice","rationale":"r"}"#]),
            .text([#"{"scores":{"agent-alice":8,"agent-bob":2},"winnerId":"agent-zed","rationale":"r"}"#]),
        ])
    func fallbackOnFailure(answer: FakeMessagesAPI.Answer) async throws {
        try await FakeMessagesAPI.run(answer) { baseURL, _ in
            let result = try await withHTTPClient { http in
                try await FallbackJudge(primary: Self.judge(http, baseURL), fallback: HeuristicJudge(), timeout: .seconds(5)).judge(transcript)
            }
            #expect(result.judge == "heuristic (fallback)")
            #expect(result.winnerId == Transcripts.alice.id)
        }
    }

    @Test("behind FallbackJudge, a valid verdict is used as is")
    func noFallbackWhenValid() async throws {
        let reply = #"{"scores":{"agent-alice":4,"agent-bob":6},"winnerId":"agent-bob","rationale":"Brevity wins."}"#
        try await FakeMessagesAPI.run(.text([reply])) { baseURL, _ in
            let result = try await withHTTPClient { http in
                try await FallbackJudge(primary: Self.judge(http, baseURL), fallback: HeuristicJudge(), timeout: .seconds(5)).judge(transcript)
            }
            #expect(result.judge == "anthropic")
            #expect(result.winnerId == Transcripts.bob.id)
        }
    }
}
