import SocketIOServer

/// The `[server]` table of plugins.conf: what one client may send and hold (docs/SECURITY.md).
/// It configures the runtime, not a plugin. Defaults suit a server open to the internet; 0 turns
/// a timeout or a cap off. `serve`'s options of the same names (with dashes) override it.
public struct ServerOptions: PluginOptions, Equatable {
    public var headTimeoutSeconds = 10.0
    public var bodyTimeoutSeconds = 30.0
    public var idleTimeoutSeconds = 60.0
    public var maxURIBytes = 8 * 1024
    public var maxHeaderBytes = 16 * 1024
    public var maxHeaders = 100
    public var maxBodyBytes = 1_000_000
    public var maxConnectionsPerAddress = 256
    public var maxHandshakesPerAddressPerSecond = 30
    public var identityBudgetFactor = 4
    public var unknownEventsPer10Seconds = 10
    public var abuseRefusals = 50
    public var abuseWindowSeconds = 10.0

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case headTimeoutSeconds = "head_timeout_seconds"
        case bodyTimeoutSeconds = "body_timeout_seconds"
        case idleTimeoutSeconds = "idle_timeout_seconds"
        case maxURIBytes = "max_uri_bytes"
        case maxHeaderBytes = "max_header_bytes"
        case maxHeaders = "max_headers"
        case maxBodyBytes = "max_body_bytes"
        case maxConnectionsPerAddress = "max_connections_per_address"
        case maxHandshakesPerAddressPerSecond = "max_handshakes_per_address_per_second"
        case identityBudgetFactor = "identity_budget_factor"
        case unknownEventsPer10Seconds = "unknown_events_per_10_seconds"
        case abuseRefusals = "abuse_refusals"
        case abuseWindowSeconds = "abuse_window_seconds"
    }

    public static let optionKeys = CodingKeys.allCases.map(\.rawValue)

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.decodeOption(&headTimeoutSeconds, .headTimeoutSeconds)
        try c.decodeOption(&bodyTimeoutSeconds, .bodyTimeoutSeconds)
        try c.decodeOption(&idleTimeoutSeconds, .idleTimeoutSeconds)
        try c.decodeOption(&maxURIBytes, .maxURIBytes)
        try c.decodeOption(&maxHeaderBytes, .maxHeaderBytes)
        try c.decodeOption(&maxHeaders, .maxHeaders)
        try c.decodeOption(&maxBodyBytes, .maxBodyBytes)
        try c.decodeOption(&maxConnectionsPerAddress, .maxConnectionsPerAddress)
        try c.decodeOption(&maxHandshakesPerAddressPerSecond, .maxHandshakesPerAddressPerSecond)
        try c.decodeOption(&identityBudgetFactor, .identityBudgetFactor)
        try c.decodeOption(&unknownEventsPer10Seconds, .unknownEventsPer10Seconds)
        try c.decodeOption(&abuseRefusals, .abuseRefusals)
        try c.decodeOption(&abuseWindowSeconds, .abuseWindowSeconds)
    }

    /// The options, or the first one out of range (named as in plugins.conf).
    public func validated() throws(InvalidOption) -> ServerOptions {
        for (key, seconds) in [
            (CodingKeys.headTimeoutSeconds, headTimeoutSeconds), (.bodyTimeoutSeconds, bodyTimeoutSeconds),
            (.idleTimeoutSeconds, idleTimeoutSeconds),
        ] where seconds < 0 {
            throw InvalidOption(key.rawValue, expected: "0 (no limit) or more seconds")
        }
        for (key, value) in [
            (CodingKeys.maxURIBytes, maxURIBytes), (.maxHeaderBytes, maxHeaderBytes), (.maxHeaders, maxHeaders),
            (.maxBodyBytes, maxBodyBytes), (.identityBudgetFactor, identityBudgetFactor),
            (.unknownEventsPer10Seconds, unknownEventsPer10Seconds),
        ] where value < 1 {
            throw InvalidOption(key.rawValue, expected: "1 or more")
        }
        for (key, value) in [
            (CodingKeys.maxConnectionsPerAddress, maxConnectionsPerAddress),
            (.maxHandshakesPerAddressPerSecond, maxHandshakesPerAddressPerSecond), (.abuseRefusals, abuseRefusals),
        ] where value < 0 {
            throw InvalidOption(key.rawValue, expected: "0 (no cap) or more")
        }
        guard abuseWindowSeconds > 0 else { throw InvalidOption(CodingKeys.abuseWindowSeconds.rawValue, expected: "more than 0 seconds") }
        return self
    }

    public var httpLimits: HTTPLimits {
        func timeout(_ seconds: Double) -> Duration? { seconds > 0 ? .nanoseconds(Int64(seconds * 1e9)) : nil }
        return HTTPLimits(
            headTimeout: timeout(headTimeoutSeconds), bodyTimeout: timeout(bodyTimeoutSeconds), idleTimeout: timeout(idleTimeoutSeconds),
            maxURIBytes: maxURIBytes, maxHeaderBytes: maxHeaderBytes, maxHeaderCount: maxHeaders, maxBodyBytes: maxBodyBytes,
            maxConnectionsPerAddress: maxConnectionsPerAddress
        )
    }

    public var eventLimits: EventLimits {
        var limits = EventLimits()
        limits.identityFactor = identityBudgetFactor
        limits.unknownEvents = RateLimit(unknownEventsPer10Seconds, per: .seconds(10))
        limits.abuseRefusals = abuseRefusals
        limits.abuseWindow = .nanoseconds(Int64(abuseWindowSeconds * 1e9))
        return limits
    }
}
