import Foundation
import Runtime

/// Deactivation reaching open connections: an inactive agent's connections are told why, have
/// every event still waiting refused with AGENT_INACTIVE, and are disconnected. The operator's
/// route does it at once on every instance of the cluster (it asks each of the others); a
/// periodic check (on the runtime clock) finds agents deactivated by the command line, and
/// catches an instance that could not be asked.
struct Revocation: Sendable {
    let store: AgentStore
    /// Verified keys: a deactivated agent's entries are evicted with its connections.
    let keys: VerifiedKeyCache
    let services: RuntimeServices
    /// 0: no periodic check.
    let interval: Duration

    /// The cluster request that carries a deactivated agent's id to the other instances.
    static let topic = "agent.deactivated"

    /// Ends the agent's connections here, then on each other instance (in parallel, each asked
    /// for at most 2 seconds).
    func disconnectEverywhere(agentId: String) async {
        disconnect(agentId: agentId)
        let cluster = services.cluster
        guard cluster.isDistributed else { return }
        let others: Set<String>
        do {
            others = try await cluster.instances().subtracting([cluster.instanceId])
        } catch {
            services.logger.warning(
                "deactivation not sent to the other instances: their periodic check will find it",
                metadata: ["agent": "\(agentId)", "error": "\(error)"])
            return
        }
        let body = Array(agentId.utf8)
        await withTaskGroup(of: Void.self) { group in
            for instance in others {
                group.addTask { _ = try? await cluster.request(instance, topic: Self.topic, body, timeout: .seconds(2)) }
            }
        }
    }

    /// Answers the other instances' deactivations (installed at boot).
    func listen() {
        services.cluster.handle(topic: Self.topic) { body in
            disconnect(agentId: String(decoding: body, as: UTF8.self))
            return []
        }
    }

    /// Evicts the agent's verified keys and ends its open connections on this instance.
    func disconnect(agentId: String) {
        keys.forget(agentId: agentId)
        let error = ArenaError(.agentInactive, "agent \(agentId) was deactivated", status: .forbidden)
        for connection in services.connections.connections(ofAgent: agentId) {
            connection.revoke(error)
            connection.emit(AgentDeactivated(agentId: agentId, message: error.message))
            connection.disconnect()
        }
    }

    /// Disconnects the connected agents the database says are inactive, and evicts the cached
    /// keys of those that are not connected.
    func check() throws {
        let connected = services.connections.connectedAgentIds
        let cached = keys.agentIds.subtracting(connected)
        guard !connected.isEmpty || !cached.isEmpty else { return }
        let inactive = try store.inactive(among: connected + cached.sorted())
        keys.forget(agentIds: inactive)
        for agentId in inactive where !cached.contains(agentId) {
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
