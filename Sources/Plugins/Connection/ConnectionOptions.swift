import Foundation
import Runtime

/// The `[connection]` table of plugins.conf.
public struct ConnectionOptions: PluginOptions {
    /// Who may create agents over HTTP (`POST /api/v1/agents`); the command line always may.
    public enum Registration: String, Decodable, Sendable {
        /// Anyone, limited per client address.
        case open
        /// Only a request carrying the operator key (`Authorization: Bearer <operator key>`).
        case `operator`
        /// Nobody: agents are made with `moltarena agents create`.
        case closed
    }

    /// Whether clients without a key may connect, as spectators.
    public var anonymousSpectators: Bool = true
    public var registration: Registration = .open
    /// The environment variable holding the operator key (for `registration = "operator"` and the
    /// operator's routes). Unset or empty: no operator key, and the operator's routes refuse all.
    public var operatorKeyEnv: String = "MOLTARENA_OPERATOR_KEY"
    /// With `registration = "open"`: agents one client address may create per window.
    public var registrationsPerAddress: Int = 10
    public var registrationWindowSeconds: Double = 60
    /// The header a trusted reverse proxy sets to the client's address (`X-Forwarded-For`);
    /// empty: the connection's own address counts. Only for a proxy that overwrites the header.
    public var trustedProxyHeader: String = ""
    /// How often the server looks for connected agents deactivated elsewhere (the command line,
    /// another instance) and disconnects them; 0: never (deactivation through the operator's
    /// route still disconnects at once).
    public var revocationCheckSeconds: Double = 5
    /// Verified API keys kept in memory (by digest) so an agent connecting again is not looked up
    /// in the database; 0: no cache, every handshake reads the agents table.
    public var keyCacheSize: Int = 10_000
    /// How long a verified key is trusted without reading the database again. Deactivation
    /// through the operator's route evicts it at once on every instance; the command line's is
    /// found by the revocation check, and at the latest after this long.
    public var keyCacheSeconds: Double = 60

    enum CodingKeys: String, CodingKey, CaseIterable {
        case anonymousSpectators = "anonymous_spectators"
        case registration
        case operatorKeyEnv = "operator_key_env"
        case registrationsPerAddress = "registrations_per_address"
        case registrationWindowSeconds = "registration_window_seconds"
        case trustedProxyHeader = "trusted_proxy_header"
        case revocationCheckSeconds = "revocation_check_seconds"
        case keyCacheSize = "key_cache_size"
        case keyCacheSeconds = "key_cache_seconds"
    }
    public static let optionKeys = CodingKeys.allCases.map(\.rawValue)

    public init() {}

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try container.decodeOption(&anonymousSpectators, .anonymousSpectators)
        try container.decodeOption(&registration, .registration)
        try container.decodeOption(&operatorKeyEnv, .operatorKeyEnv)
        try container.decodeOption(&registrationsPerAddress, .registrationsPerAddress)
        try container.decodeOption(&registrationWindowSeconds, .registrationWindowSeconds)
        try container.decodeOption(&trustedProxyHeader, .trustedProxyHeader)
        try container.decodeOption(&revocationCheckSeconds, .revocationCheckSeconds)
        try container.decodeOption(&keyCacheSize, .keyCacheSize)
        try container.decodeOption(&keyCacheSeconds, .keyCacheSeconds)
    }

    /// Checks the values' ranges; throws ``InvalidOption`` naming the key.
    func validated() throws -> ConnectionOptions {
        guard registrationsPerAddress >= 1 else { throw InvalidOption("registrations_per_address", expected: "1 or more") }
        guard registrationWindowSeconds > 0 else { throw InvalidOption("registration_window_seconds", expected: "more than 0") }
        guard revocationCheckSeconds >= 0 else { throw InvalidOption("revocation_check_seconds", expected: "0 (off) or more") }
        guard keyCacheSize >= 0 else { throw InvalidOption("key_cache_size", expected: "0 (off) or more") }
        guard keyCacheSeconds >= 0 else { throw InvalidOption("key_cache_seconds", expected: "0 (off) or more") }
        return self
    }
}

/// The operator's key, compared by digest in constant time. Read from the environment once, at
/// start-up.
struct OperatorKey: Sendable {
    /// Shorter keys are refused at start-up: the key opens sign-up and deactivation.
    static let minimumLength = 32
    private let digest: Data?

    init(_ key: String?) {
        digest = key.flatMap { $0.isEmpty ? nil : ApiKey.digest($0) }
    }

    var isConfigured: Bool { digest != nil }

    func matches(_ presented: String?) -> Bool {
        guard let digest, let presented, !presented.isEmpty else { return false }
        return ApiKey.constantTimeEquals(ApiKey.digest(presented), digest)
    }
}
