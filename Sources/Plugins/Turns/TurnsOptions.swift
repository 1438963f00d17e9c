import Foundation
import Runtime

/// The `[turns]` table of plugins.conf. Durations are seconds and may be fractional.
public struct TurnsOptions: PluginOptions {
    public enum MissedTurn: String, Decodable, Sendable { case skip, forfeit }
    public enum JudgeKind: String, Decodable, Sendable { case heuristic, anthropic }
    public enum CommentatorKind: String, Decodable, Sendable { case template, anthropic }
    public enum SpeechKind: String, Decodable, Sendable { case none, espeak, deepgram }

    public var countdownSeconds: Double = 5
    public var turnSeconds: Double = 60
    public var missedTurn: MissedTurn = .skip
    public var maxTurnChars: Int = 2000
    public var rateLimitSeconds: Double = 10
    public var judge: JudgeKind = .heuristic
    public var commentator: CommentatorKind = .template
    public var speech: SpeechKind = .none
    /// How long an AI provider may take before its built-in fallback answers instead.
    public var providerTimeoutSeconds: Double = 10
    public var anthropicModel: String = "claude-sonnet-4-5"
    public var anthropicBaseURL: String = "https://api.anthropic.com"
    /// The environment variable holding the Anthropic API key.
    public var anthropicAPIKeyEnv: String = "ANTHROPIC_API_KEY"
    public var deepgramModel: String = "aura-2-thalia-en"
    public var deepgramBaseURL: String = "https://api.deepgram.com"
    public var deepgramAPIKeyEnv: String = "DEEPGRAM_API_KEY"
    /// The espeak-ng executable (looked up on PATH when empty).
    public var espeakPath: String = ""
    /// Where audio files are written; served under /audio/.
    public var audioDir: String = "data/audio"

    enum CodingKeys: String, CodingKey, CaseIterable {
        case countdownSeconds = "countdown_seconds"
        case turnSeconds = "turn_seconds"
        case missedTurn = "missed_turn"
        case maxTurnChars = "max_turn_chars"
        case rateLimitSeconds = "rate_limit_seconds"
        case judge, commentator, speech
        case providerTimeoutSeconds = "provider_timeout_seconds"
        case anthropicModel = "anthropic_model"
        case anthropicBaseURL = "anthropic_base_url"
        case anthropicAPIKeyEnv = "anthropic_api_key_env"
        case deepgramModel = "deepgram_model"
        case deepgramBaseURL = "deepgram_base_url"
        case deepgramAPIKeyEnv = "deepgram_api_key_env"
        case espeakPath = "espeak_path"
        case audioDir = "audio_dir"
    }

    public static let optionKeys = CodingKeys.allCases.map(\.rawValue)

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.decodeOption(&countdownSeconds, .countdownSeconds)
        try c.decodeOption(&turnSeconds, .turnSeconds)
        try c.decodeOption(&missedTurn, .missedTurn)
        try c.decodeOption(&maxTurnChars, .maxTurnChars)
        try c.decodeOption(&rateLimitSeconds, .rateLimitSeconds)
        try c.decodeOption(&judge, .judge)
        try c.decodeOption(&commentator, .commentator)
        try c.decodeOption(&speech, .speech)
        try c.decodeOption(&providerTimeoutSeconds, .providerTimeoutSeconds)
        try c.decodeOption(&anthropicModel, .anthropicModel)
        try c.decodeOption(&anthropicBaseURL, .anthropicBaseURL)
        try c.decodeOption(&anthropicAPIKeyEnv, .anthropicAPIKeyEnv)
        try c.decodeOption(&deepgramModel, .deepgramModel)
        try c.decodeOption(&deepgramBaseURL, .deepgramBaseURL)
        try c.decodeOption(&deepgramAPIKeyEnv, .deepgramAPIKeyEnv)
        try c.decodeOption(&espeakPath, .espeakPath)
        try c.decodeOption(&audioDir, .audioDir)
    }

    /// Range checks decoding cannot express.
    func validate() throws {
        guard countdownSeconds >= 0, countdownSeconds <= 3600 else { throw InvalidOption("countdown_seconds", expected: "0 to 3600 seconds") }
        guard turnSeconds > 0, turnSeconds <= 86_400 else { throw InvalidOption("turn_seconds", expected: "more than 0 and at most 86400 seconds") }
        guard maxTurnChars > 0, maxTurnChars <= 100_000 else { throw InvalidOption("max_turn_chars", expected: "1 to 100000") }
        guard rateLimitSeconds >= 0 else { throw InvalidOption("rate_limit_seconds", expected: "0 or more seconds") }
        guard providerTimeoutSeconds > 0, providerTimeoutSeconds <= 300 else {
            throw InvalidOption("provider_timeout_seconds", expected: "more than 0 and at most 300 seconds")
        }
    }
}
