import Foundation
import GRDB
import Runtime

/// One battle's live side: who is in its room, the presence announcements, and the order of
/// its log. Appends and joins go through this actor, so a join's replay reads exactly the events
/// logged before it and every later event reaches the joiner live: no gap, no duplicate.
actor BattleCoordinator {
    let battleId: String
    private let store: BattleStore
    private let services: RuntimeServices
    private let presenceInterval: Duration

    private var connections: [String: (connection: Connection, role: Identity.Role)] = [:]
    private var agentConnections: [String: Set<String>] = [:]
    private var spectatorCount = 0
    private var lastPresence: Date?
    private var presenceScheduled = false
    private var presenceDirty = false

    init(battleId: String, store: BattleStore, services: RuntimeServices, presenceInterval: Duration) {
        self.battleId = battleId
        self.store = store
        self.services = services
        self.presenceInterval = presenceInterval
    }

    // MARK: Log

    /// Persists a logged event (and, for state changes, the battle's status), then broadcasts
    /// it with its `seq` to the battle's room.
    func append(event: String, payload: [UInt8], status: (BattleStatus, Int)?) throws -> Int {
        let (seq, json) = try services.database.write { db in
            try store.appendLog(battleId: battleId, event: event, payload: payload, status: status, in: db)
        }
        services.rooms.emit(storedEvent: event, json: json, to: [BattleRoom.battle(battleId)])
        return seq
    }

    // MARK: Membership

    struct JoinOutcome {
        var allParticipantsPresent: Bool
    }

    func join(_ connection: Connection, role: Identity.Role, battle: Battle, sinceSeq: Int?) throws -> JoinOutcome {
        if let sinceSeq {
            let missed = try services.database.read { db in try store.log(battleId: battleId, after: sinceSeq, in: db) }
            for entry in missed { connection.emit(storedEvent: entry.event, json: entry.payload) }
        }
        connection.join(BattleRoom.battle(battleId))
        connection.join(role == .agent ? BattleRoom.agents(of: battleId) : BattleRoom.spectators(of: battleId))
        if connections[connection.id] == nil {
            connections[connection.id] = (connection, role)
            if role == .agent, let agentId = connection.identity.agentId {
                let first = agentConnections[agentId, default: []].isEmpty
                agentConnections[agentId, default: []].insert(connection.id)
                if first {
                    let name = battle.participants.first { $0.id == agentId }?.name ?? connection.identity.name ?? ""
                    services.rooms.emit(
                        ParticipantJoined(battleId: battleId, agentId: agentId, name: name),
                        to: [BattleRoom.battle(battleId)], exceptConnections: [connection.id]
                    )
                }
            } else {
                spectatorCount += 1
            }
            presenceChanged()
        }
        let present = battle.participants.allSatisfy { !(agentConnections[$0.id]?.isEmpty ?? true) }
        return JoinOutcome(allParticipantsPresent: present)
    }

    /// Removes a connection; false when it was not in this battle.
    func leave(connectionId: String, battle: Battle?) -> Bool {
        guard let (connection, role) = connections.removeValue(forKey: connectionId) else { return false }
        connection.leave(BattleRoom.battle(battleId))
        connection.leave(role == .agent ? BattleRoom.agents(of: battleId) : BattleRoom.spectators(of: battleId))
        if role == .agent, let agentId = connection.identity.agentId {
            agentConnections[agentId]?.remove(connectionId)
            if agentConnections[agentId]?.isEmpty ?? true {
                agentConnections.removeValue(forKey: agentId)
                let name = battle?.participants.first { $0.id == agentId }?.name ?? connection.identity.name ?? ""
                services.rooms.emit(ParticipantLeft(battleId: battleId, agentId: agentId, name: name), to: [BattleRoom.battle(battleId)])
            }
        } else {
            spectatorCount -= 1
        }
        presenceChanged()
        return true
    }

    func contains(connectionId: String) -> Bool {
        connections[connectionId] != nil
    }

    var presentAgents: Set<String> { Set(agentConnections.keys) }

    // MARK: Presence

    private func presenceChanged() {
        presenceDirty = true
        guard !presenceScheduled else { return }
        let now = services.clock.now()
        if let last = lastPresence, now < last.addingTimeInterval(presenceInterval.seconds) {
            presenceScheduled = true
            services.clock.schedule(at: last.addingTimeInterval(presenceInterval.seconds)) {
                Task { await self.flushPresence(scheduled: true) }
            }
        } else {
            flushPresence(scheduled: false)
        }
    }

    private func flushPresence(scheduled: Bool) {
        if scheduled { presenceScheduled = false }
        guard presenceDirty else { return }
        presenceDirty = false
        lastPresence = services.clock.now()
        services.rooms.emit(
            BattlePresence(battleId: battleId, agentsOnline: agentConnections.keys.sorted(), spectators: spectatorCount),
            to: [BattleRoom.battle(battleId)]
        )
    }
}
