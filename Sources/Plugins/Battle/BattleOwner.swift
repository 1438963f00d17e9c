import Foundation
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
/// An owner is made by ``BattleOwners`` (taking the battle's lease and a new fencing token, then
/// loading the battle) and released once the battle is over and its room is empty, taking its
/// memory with it, or as soon as another instance holds the battle's fence.
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

    /// This owner's fencing token: every write checks that the battle's `fence` is still this
    /// value, in the same transaction, so an owner that another instance took over writes nothing.
    let fence: Int

    private var slots: [ObjectIdentifier: any Sendable] = [:]
    /// Announcements of the step running now, sent when it ends.
    private var outbox = BattleOutbox()
    private var holdingAnnouncements = false
    /// The transaction of ``inOneTransaction(_:)`` while it runs: the step's writes join it.
    private var stepTransaction: (any SQLConnection)?
    private var statusChangedInStep = false
    /// Each instance's share of the room, as it last reported it.
    private var shares: [String: Share] = [:]
    private var lastPresence: Date?
    private var presenceScheduled = false
    private var presenceDirty = false
    /// Participants whose presence spectators were last told of, when, and the connection whose
    /// join is still to be announced (it is not told of its own arrival).
    private var announcedAgents: Set<String> = []
    private var participantAnnouncedAt: [String: Date] = [:]
    private var participantFlushScheduled: Set<String> = []
    private var joinedBy: [String: String] = [:]

    struct Share {
        var epoch: String
        var version: UInt64
        var agents: Set<String>
        var spectators: Int

        var isEmpty: Bool { agents.isEmpty && spectators == 0 }
    }

    init(battle: Battle, fence: Int, owners: BattleOwners, conclusion: (any BattleConclusion)?) {
        self.battleId = battle.id
        self.fence = fence
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

    /// Forgets every plugin's state, so each restores it from the database when next needed:
    /// after a change of status made outside the plugins' own rules (an expired invitation).
    public func forgetPluginStates() {
        slots.removeAll()
    }

    /// Runs `body` isolated to the owner unless it was released meanwhile (nil then). What the
    /// body announces is sent when it returns (or throws), together: see ``BattleOutbox``.
    func ifHeld<R: Sendable>(_ body: @Sendable (isolated BattleOwner) throws -> R) throws -> R? {
        guard !released else { return nil }
        // Work that comes after a battle ended (a late commentary, a vote refused, a read) takes
        // its owner again; nothing else would let a finished battle's owner go afterwards.
        defer { releaseIfDone() }
        return try withAnnouncementsHeld { try body(self) }
    }

    /// Runs `body` holding what it announces, then sends it (unless an enclosing call holds).
    private func withAnnouncementsHeld<T>(_ body: () throws -> T) rethrows -> T {
        let outermost = !holdingAnnouncements
        holdingAnnouncements = true
        defer {
            if outermost {
                holdingAnnouncements = false
                sendAnnouncements()
            }
        }
        return try body()
    }

    /// Returns once every step that began before it has ended and sent its announcements: a
    /// joining client's catch-up read may see a step's writes before the step's broadcasts are
    /// sent, and must not stop holding broadcasts before they reach it.
    func settle() {}

    // MARK: The battle log

    /// Logs an event (persisted with the next `seq`), then broadcasts it to the battle's room.
    @discardableResult
    public func log<E: LoggedEvent>(_ event: E) throws -> Int {
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
        // Listeners read the database: inside a step's transaction, once it has committed.
        if stepTransaction != nil { statusChangedInStep = true } else { owners?.statusChanged() }
        announceToLobby()
        if !keepingOwner { releaseIfDone() }
        return seq
    }

    /// A write of the battle's state (any plugin's tables), in one transaction that first checks
    /// this owner still holds the battle's fence. An owner fenced out lets go of the battle and
    /// throws BATTLE_UNAVAILABLE (the client retries and reaches the new owner).
    @discardableResult
    public func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        guard !released else { throw ArenaError.battleUnavailable(battleId) }
        if let transaction = stepTransaction { return try body(transaction) }
        do {
            return try services.database.write { db in
                try store.checkFence(battleId, fence, in: db)
                return try body(db)
            }
        } catch let error as FencedOut {
            services.logger.warning("fenced out of a battle: another instance runs it now", metadata: ["battle": "\(battleId)", "error": "\(error)"])
            lose()
            throw ArenaError.battleUnavailable(battleId)
        }
    }

    /// Runs a step's writes in one transaction (fenced once, committed once): a turn stores
    /// the turn, logs `battle:turn`, moves the round and saves the progress in one commit instead
    /// of four. If any part fails nothing of the step is kept: the transaction is rolled back,
    /// the battle as held in memory is put back, and what the step announced is not sent.
    public func inOneTransaction<T>(_ body: () throws -> T) throws -> T {
        guard stepTransaction == nil else { return try body() }
        return try withAnnouncementsHeld {
            let before = battle
            let mark = outbox.mark
            defer {
                if statusChangedInStep {
                    statusChangedInStep = false
                    owners?.statusChanged()
                }
            }
            do {
                return try write { db in
                    stepTransaction = db
                    defer { stepTransaction = nil }
                    return try body()
                }
            } catch {
                battle = before
                outbox.discard(from: mark)
                throw error
            }
        }
    }

    /// Another instance runs the battle now: this owner lets go of it without a word.
    func lose() {
        guard !released else { return }
        released = true
        owners?.release(self, finished: battle.status.isFinished)
    }

    private func append(event: String, payload: [UInt8], status: (BattleStatus, Int)?) throws -> Int {
        let (seq, json) = try write { db in
            try store.appendLog(battleId: battleId, event: event, payload: payload, status: status, in: db)
        }
        battle.seq = seq
        if let (status, round) = status {
            battle.status = status
            battle.round = round
        }
        announce(event, json: json, to: [BattleRoom.battle(battleId)])
        return seq
    }

    // MARK: Broadcasting (not logged)

    /// To the battle's whole room.
    public func emit<E: ServerEvent>(_ event: E) {
        announce(event, to: [BattleRoom.battle(battleId)])
    }

    /// To every connection of one agent.
    public func emit<E: ServerEvent>(_ event: E, toAgent agentId: String) {
        announce(event, to: [BattleRoom.agent(agentId)])
    }

    private func announce<E: ServerEvent>(_ event: E, to rooms: Set<String>, exceptConnections: Set<String> = [], sentLast: Bool = false) {
        guard let json = try? ArenaJSON.encode(event) else { return }
        announce(E.name, json: json, to: rooms, exceptConnections: exceptConnections, sentLast: sentLast)
    }

    /// Sent now, or with the rest of the step's announcements when a step is running.
    private func announce(_ name: String, json: [UInt8], to rooms: Set<String>, exceptConnections: Set<String> = [], sentLast: Bool = false) {
        if holdingAnnouncements {
            outbox.add(name: name, json: json, to: rooms, exceptConnections: exceptConnections, sentLast: sentLast)
        } else {
            services.rooms.emit(storedEvent: name, json: json, to: rooms, exceptConnections: exceptConnections)
        }
    }

    private func sendAnnouncements() {
        guard !outbox.isEmpty else { return }
        for batch in outbox.take() {
            services.rooms.emit(storedEvents: batch.events, to: batch.rooms, exceptConnections: batch.exceptConnections)
        }
    }

    // MARK: Presence across instances

    /// An instance's report of who of the battle is connected to it. Announces agents that
    /// arrived or left the battle as a whole; true when every participant is present now and an
    /// agent arrived (the battle may start).
    func report(_ report: PresenceReport) -> Bool {
        if let share = shares[report.instance], share.epoch == report.epoch, share.version >= report.version { return false }
        let before = presentAgents
        // An emptied share is kept: its version tells an older report, overtaken on the way
        // (reports of one instance run concurrently), from a newer one.
        shares[report.instance] = Share(epoch: report.epoch, version: report.version, agents: Set(report.agents), spectators: report.spectators)
        let arrived = presenceMoved(from: before, except: report.connectionId)
        presenceChanged()
        releaseIfDone()
        return arrived && battle.participants.allSatisfy { presentAgents.contains($0.id) }
    }

    /// Forgets the shares of instances that left the cluster.
    func forget(instances gone: Set<String>) {
        let before = presentAgents
        let dropped = shares.keys.filter(gone.contains)
        guard !dropped.isEmpty else { return }
        for instance in dropped { shares.removeValue(forKey: instance) }
        _ = presenceMoved(from: before, except: nil)
        presenceChanged()
        releaseIfDone()
    }

    /// The instances with a share of the room, besides this one.
    var reportingInstances: Set<String> { Set(shares.filter { !$0.value.isEmpty }.keys) }

    /// Announces agents whose presence changed (see ``announceParticipants(joinedBy:)``); true if
    /// one arrived.
    private func presenceMoved(from before: Set<String>, except connectionId: String?) -> Bool {
        let now = presentAgents
        let arrived = now.subtracting(before)
        if let connectionId {
            for agentId in arrived { joinedBy[agentId] = connectionId }
        }
        announceParticipants()
        return !arrived.isEmpty
    }

    /// `participant_joined` / `participant_left`, paced per agent: an agent's change is announced
    /// at once when its last announcement is a presence interval old; otherwise the net change is
    /// announced when the interval has passed, so a join and a leave within it announce nothing
    /// and a flood of join/leave pairs gives spectators at most one event per agent per interval.
    private func announceParticipants() {
        let now = services.clock.now()
        let present = presentAgents
        for participant in battle.participants {
            let agentId = participant.id
            guard present.contains(agentId) != announcedAgents.contains(agentId), !participantFlushScheduled.contains(agentId) else {
                continue
            }
            if let last = participantAnnouncedAt[agentId], now < last.addingTimeInterval(presenceInterval.seconds) {
                participantFlushScheduled.insert(agentId)
                services.jobs.schedule(at: last.addingTimeInterval(presenceInterval.seconds), "participant \(battleId) \(agentId)") {
                    await self.flushParticipant(agentId)
                }
            } else {
                announceParticipant(agentId, present: present.contains(agentId), at: now)
            }
        }
    }

    private func flushParticipant(_ agentId: String) {
        participantFlushScheduled.remove(agentId)
        defer { releaseIfDone() }
        let present = presentAgents.contains(agentId)
        guard present != announcedAgents.contains(agentId) else {
            joinedBy[agentId] = nil
            return
        }
        announceParticipant(agentId, present: present, at: services.clock.now())
    }

    private func announceParticipant(_ agentId: String, present: Bool, at now: Date) {
        participantAnnouncedAt[agentId] = now
        let room: Set<String> = [BattleRoom.battle(battleId)]
        if present {
            announcedAgents.insert(agentId)
            let except: Set<String> = joinedBy.removeValue(forKey: agentId).map { [$0] } ?? []
            announce(ParticipantJoined(battleId: battleId, agentId: agentId, name: name(of: agentId)), to: room, exceptConnections: except)
        } else {
            announcedAgents.remove(agentId)
            joinedBy[agentId] = nil
            announce(ParticipantLeft(battleId: battleId, agentId: agentId, name: name(of: agentId)), to: room)
        }
    }

    private func name(of agentId: String) -> String {
        battle.participants.first { $0.id == agentId }?.name ?? ""
    }

    /// Participant agents with at least one connection in the battle's room, on any instance.
    public var presentAgents: Set<String> { shares.values.reduce(into: Set<String>()) { $0.formUnion($1.agents) } }

    private var spectatorCount: Int { shares.values.reduce(0) { $0 + $1.spectators } }

    // MARK: Release

    /// A finished battle with nobody in its room needs no owner: let it go.
    func releaseIfDone() {
        // Not before the step's transaction commits: the owner's end follows its last write.
        guard !released, stepTransaction == nil, battle.status.isFinished, shares.values.allSatisfy(\.isEmpty), !presenceScheduled,
            participantFlushScheduled.isEmpty
        else {
            return
        }
        released = true
        owners?.release(self, finished: battle.status.isFinished)
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
        announce(
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
        announce(LobbyBattle(battle, presence: currentPresence), to: [BattleRoom.lobby], sentLast: true)
    }

    private var currentPresence: LobbyPresence {
        LobbyPresence(agentsOnline: presentAgents.sorted(), spectators: spectatorCount)
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
