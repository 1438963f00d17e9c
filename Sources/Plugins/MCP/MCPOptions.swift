import Runtime

/// The `[mcp]` table of plugins.conf.
public struct MCPOptions: PluginOptions {
    /// How long an agent's link (its in-process connection, its presence in the battles it
    /// joined) outlives its last tool call, in seconds.
    public var idleSeconds: Double = 300
    /// The longest `wait_for_turn` may wait, in seconds (a call asks for less with `timeoutSeconds`).
    public var maxWaitSeconds: Double = 60
    /// Tool calls one agent may make per 10 seconds, on every instance together (RATE_LIMITED
    /// past that). The events the tools send keep their own limits too.
    public var callsPer10Seconds: Int = 60

    enum CodingKeys: String, CodingKey, CaseIterable {
        case idleSeconds = "idle_seconds"
        case maxWaitSeconds = "max_wait_seconds"
        case callsPer10Seconds = "calls_per_10_seconds"
    }

    public static let optionKeys = CodingKeys.allCases.map(\.rawValue)

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.decodeOption(&idleSeconds, .idleSeconds)
        try c.decodeOption(&maxWaitSeconds, .maxWaitSeconds)
        try c.decodeOption(&callsPer10Seconds, .callsPer10Seconds)
    }

    func validated() throws -> MCPOptions {
        guard idleSeconds > 0, idleSeconds <= 86_400 else { throw InvalidOption("idle_seconds", expected: "more than 0 and at most 86400 seconds") }
        guard maxWaitSeconds > 0, maxWaitSeconds <= 3_600 else {
            throw InvalidOption("max_wait_seconds", expected: "more than 0 and at most 3600 seconds")
        }
        guard callsPer10Seconds > 0 else { throw InvalidOption("calls_per_10_seconds", expected: "a positive number") }
        return self
    }

    var callLimit: RateLimit { RateLimit(callsPer10Seconds, per: .seconds(10)) }
}
