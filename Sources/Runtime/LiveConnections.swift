import NIOConcurrencyHelpers

/// The connections open on this instance, by agent: how a plugin reaches an agent's live sockets
/// (to end them when the agent is deactivated, say). Anonymous connections are not listed.
public final class LiveConnections: Sendable {
    private let byAgent = NIOLockedValueBox<[String: [String: Connection]]>([:])

    init() {}

    func add(_ connection: Connection) {
        guard let agentId = connection.identity.agentId else { return }
        byAgent.withLockedValue { $0[agentId, default: [:]][connection.id] = connection }
    }

    func remove(_ connection: Connection) {
        guard let agentId = connection.identity.agentId else { return }
        byAgent.withLockedValue { all in
            all[agentId]?.removeValue(forKey: connection.id)
            if all[agentId]?.isEmpty == true { all.removeValue(forKey: agentId) }
        }
    }

    /// The agent's open connections on this instance.
    public func connections(ofAgent agentId: String) -> [Connection] {
        byAgent.withLockedValue { Array(($0[agentId] ?? [:]).values) }
    }

    /// The agents with at least one open connection on this instance.
    public var connectedAgentIds: [String] {
        byAgent.withLockedValue { Array($0.keys) }
    }
}
