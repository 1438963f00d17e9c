import Foundation
import GRDB
import Runtime
import SocketIOProtocol

/// The one place a battle is run from: its log, its status, who is in its room, and the state of
/// the plugins' rules for it (the turn machine, the voting window). Nothing else writes a battle's
/// state, so its events are persisted and announced in one order, and battles never contend
/// with each other.
///
/// A plugin runs its rules on the owner through ``BattleOwners/run(_:_:)``: the body is
/// synchronous and isolated to the owner, so a transition and the writes and broadcasts it leads
/// to happen with no other input of the battle in between (persist, then announce). Slow work
/// (a judge, commentary) goes to ``BackgroundJobs`` and comes back through `run` when done.
///
/// An owner is acquired by ``BattleOwners`` (loading the battle) and released once the battle is
/// over and its room is empty, taking its memory with it; scale-out adds a lease to acquiring.
public actor BattleOwner {
    public nonisolated let battleId: String
    /// The battle as stored, kept current by the owner's own writes.
    public private(set) var battle: Battle
    /// The conclusion another plugin installed (Voting's window), if any.
    public nonisolated let conclusion: (any BattleConclusion)?
    /// The runtime's services (database, clock, jobs, rooms).
    public nonisolated let services: RuntimeServices
    let store: BattleStore
    let presenceInterval: Duration
    private weak var owners: BattleOwners?
    /// Set when the owner let go of the battle: inputs then go to a freshly acquired owner.
    private(set) var released = false

    private var slots: [ObjectIdentifier: any Sendable] = [:]
    private var connections: [String: (connection: Connection, role: Identity.Role)] = [:]
    private var agentConnections: [String: Set<String>] = [:]
    private var spectatorCount = 0
    private var lastPresence: Date?
    private var presenceScheduled = false
    private var presenceDirty = false

    init(battle: Battle, owners: BattleOwners, conclusion: (any BattleConclusion)?) {
        self.battleId = battle.id
        self.battle = battle
        self.owners = owners
        self.conclusion = conclusion
        self.services = owners.services
        self.store = owners.store
        self.presenceInterval = owners.presenceInterval
    }

    // MARK: Plugins' state

    /// A plugin's state for this battle, under its key type (nil until the plugin stores one).
    public func state<Key: BattleStateKey>(_ key: Key.Type) -> Key.Value? {
        slots[ObjectIdentifier(key)] as? Key.Value
    }

    public func setState<Key: BattleStateKey>(_ key: Key.Type, _ value: Key.Value) {
        slots[ObjectIdentifier(key)] = value
    }

    /// Forgets a plugin's state (it is restored from the database when next needed).
    public func removeState<Key: BattleStateKey>(_ key: Key.Type) {
        slots.removeValue(forKey: ObjectIdentifier(key))
    }

    /// Runs `body` isolated to the owner unless it was released meanwhile (nil then).
    func ifHeld<R: Sendable>(_ body: @Sendable (isolated BattleOwner) throws -> R) throws -> R? {
        guard !released else { return nil }
        return try body(self)
    }

    // MARK: The battle log

    /// Logs an event (persisted with the next `seq`), then broadcasts it to the battle's room.
    @discardableResult
    public func log<E: ServerEvent>(_ event: E) throws -> Int {
        try append(event: E.name, payload: try ArenaJSON.encode(event), status: nil)
    }

    /// Changes the battle's status and round and logs `battle:state`, in one transaction.
    @discardableResult
    public func setStatus(_ status: BattleStatus, round: Int) throws -> Int {
        try setStatus(status, round: round, keepingOwner: false)
    }

    @discardableResult
    func setStatus(_ status: BattleStatus, round: Int, keepingOwner: Bool) throws -> Int {
        let event = BattleStateChanged(battleId: battleId, status: status, round: round)
        let seq = try append(event: BattleStateChanged.name, payload: try ArenaJSON.encode(event), status: (status, round))
        services.metrics.counter("moltarena_battle_transitions_total", ["status": status.rawValue]).increment()
        owners?.statusChanged()
        announceToLobby()
        if !keepingOwner { releaseIfDone() }
        return seq
    }

    private func append(event: String, payload: [UInt8], status: (BattleStatus, Int)?) throws -> Int {
        let (seq, json) = try services.database.write { db in
            try store.appendLog(battleId: battleId, event: event, payload: payload, status: status, in: db)
        }
        battle.seq = seq
        if let (status, round) = status {
            battle.status = status
            battle.round = round
        }
        services.rooms.emit(storedEvent: event, json: json, to: [BattleRoom.battle(battleId)])
        return seq
    }

    // MARK: Broadcasting (not logged)

    /// To the battle's whole room.
    public nonisolated func emit<E: ServerEvent>(_ event: E) {
        services.rooms.emit(event, to: [BattleRoom.battle(battleId)])
    }

    /// To every connection of one agent.
    public nonisolated func emit<E: ServerEvent>(_ event: E, toAgent agentId: String) {
        services.rooms.emit(event, to: [BattleRoom.agent(agentId)])
    }

    // MARK: Membership

    struct JoinOutcome {
        var allParticipantsPresent: Bool
    }

    func join(_ connection: Connection, role: Identity.Role, sinceSeq: Int?) throws -> JoinOutcome {
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
                    services.rooms.emit(
                        ParticipantJoined(battleId: battleId, agentId: agentId, name: name(of: agentId, connection)),
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
    func leave(connectionId: String) -> Bool {
        guard let (connection, role) = connections.removeValue(forKey: connectionId) else { return false }
        connection.leave(BattleRoom.battle(battleId))
        connection.leave(role == .agent ? BattleRoom.agents(of: battleId) : BattleRoom.spectators(of: battleId))
        if role == .agent, let agentId = connection.identity.agentId {
            agentConnections[agentId]?.remove(connectionId)
            if agentConnections[agentId]?.isEmpty ?? true {
                agentConnections.removeValue(forKey: agentId)
                services.rooms.emit(
                    ParticipantLeft(battleId: battleId, agentId: agentId, name: name(of: agentId, connection)),
                    to: [BattleRoom.battle(battleId)]
                )
            }
        } else {
            spectatorCount -= 1
        }
        presenceChanged()
        releaseIfDone()
        return true
    }

    private func name(of agentId: String, _ connection: Connection) -> String {
        battle.participants.first { $0.id == agentId }?.name ?? connection.identity.name ?? ""
    }

    /// Participant agents with at least one connection in the battle's room (this instance).
    public var presentAgents: Set<String> { Set(agentConnections.keys) }

    // MARK: Release

    /// A finished battle with nobody in its room needs no owner: let it go.
    func releaseIfDone() {
        guard !released, battle.status.isFinished, connections.isEmpty, !presenceScheduled else { return }
        released = true
        owners?.release(self)
    }

    // MARK: Presence

    private func presenceChanged() {
        presenceDirty = true
        guard !presenceScheduled else { return }
        let now = services.clock.now()
        if let last = lastPresence, now < last.addingTimeInterval(presenceInterval.seconds) {
            presenceScheduled = true
            services.jobs.schedule(at: last.addingTimeInterval(presenceInterval.seconds), "presence \(battleId)") {
                await self.flushPresence(scheduled: true)
            }
        } else {
            flushPresence(scheduled: false)
        }
    }

    private func flushPresence(scheduled: Bool) {
        if scheduled { presenceScheduled = false }
        defer { if scheduled { releaseIfDone() } }
        guard presenceDirty else { return }
        presenceDirty = false
        lastPresence = services.clock.now()
        let presence = currentPresence
        services.rooms.emit(
            BattlePresence(battleId: battleId, agentsOnline: presence.agentsOnline, spectators: presence.spectators),
            to: [BattleRoom.battle(battleId)]
        )
        owners?.presenceChanged(battleId, presence)
        announceToLobby()
    }

    // MARK: The lobby

    /// `lobby:battle` for a public battle, after a change of status, round or presence.
    private func announceToLobby() {
        guard battle.visibility == .public else { return }
        services.rooms.emit(LobbyBattle(battle, presence: currentPresence), to: [BattleRoom.lobby])
    }

    private var currentPresence: LobbyPresence {
        LobbyPresence(agentsOnline: agentConnections.keys.sorted(), spectators: spectatorCount)
    }
}

/// A plugin's per-battle state on the ``BattleOwner``, named by a type of the plugin's own.
public protocol BattleStateKey {
    associatedtype Value: Sendable
}

extension BattleStatus {
    /// Completed or cancelled: nothing more happens in the battle.
    public var isFinished: Bool { self == .completed || self == .cancelled }
}
