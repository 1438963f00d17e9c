import Runtime
import SocketIOServer

/// Turns a handshake into an identity: the key from `auth.token` or `Authorization: Bearer`;
/// no key makes an anonymous spectator (unless the option forbids it).
struct HandshakeAuthenticator: Sendable {
    let keys: KeyVerifier
    let anonymousSpectators: Bool

    func authenticate(_ handshake: SocketHandshake) async -> AuthenticationResult {
        guard let key = Self.key(from: handshake) else {
            return anonymousSpectators
                ? .accept(.anonymousSpectator)
                : .reject(ArenaError(.authRequired, "an API key is required", status: .unauthorized))
        }
        let agent: Agent?
        do {
            // A key verified lately comes from the cache; else the database is read off the
            // connection's event loop (see KeyVerifier).
            agent = try await keys.agent(forKey: key)
        } catch {
            return .reject(ArenaError.answering(error))
        }
        guard let agent else {
            return .reject(ArenaError(.invalidApiKey, "invalid API key", status: .unauthorized))
        }
        guard agent.status == .active else {
            return .reject(ArenaError(.agentInactive, "agent \(agent.id) is inactive", status: .forbidden))
        }
        return .accept(.agent(id: agent.id, name: agent.name))
    }

    /// The presented key; an `auth.token` that is there but not a non-empty string counts as a
    /// (bad) key, not as no key, so it is refused rather than let in as a spectator.
    static func key(from handshake: SocketHandshake) -> String? {
        if let token = handshake.auth["token"], token != .null {
            if case .string(let text) = token, !text.isEmpty { return text }
            return ""
        }
        // A header value's trailing space may be trimmed on the way: `Bearer` alone is an empty key.
        if let header = handshake.headers[.authorization], header.lowercased() == "bearer" || header.lowercased().hasPrefix("bearer ") {
            // An empty `Bearer ` is a bad key, as an empty `auth.token` is: refused, not a spectator.
            return header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
