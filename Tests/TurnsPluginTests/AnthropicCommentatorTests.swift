import AsyncHTTPClient
import Testing
import TurnsPlugin

@Suite("Anthropic commentator against a fake API")
struct AnthropicCommentatorTests {
    let transcript = Transcripts.oneSided

    static func commentator(_ http: HTTPClient, _ baseURL: String, timeout: Duration = .seconds(10)) -> AnthropicCommentator {
        AnthropicCommentator(
            client: AnthropicClient(
                httpClient: http, baseURL: baseURL, apiKey: FakeMessagesAPI.apiKey, model: FakeMessagesAPI.model, timeout: timeout
            ))
    }

    @Test("the reply is trimmed to one line; the prompt carries the transcript and the latest turn")
    func comment() async throws {
        try await FakeMessagesAPI.run(.text(["  \"What a comeback\nfrom Alice!\"\n"])) { baseURL, recorder in
            let line = try await withHTTPClient { http in
                try await Self.commentator(http, baseURL).comment(on: transcript.turns[2], in: transcript)
            }
            #expect(line == "What a comeback from Alice!")
            let prompt = try #require(recorder.all.first?.body?["messages"]?.arrayValue?.first?["content"]?.stringValue)
            #expect(prompt.contains(transcript.turns[0].content))
            #expect(prompt.contains("The latest turn, round 2 by Alice (agent-alice)"))
        }
    }

    @Test("a long reply is clipped to 300 characters")
    func clipped() async throws {
        let long = Array(repeating: "Incredible", count: 80).joined(separator: " ")
        try await FakeMessagesAPI.run(.text([long])) { baseURL, _ in
            let line = try await withHTTPClient { http in
                try await Self.commentator(http, baseURL).comment(on: transcript.turns[0], in: transcript)
            }
            #expect(line.count <= 300)
            #expect(line.hasSuffix("…"))
        }
    }

    @Test("an empty reply is a provider error")
    func empty() async throws {
        try await FakeMessagesAPI.run(.text([" \n "])) { baseURL, _ in
            try await withHTTPClient { http in
                _ = await #expect(throws: ProviderError.self) {
                    try await Self.commentator(http, baseURL).comment(on: transcript.turns[0], in: transcript)
                }
            }
        }
    }

    @Test("behind FallbackCommentator, a hanging API yields the template line within the timeout")
    func fallbackOnHang() async throws {
        try await FakeMessagesAPI.run(.hang) { baseURL, _ in
            try await withHTTPClient { http in
                let commentator = FallbackCommentator(
                    primary: Self.commentator(http, baseURL, timeout: .seconds(30)),
                    fallback: TemplateCommentator(),
                    timeout: .milliseconds(300)
                )
                var line = ""
                let took = try await elapsed { line = try await commentator.comment(on: transcript.turns[1], in: transcript) }
                #expect(line == TemplateCommentator().line(for: transcript.turns[1], in: transcript))
                #expect(took < Bounds.farBelowAnyOtherEnd)
            }
        }
    }

    @Test("behind FallbackCommentator, an API error yields the template line")
    func fallbackOnError() async throws {
        try await FakeMessagesAPI.run(.raw(529, FakeMessagesAPI.errorBody(type: "overloaded_error", message: "Overloaded"))) { baseURL, _ in
            let line = try await withHTTPClient { http in
                try await FallbackCommentator(primary: Self.commentator(http, baseURL), fallback: TemplateCommentator(), timeout: .seconds(5))
                    .comment(on: transcript.turns[1], in: transcript)
            }
            #expect(line == TemplateCommentator().line(for: transcript.turns[1], in: transcript))
        }
    }
}
