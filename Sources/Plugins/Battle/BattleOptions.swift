import Runtime

/// The `[battle]` table of plugins.conf.
public struct BattleOptions: PluginOptions {
    /// Who may create battles over HTTP.
    public enum Creation: String, Codable, Sendable, CaseIterable {
        /// An agent, with its key, creates battles it takes part in (itself against `opponentId`).
        case participants
        /// Nobody over HTTP: the operator creates battles with `moltarena battles create`.
        case closed
    }

    public var creation: Creation = .participants
    /// Battles one agent may create per `creation_window_seconds` before 429 RATE_LIMITED.
    public var creationsPerAgent: Int = 10
    public var creationWindowSeconds: Double = 60
    /// `battle:join`, `battle:leave` and `lobby:join` each, per connection per 10 seconds, before
    /// RATE_LIMITED. Per connection only: the spectators behind one address all join at once.
    public var joinsPer10Seconds: Int = 20
    /// How long a battle waits in LOBBY for its agents before it is cancelled; 0: forever.
    public var lobbyTimeoutSeconds: Double = 3600
    /// The most rounds a battle may have (`POST /api/v1/battles` `rounds`).
    public var maxRounds: Int = BattleStore.defaultMaxRounds
    /// How many of the newest turns the snapshot carries; the earlier ones are read a page at a
    /// time from `GET /api/v1/battles/{id}/turns`, so one join frame stays small however long
    /// the battle.
    public var snapshotTurns: Int = 50

    enum CodingKeys: String, CodingKey, CaseIterable {
        case creation
        case creationsPerAgent = "creations_per_agent"
        case creationWindowSeconds = "creation_window_seconds"
        case joinsPer10Seconds = "joins_per_10_seconds"
        case lobbyTimeoutSeconds = "lobby_timeout_seconds"
        case maxRounds = "max_rounds"
        case snapshotTurns = "snapshot_turns"
    }

    public static let optionKeys = CodingKeys.allCases.map(\.rawValue)

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let raw = try c.decodeIfPresent(String.self, forKey: .creation) {
            guard let parsed = Creation(rawValue: raw) else {
                throw InvalidOption("creation", expected: Creation.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or "))
            }
            creation = parsed
        }
        try c.decodeOption(&creationsPerAgent, .creationsPerAgent)
        try c.decodeOption(&creationWindowSeconds, .creationWindowSeconds)
        try c.decodeOption(&joinsPer10Seconds, .joinsPer10Seconds)
        try c.decodeOption(&lobbyTimeoutSeconds, .lobbyTimeoutSeconds)
        try c.decodeOption(&maxRounds, .maxRounds)
        try c.decodeOption(&snapshotTurns, .snapshotTurns)
    }

    func validated() throws -> BattleOptions {
        guard creationsPerAgent > 0 else { throw InvalidOption("creations_per_agent", expected: "a positive number") }
        guard creationWindowSeconds > 0 else { throw InvalidOption("creation_window_seconds", expected: "more than 0 seconds") }
        guard joinsPer10Seconds > 0 else { throw InvalidOption("joins_per_10_seconds", expected: "a positive number") }
        guard lobbyTimeoutSeconds >= 0 else { throw InvalidOption("lobby_timeout_seconds", expected: "0 (never) or more seconds") }
        guard (1...BattleStore.roundsCeiling).contains(maxRounds) else {
            throw InvalidOption("max_rounds", expected: "1 to \(BattleStore.roundsCeiling)")
        }
        guard snapshotTurns > 0 else { throw InvalidOption("snapshot_turns", expected: "a positive number") }
        return self
    }

    /// The budget of `POST /api/v1/battles` per agent.
    var creationLimit: RateLimit { RateLimit(creationsPerAgent, per: .fractionalSeconds(creationWindowSeconds)) }

    /// How long a battle may wait for its agents; nil: forever.
    var lobbyTimeout: Duration? { lobbyTimeoutSeconds > 0 ? .fractionalSeconds(lobbyTimeoutSeconds) : nil }

    /// The budget of each room event (join, leave, the lobby) per connection.
    var joinLimit: RateLimit { RateLimit(joinsPer10Seconds, per: .seconds(10), scope: .connection) }
}
