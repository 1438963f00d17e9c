import AsyncHTTPClient
import Testing
import TurnsPlugin

@Suite("Anthropic Messages client against a fake API")
struct AnthropicClientTests {
    static func client(_ http: HTTPClient, _ baseURL: String, timeout: Duration = .seconds(10), maxResponseBytes: Int = 1 << 20) -> AnthropicClient {
        AnthropicClient(
            httpClient: http,
            baseURL: baseURL,
            apiKey: FakeMessagesAPI.apiKey,
            model: FakeMessagesAPI.model,
            timeout: timeout,
            maxResponseBytes: maxResponseBytes
        )
    }

    @Test("sends the Messages request and returns the text blocks joined")
    func validAnswer() async throws {
        try await FakeMessagesAPI.run(.text(["Hello", ", world"])) { baseURL, recorder in
            try await withHTTPClient { http in
                let text = try await Self.client(http, baseURL + "/").complete(system: "Be brief.", prompt: "Say hello.", maxTokens: 64)
                #expect(text == "Hello, world")
            }
            let request = try #require(recorder.all.first)
            #expect(recorder.all.count == 1)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/messages")
            #expect(request.header("x-api-key") == FakeMessagesAPI.apiKey)
            #expect(request.header("anthropic-version") == "2023-06-01")
            #expect(request.header("content-type") == "application/json")
            let body = try #require(request.body)
            #expect(body["model"]?.stringValue == FakeMessagesAPI.model)
            #expect(body["max_tokens"]?.intValue == 64)
            #expect(body["system"]?.stringValue == "Be brief.")
            let messages = try #require(body["messages"]?.arrayValue)
            #expect(messages.count == 1)
            #expect(messages.first?["role"]?.stringValue == "user")
            #expect(messages.first?["content"]?.stringValue == "Say hello.")
        }
    }

    @Test(
        "API errors become provider errors naming the error type",
        arguments: [
            (529, "overloaded_error", "Overloaded"),
            (500, "api_error", "Internal server error"),
            (401, "authentication_error", "invalid x-api-key"),
        ])
    func apiError(status: Int, type: String, message: String) async throws {
        let body = FakeMessagesAPI.errorBody(type: type, message: message)
        try await FakeMessagesAPI.run(.raw(status, body)) { baseURL, _ in
            try await withHTTPClient { http in
                let error = await #expect(throws: ProviderError.self) {
                    try await Self.client(http, baseURL).complete(system: "s", prompt: "p", maxTokens: 10)
                }
                #expect(error?.provider == "anthropic")
                #expect(error?.reason.contains("HTTP \(status)") == true)
                #expect(error?.reason.contains(type) == true)
            }
        }
    }

    @Test("a wrong key is refused by the API and reported")
    func wrongKey() async throws {
        try await FakeMessagesAPI.run(.text(["never"])) { baseURL, _ in
            try await withHTTPClient { http in
                let client = AnthropicClient(httpClient: http, baseURL: baseURL, apiKey: "wrong", model: "m", timeout: .seconds(10))
                let error = await #expect(throws: ProviderError.self) {
                    try await client.complete(system: "s", prompt: "p", maxTokens: 10)
                }
                #expect(error?.reason.contains("authentication_error") == true)
            }
        }
    }

    @Test(
        "malformed or unexpected answers become provider errors",
        arguments: [
            #"{"type":"message","content":[{"type":"text","te"#,
            "<html>Bad gateway</html>",
            #"{"type":"message","content":[]}"#,
            #"{"type":"message","content":[{"type":"tool_use","id":"x","name":"n","input":{}}]}"#,
            #"{"type":"error","error":{"type":"api_error","message":"surprise"}}"#,
        ])
    func malformed(body: String) async throws {
        try await FakeMessagesAPI.run(.raw(200, body)) { baseURL, _ in
            try await withHTTPClient { http in
                _ = await #expect(throws: ProviderError.self) {
                    try await Self.client(http, baseURL).complete(system: "s", prompt: "p", maxTokens: 10)
                }
            }
        }
    }

    @Test("a body larger than the limit is refused")
    func oversized() async throws {
        try await FakeMessagesAPI.run(.text([String(repeating: "x", count: 4096)])) { baseURL, _ in
            try await withHTTPClient { http in
                let error = await #expect(throws: ProviderError.self) {
                    try await Self.client(http, baseURL, maxResponseBytes: 1024).complete(system: "s", prompt: "p", maxTokens: 10)
                }
                #expect(error?.reason.contains("larger than 1024 bytes") == true)
            }
        }
    }

    @Test("an API that never answers times out")
    func hang() async throws {
        try await FakeMessagesAPI.run(.hang) { baseURL, _ in
            try await withHTTPClient { http in
                let took = await elapsed {
                    let error = await #expect(throws: ProviderError.self) {
                        try await Self.client(http, baseURL, timeout: .milliseconds(300)).complete(system: "s", prompt: "p", maxTokens: 10)
                    }
                    #expect(error?.reason.contains("no answer within") == true)
                }
                #expect(took < Bounds.farBelowAnyOtherEnd)
            }
        }
    }
}
