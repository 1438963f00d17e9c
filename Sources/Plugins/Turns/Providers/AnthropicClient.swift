import AsyncHTTPClient
import Foundation
import NIOCore

/// A minimal client of Anthropic's Messages API: one system prompt and one user message in, the
/// reply's text out. It is what `AnthropicJudge` and `AnthropicCommentator` share.
///
/// Sends `POST {baseURL}/v1/messages` with `x-api-key`, `anthropic-version: 2023-06-01` and a JSON
/// body `{model, max_tokens, system, messages: [{role: "user", content}]}`, and returns the text
/// blocks of the answer's `content`, concatenated (other block types are skipped). Every failure
/// (non-2xx status, the API's error JSON, malformed JSON, no text, a timeout, an oversized body)
/// is a `ProviderError` with provider `anthropic`, so callers can fall back.
///
/// The `HTTPClient` is the caller's: one client is shared across providers and shut down by its
/// owner. `baseURL` is configurable so tests (and proxies) can point it elsewhere.
public struct AnthropicClient: Sendable {
    public static let apiVersion = "2023-06-01"
    public static let defaultBaseURL = "https://api.anthropic.com"

    public let model: String
    private let baseURL: String
    private let apiKey: String
    private let exchange: HTTPExchange

    /// - Parameters:
    ///   - timeout: bounds the whole exchange, from connecting to the last body byte.
    ///   - maxResponseBytes: the largest body read; a bigger answer is an error.
    public init(
        httpClient: HTTPClient,
        baseURL: String = AnthropicClient.defaultBaseURL,
        apiKey: String,
        model: String,
        timeout: Duration,
        maxResponseBytes: Int = 1 << 20
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.exchange = HTTPExchange(provider: "anthropic", httpClient: httpClient, timeout: timeout, maxBytes: maxResponseBytes)
    }

    /// Sends one user message and returns the reply's text.
    public func complete(system: String, prompt: String, maxTokens: Int) async throws(ProviderError) -> String {
        let body = AnthropicMessages.Request(
            model: model,
            maxTokens: maxTokens,
            system: system,
            messages: [.init(role: "user", content: prompt)]
        )
        let encoded: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoded = try encoder.encode(body)
        } catch {
            throw failure("cannot encode the request: \(error)")
        }
        var request = HTTPClientRequest(url: HTTPExchange.url(baseURL, "/v1/messages"))
        request.method = .POST
        request.headers.add(name: "x-api-key", value: apiKey)
        request.headers.add(name: "anthropic-version", value: Self.apiVersion)
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: encoded))

        let answer = try await exchange.send(request)
        let bytes = Data(Array(buffer: answer.body))
        guard (200..<300).contains(answer.status) else {
            if let apiError = try? JSONDecoder().decode(AnthropicMessages.ErrorResponse.self, from: bytes) {
                throw failure("HTTP \(answer.status) \(apiError.error.type): \(apiError.error.message)")
            }
            throw failure("HTTP \(answer.status)")
        }
        if let apiError = try? JSONDecoder().decode(AnthropicMessages.ErrorResponse.self, from: bytes), apiError.type == "error" {
            throw failure("\(apiError.error.type): \(apiError.error.message)")
        }
        let response: AnthropicMessages.Response
        do {
            response = try JSONDecoder().decode(AnthropicMessages.Response.self, from: bytes)
        } catch {
            throw failure("malformed response (\(bytes.count) bytes)")
        }
        let texts = response.content.filter { $0.type == "text" }.compactMap(\.text)
        guard !texts.isEmpty else {
            throw failure("the reply has no text")
        }
        return texts.joined()
    }

    private func failure(_ reason: String) -> ProviderError {
        ProviderError(provider: "anthropic", reason: reason)
    }
}
