import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import Testing
import TurnsPlugin

/// A stand-in for Deepgram's `/v1/speak`: checks the key, model and body as the real API does.
enum FakeSpeakAPI {
    static let apiKey = "dg-test-key"
    static let invalidAuth = #"{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id":"r-1"}"#

    enum Answer: Sendable {
        case audio([UInt8], contentType: String?)
        case raw(Int, String)
        case hang
    }

    static func run(_ answer: Answer, _ body: @Sendable (_ baseURL: String, _ recorder: Recorder) async throws -> Void) async throws {
        let recorder = Recorder()
        try await FakeHTTPServer.run(configure: { router, gate in
            router.post("/v1/speak") { request, _ -> Response in
                let recorded = try await RecordedRequest.from(request)
                recorder.record(recorded)
                guard recorded.header("authorization") == "Token \(apiKey)" else {
                    return FakeHTTPServer.json(401, invalidAuth)
                }
                guard request.uri.queryParameters.get("model")?.isEmpty == false,
                    recorded.header("content-type") == "application/json",
                    recorded.body?["text"]?.stringValue?.isEmpty == false
                else {
                    return FakeHTTPServer.json(400, #"{"err_code":"Bad Request","err_msg":"bad request"}"#)
                }
                switch answer {
                case .audio(let bytes, let contentType):
                    var headers = HTTPFields()
                    if let contentType { headers[.contentType] = contentType }
                    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
                case .raw(let status, let text):
                    return FakeHTTPServer.json(status, text)
                case .hang:
                    await gate.wait()
                    return FakeHTTPServer.json(500, "{}")
                }
            }
        }) { baseURL in
            try await body(baseURL, recorder)
        }
    }
}

@Suite("Deepgram synthesizer against a fake API")
struct DeepgramSynthesizerTests {
    static let audio: [UInt8] = [0x49, 0x44, 0x33, 0x04, 0x00, 0xFF, 0xFB, 0x90, 0x64]

    static func synthesizer(
        _ http: HTTPClient, _ baseURL: String, apiKey: String = FakeSpeakAPI.apiKey, model: String? = nil, timeout: Duration = .seconds(10)
    ) -> DeepgramSynthesizer {
        if let model {
            return DeepgramSynthesizer(httpClient: http, baseURL: baseURL, apiKey: apiKey, model: model, timeout: timeout)
        }
        return DeepgramSynthesizer(httpClient: http, baseURL: baseURL, apiKey: apiKey, timeout: timeout)
    }

    @Test("sends the text with the key and the default model, and returns the audio bytes")
    func audioBytes() async throws {
        try await FakeSpeakAPI.run(.audio(Self.audio, contentType: "audio/mpeg")) { baseURL, recorder in
            let speech = try await withHTTPClient { http in
                try await Self.synthesizer(http, baseURL).synthesize("Alice wins the battle!")
            }
            #expect(speech == SynthesizedAudio(bytes: Self.audio, fileExtension: "mp3", contentType: "audio/mpeg"))
            let request = try #require(recorder.all.first)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/speak")
            #expect(request.query == "model=aura-2-thalia-en")
            #expect(request.header("authorization") == "Token \(FakeSpeakAPI.apiKey)")
            #expect(request.header("content-type") == "application/json")
            #expect(request.body == .object(["text": .string("Alice wins the battle!")]))
        }
    }

    @Test("another model is sent as asked, and a WAV answer is typed as such")
    func modelAndContentType() async throws {
        try await FakeSpeakAPI.run(.audio(Self.audio, contentType: "audio/wav; codec=linear16")) { baseURL, recorder in
            let speech = try await withHTTPClient { http in
                try await Self.synthesizer(http, baseURL, model: "aura-2-zeus-en").synthesize("Hi")
            }
            #expect(speech.fileExtension == "wav")
            #expect(speech.contentType == "audio/wav")
            #expect(recorder.all.first?.query == "model=aura-2-zeus-en")
        }
    }

    @Test("audio without a content type is taken as MP3")
    func defaultContentType() async throws {
        try await FakeSpeakAPI.run(.audio(Self.audio, contentType: nil)) { baseURL, _ in
            let speech = try await withHTTPClient { http in
                try await Self.synthesizer(http, baseURL).synthesize("Hi")
            }
            #expect(speech.contentType == "audio/mpeg")
            #expect(speech.fileExtension == "mp3")
        }
    }

    @Test("a rejected key is a provider error with Deepgram's message")
    func unauthorized() async throws {
        try await FakeSpeakAPI.run(.audio(Self.audio, contentType: "audio/mpeg")) { baseURL, _ in
            try await withHTTPClient { http in
                let error = await #expect(throws: ProviderError.self) {
                    try await Self.synthesizer(http, baseURL, apiKey: "wrong").synthesize("Hi")
                }
                #expect(error?.provider == "deepgram")
                #expect(error?.reason == "HTTP 401: Invalid credentials.")
            }
        }
    }

    @Test(
        "a server error, empty audio, or empty or over-long text is a provider error",
        arguments: [
            (FakeSpeakAPI.Answer.raw(500, "oops"), "Hi"),
            (.audio([], contentType: "audio/mpeg"), "Hi"),
            (.audio(DeepgramSynthesizerTests.audio, contentType: "audio/mpeg"), "   "),
            (.audio(DeepgramSynthesizerTests.audio, contentType: "audio/mpeg"), String(repeating: "a", count: 2001)),
        ])
    func failures(answer: FakeSpeakAPI.Answer, text: String) async throws {
        try await FakeSpeakAPI.run(answer) { baseURL, _ in
            try await withHTTPClient { http in
                _ = await #expect(throws: ProviderError.self) {
                    try await Self.synthesizer(http, baseURL).synthesize(text)
                }
            }
        }
    }

    @Test("an API that never answers times out")
    func hang() async throws {
        try await FakeSpeakAPI.run(.hang) { baseURL, _ in
            try await withHTTPClient { http in
                let took = await elapsed {
                    let error = await #expect(throws: ProviderError.self) {
                        try await Self.synthesizer(http, baseURL, timeout: .milliseconds(300)).synthesize("Hi")
                    }
                    #expect(error?.reason.contains("no answer within") == true)
                }
                #expect(took < Bounds.farBelowAnyOtherEnd)
            }
        }
    }
}
