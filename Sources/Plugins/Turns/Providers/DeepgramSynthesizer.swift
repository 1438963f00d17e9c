import AsyncHTTPClient
import Foundation
import NIOCore

/// Speech from Deepgram's Aura-2 text-to-speech REST API.
///
/// Sends `POST {baseURL}/v1/speak?model={model}` with `Authorization: Token {apiKey}` and the
/// JSON body `{"text": …}`; a 2xx answer's body is the audio, typed by the answer's
/// `content-type` (audio/mpeg, i.e. `mp3`, when absent). Every failure (empty or over-long text,
/// non-2xx status, with Deepgram's error message when it sent one, empty audio, a timeout, audio
/// larger than `maxAudioBytes`) is a `ProviderError` with provider `deepgram`.
///
/// The `HTTPClient` is the caller's, shared and shut down by its owner.
public struct DeepgramSynthesizer: SpeechSynthesizer {
    public static let defaultBaseURL = "https://api.deepgram.com"
    public static let defaultModel = "aura-2-thalia-en"
    /// Deepgram rejects longer input; checking first gives a clear error without a round trip.
    public static let maxCharacters = 2000

    public let name = "deepgram"
    public let model: String
    private let baseURL: String
    private let apiKey: String
    private let exchange: HTTPExchange

    /// - Parameters:
    ///   - timeout: bounds the whole exchange, from connecting to the last audio byte.
    ///   - maxAudioBytes: the largest audio read; a bigger answer is an error.
    public init(
        httpClient: HTTPClient,
        baseURL: String = DeepgramSynthesizer.defaultBaseURL,
        apiKey: String,
        model: String = DeepgramSynthesizer.defaultModel,
        timeout: Duration,
        maxAudioBytes: Int = 8 << 20
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.exchange = HTTPExchange(provider: "deepgram", httpClient: httpClient, timeout: timeout, maxBytes: maxAudioBytes)
    }

    public func synthesize(_ text: String) async throws -> SynthesizedAudio {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw failure("no text to speak") }
        guard text.count <= Self.maxCharacters else {
            throw failure("text longer than \(Self.maxCharacters) characters")
        }
        let body: Data
        do {
            body = try JSONEncoder().encode(["text": text])
        } catch {
            throw failure("cannot encode the request: \(error)")
        }
        var components = URLComponents()
        components.queryItems = [URLQueryItem(name: "model", value: model)]
        let query = components.percentEncodedQuery ?? ""
        var request = HTTPClientRequest(url: HTTPExchange.url(baseURL, "/v1/speak?\(query)"))
        request.method = .POST
        request.headers.add(name: "authorization", value: "Token \(apiKey)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))

        let answer = try await exchange.send(request)
        let bytes = Array(buffer: answer.body)
        guard (200..<300).contains(answer.status) else {
            if let message = Self.errorMessage(in: bytes) {
                throw failure("HTTP \(answer.status): \(message)")
            }
            throw failure("HTTP \(answer.status)")
        }
        guard !bytes.isEmpty else { throw failure("empty audio") }
        let contentType = answer.contentType.map(Self.mediaType) ?? "audio/mpeg"
        return SynthesizedAudio(bytes: bytes, fileExtension: Self.fileExtension(for: contentType), contentType: contentType)
    }

    /// Deepgram's error bodies have said `{"err_code","err_msg"}` and `{"category","message"}`.
    static func errorMessage(in bytes: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        for key in ["err_msg", "message", "reason"] {
            if let message = object[key] as? String, !message.isEmpty {
                return TextClip.clip(TextClip.singleLine(message), maxLength: 200)
            }
        }
        return nil
    }

    /// `audio/mpeg; charset=…` → `audio/mpeg`, lowercased.
    static func mediaType(_ header: String) -> String {
        let type = header.split(separator: ";", maxSplits: 1).first.map(String.init) ?? header
        let trimmed = type.trimmingCharacters(in: .whitespaces).lowercased()
        return trimmed.isEmpty ? "audio/mpeg" : trimmed
    }

    static func fileExtension(for mediaType: String) -> String {
        switch mediaType {
        case "audio/mpeg", "audio/mp3": "mp3"
        case "audio/wav", "audio/wave", "audio/x-wav": "wav"
        case "audio/ogg", "audio/opus": "ogg"
        case "audio/flac", "audio/x-flac": "flac"
        case "audio/aac": "aac"
        case "audio/webm": "webm"
        default: "bin"
        }
    }

    private func failure(_ reason: String) -> ProviderError {
        ProviderError(provider: name, reason: reason)
    }
}
