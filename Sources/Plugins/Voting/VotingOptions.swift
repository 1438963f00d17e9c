import Runtime

/// The `[voting]` table of plugins.conf.
public struct VotingOptions: PluginOptions {
    /// How long voting stays open after the last turn, in seconds.
    public var windowSeconds: Double = 60
    /// A header set by a trusted reverse proxy with the client's address (`X-Forwarded-For`);
    /// empty uses the connection's own address. Anonymous spectators vote once per address.
    public var trustedProxyHeader: String = ""
    /// Votes one voter may attempt per 10 seconds before RATE_LIMITED.
    public var votesPer10Seconds: Int = 10
    /// Who may vote: `anyone`, or only clients whose connection joined the battle's room before
    /// voting opened (`present_before_voting`), so voters made once the vote is on cannot swing it.
    public var voters: Voters = .anyone
    /// An agent voter must have been created at least this long before it votes (0: any age).
    public var minAgentAgeSeconds: Double = 0

    public enum Voters: String, Codable, Sendable, CaseIterable {
        case anyone
        case presentBeforeVoting = "present_before_voting"
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case windowSeconds = "window_seconds"
        case trustedProxyHeader = "trusted_proxy_header"
        case votesPer10Seconds = "votes_per_10_seconds"
        case voters
        case minAgentAgeSeconds = "min_agent_age_seconds"
    }

    public static let optionKeys = CodingKeys.allCases.map(\.rawValue)

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.decodeOption(&windowSeconds, .windowSeconds)
        try c.decodeOption(&trustedProxyHeader, .trustedProxyHeader)
        try c.decodeOption(&votesPer10Seconds, .votesPer10Seconds)
        if let raw = try c.decodeIfPresent(String.self, forKey: .voters) {
            guard let parsed = Voters(rawValue: raw) else {
                throw InvalidOption("voters", expected: Voters.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or "))
            }
            voters = parsed
        }
        try c.decodeOption(&minAgentAgeSeconds, .minAgentAgeSeconds)
    }

    func validate() throws {
        guard windowSeconds > 0, windowSeconds <= 86_400 else {
            throw InvalidOption("window_seconds", expected: "more than 0 and at most 86400 seconds")
        }
        guard minAgentAgeSeconds >= 0 else { throw InvalidOption("min_agent_age_seconds", expected: "0 or more seconds") }
        guard votesPer10Seconds > 0 else { throw InvalidOption("votes_per_10_seconds", expected: "a positive number") }
    }
}
