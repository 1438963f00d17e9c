import Hummingbird
import SocketIOProtocol

/// A stand-in for Anthropic's Messages API: checks each request the way the real API does (key,
/// version, JSON body shape) and answers as told.
enum FakeMessagesAPI {
    static let apiKey = "sk-test-key"
    static let model = "claude-test-model"

    enum Answer: Sendable {
        /// 200 with these text blocks (and a non-text block before them, which clients must skip).
        case text([String])
        /// Any status with this body, e.g. the API's error JSON or something malformed.
        case raw(Int, String)
        /// Never answers.
        case hang
    }

    static func errorBody(type: String, message: String) -> String {
        #"{"type":"error","error":{"type":"\#(type)","message":"\#(message)"}}"#
    }

    /// Runs the fake; `body` gets its base URL and what it recorded.
    static func run(
        _ answer: Answer,
        _ body: @Sendable (_ baseURL: String, _ recorder: Recorder) async throws -> Void
    ) async throws {
        let recorder = Recorder()
        try await FakeHTTPServer.run(configure: { router, gate in
            router.post("/v1/messages") { request, _ -> Response in
                let recorded = try await RecordedRequest.from(request)
                recorder.record(recorded)
                guard recorded.header("x-api-key") == apiKey else {
                    return FakeHTTPServer.json(401, errorBody(type: "authentication_error", message: "invalid x-api-key"))
                }
                guard recorded.header("anthropic-version") == "2023-06-01",
                    recorded.header("content-type") == "application/json"
                else {
                    return FakeHTTPServer.json(400, errorBody(type: "invalid_request_error", message: "bad headers"))
                }
                if let problem = problem(in: recorded.body) {
                    return FakeHTTPServer.json(400, errorBody(type: "invalid_request_error", message: problem))
                }
                switch answer {
                case .text(let texts):
                    return FakeHTTPServer.json(200, JSONWriter.string(message(texts)))
                case .raw(let status, let text):
                    return FakeHTTPServer.json(status, text)
                case .hang:
                    await gate.wait()
                    return FakeHTTPServer.json(500, errorBody(type: "api_error", message: "released"))
                }
            }
        }) { baseURL in
            try await body(baseURL, recorder)
        }
    }

    /// What is wrong with a request body, or nil when it has the shape the API requires.
    static func problem(in body: JSONValue?) -> String? {
        guard let body else { return "body is not JSON" }
        guard body["model"]?.stringValue?.isEmpty == false else { return "model" }
        guard let maxTokens = body["max_tokens"]?.intValue, maxTokens > 0 else { return "max_tokens" }
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else { return "messages" }
        for message in messages {
            guard message["role"]?.stringValue == "user" || message["role"]?.stringValue == "assistant",
                message["content"]?.stringValue?.isEmpty == false
            else { return "message" }
        }
        if let system = body["system"], system.stringValue == nil { return "system" }
        return nil
    }

    /// The API's success answer.
    static func message(_ texts: [String]) -> JSONValue {
        let blocks: [JSONValue] =
            [.object(["type": .string("thinking"), "thinking": .string("hmm")])]
            + texts.map { .object(["type": .string("text"), "text": .string($0)]) }
        return .object([
            "id": .string("msg_test"),
            "type": .string("message"),
            "role": .string("assistant"),
            "model": .string(model),
            "content": .array(blocks),
            "stop_reason": .string("end_turn"),
            "stop_sequence": .null,
            "usage": .object(["input_tokens": .int(12), "output_tokens": .int(34)]),
        ])
    }
}
