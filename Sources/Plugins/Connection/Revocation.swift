import Foundation
import Runtime

/// `agent:deactivated {"agentId","message"}`: sent to each of an agent's connections just before
/// the server ends it, because the agent was deactivated.
struct AgentDeactivated: ServerEvent {
    static let name = "agent:deactivated"
    var agentId: String
    var message: String
}

/// Deactivation reaching open connections: an inactive agent's connections on this instance are
/// told why, have every event still waiting refused with AGENT_INACTIVE, and are disconnected.
/// The operator's route does it at once; a periodic check (on the runtime clock) finds agents
/// deactivated elsewhere (the command line, another instance on the same database).
struct Revocation: Sendable {
    let store: AgentStore
    let services: RuntimeServices
    /// 0: no periodic check.
    let interval: Duration

    /// Ends every open connection of `agentId` on this instance.
    func disconnect(agentId: String) {
        let error = ArenaError(.agentInactive, "agent \(agentId) was deactivated", status: .forbidden)
        for connection in services.connections.connections(ofAgent: agentId) {
            connection.revoke(error)
            connection.emit(AgentDeactivated(agentId: agentId, message: error.message))
            connection.disconnect()
        }
    }

    /// Disconnects the connected agents the database says are inactive.
    func check() throws {
        let connected = services.connections.connectedAgentIds
        guard !connected.isEmpty else { return }
        for agentId in try store.inactive(among: connected) {
            services.logger.notice("disconnecting a deactivated agent", metadata: ["agent": "\(agentId)"])
            disconnect(agentId: agentId)
        }
    }

    /// Runs ``check()`` every `interval` until the server shuts down.
    func startChecking() {
        guard interval > .zero else { return }
        let next = services.clock.now().addingTimeInterval(interval.seconds)
        services.jobs.schedule(at: next, "revocation check") {
            defer { startChecking() }
            try check()
        }
    }
}
