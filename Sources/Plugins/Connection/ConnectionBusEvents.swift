import ArenaProtocol
import Foundation
import Runtime

/// Bus: a connection was established.
public struct ClientConnected: BusEvent {
    public let connectionId: String
    public let identity: Identity
}

/// Bus: a connection went away, so plugins can clean up (rooms, presence).
public struct ClientDisconnected: BusEvent {
    public let connectionId: String
    public let identity: Identity
    public let reason: String
}

extension Connected {
    init(connection: Connection, serverTime: Date) {
        self.init(
            socketId: connection.id, role: connection.identity.role,
            agent: connection.identity.agentId.map { AgentSummary(id: $0, name: connection.identity.name ?? "") }, serverTime: serverTime
        )
    }
}
