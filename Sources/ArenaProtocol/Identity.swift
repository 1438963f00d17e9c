/// Who a connection is, as the handshake established it.
public struct Identity: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        case agent, spectator
    }

    public var role: Role
    /// The agent behind an agent connection; nil for anonymous spectators.
    public var agentId: String?
    public var name: String?

    public init(role: Role, agentId: String? = nil, name: String? = nil) {
        self.role = role
        self.agentId = agentId
        self.name = name
    }

    public static let anonymousSpectator = Identity(role: .spectator)

    public static func agent(id: String, name: String) -> Identity {
        Identity(role: .agent, agentId: id, name: name)
    }
}
