/// The parts of Anthropic's Messages API that the providers use, as Codable values.
///
/// Decoding is lenient where the API may grow (unknown fields and content block types are
/// ignored) and strict where we depend on a field (`content`, each block's `type`).
enum AnthropicMessages {
    struct Request: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
        }

        var model: String
        var maxTokens: Int
        var system: String
        var messages: [Message]

        enum CodingKeys: String, CodingKey {
            case model
            case maxTokens = "max_tokens"
            case system
            case messages
        }
    }

    /// A successful answer: `{"type":"message","content":[{"type":"text","text":"…"},…],…}`.
    struct Response: Decodable {
        struct Block: Decodable {
            var type: String
            var text: String?
        }

        var content: [Block]
    }

    /// An error answer: `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`.
    struct ErrorResponse: Decodable {
        struct Detail: Decodable {
            var type: String
            var message: String
        }

        var type: String
        var error: Detail
    }
}
