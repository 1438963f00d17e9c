import Foundation
import GRDB
import NIOConcurrencyHelpers
import Runtime
import SocketIOProtocol

/// Adds fields to a battle's snapshot (the Turns plugin adds `turns`, Voting `votes` and
/// `results`), read in the same transaction as the battle itself.
public typealias SnapshotContributor = @Sendable (_ battleId: String, _ db: GRDB.Database) throws -> [JSONMember]

/// What the Battle plugin offers the plugins that require it: battles, the battle log, status
/// changes, room broadcasting and snapshots. Resolve it with `registrar.resolve(BattleService.self)`.
public final class BattleService: Sendable {
    public let store: BattleStore
    let services: RuntimeServices
    let presenceInterval: Duration
    private let coordinators = NIOLockedValueBox<[String: BattleCoordinator]>([:])
    private let memberships = NIOLockedValueBox<[String: Set<String>]>([:])
    private let contributors = NIOLockedValueBox<[SnapshotContributor]>([BattleService.resultsContribution])
    let conclusionBox = NIOLockedValueBox<(any BattleConclusion)?>(nil)

    init(store: BattleStore, services: RuntimeServices, presenceInterval: Duration = .seconds(1)) {
        self.store = store
        self.services = services
        self.presenceInterval = presenceInterval
    }

    func coordinator(_ battleId: String) -> BattleCoordinator {
        coordinators.withLockedValue { all in
            if let existing = all[battleId] { return existing }
            let coordinator = BattleCoordinator(battleId: battleId, store: store, services: services, presenceInterval: presenceInterval)
            all[battleId] = coordinator
            return coordinator
        }
    }

    // MARK: Reading

    public func battle(_ id: String) throws -> Battle? {
        try store.battle(id)
    }

    /// The battle as a client sees it on (re)joining: status, round, seq, participants, and
    /// whatever the other plugins contribute (turns, votes, results).
    public func snapshot(_ id: String) throws -> JSONValue? {
        let contributors = self.contributors.withLockedValue { $0 }
        return try services.database.read { db in
            guard let battle = try BattleStore.battle(id, in: db) else { return nil }
            var members: [JSONMember] = [
                JSONMember("id", .string(battle.id)),
                JSONMember("title", .string(battle.title)),
                JSONMember("status", .string(battle.status.rawValue)),
                JSONMember("visibility", .string(battle.visibility.rawValue)),
                JSONMember("rounds", .int(Int64(battle.rounds))),
                JSONMember("round", .int(Int64(battle.round))),
                JSONMember("seq", .int(Int64(battle.seq))),
                JSONMember("participants", .array(battle.participants.map { .object(["id": .string($0.id), "name": .string($0.name)]) })),
                JSONMember("turns", .array([])),
                JSONMember("votes", .object([])),
                JSONMember("results", .null),
                JSONMember("createdAt", .string(ArenaJSON.formatDate(battle.createdAt))),
            ]
            for contributor in contributors {
                for member in try contributor(id, db) {
                    if let index = members.firstIndex(where: { $0.key == member.key }) {
                        members[index] = member
                    } else {
                        members.append(member)
                    }
                }
            }
            return .object(members)
        }
    }

    public func addSnapshotContributor(_ contributor: @escaping SnapshotContributor) {
        contributors.withLockedValue { $0.append(contributor) }
    }

    /// Participant agents with at least one connection in the battle's room (this instance).
    public func presentAgents(_ battleId: String) async -> Set<String> {
        await coordinator(battleId).presentAgents
    }

    // MARK: The battle log

    /// Logs an event of the battle (persisted first, with the next `seq`), then broadcasts it to
    /// the battle's room. Returns its `seq`.
    @discardableResult
    public func append<E: ServerEvent>(_ event: E, to battleId: String) async throws -> Int {
        try await coordinator(battleId).append(event: E.name, payload: try ArenaJSON.encode(event), status: nil)
    }

    /// Changes the battle's status and round, and logs `battle:state`, in one transaction.
    @discardableResult
    public func setStatus(_ status: BattleStatus, round: Int, of battleId: String) async throws -> Int {
        let event = BattleStateChanged(battleId: battleId, status: status, round: round)
        let seq = try await coordinator(battleId).append(event: BattleStateChanged.name, payload: try ArenaJSON.encode(event), status: (status, round))
        services.metrics.counter("moltarena_battle_transitions_total", ["status": status.rawValue]).increment()
        refreshStatusGauges()
        return seq
    }

    /// Sets the `moltarena_battles{status}` gauges from the database (after every change of
    /// status, and at start-up).
    public func refreshStatusGauges() {
        guard let counts = try? services.database.read({ db in
            try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM battles GROUP BY status").map { ($0["status"] as String, $0["n"] as Int) }
        }) else { return }
        let known = Dictionary(counts, uniquingKeysWith: +)
        for status in BattleStatus.allCases {
            services.metrics.gauge("moltarena_battles", ["status": status.rawValue]).record(known[status.rawValue] ?? 0)
        }
    }

    // MARK: Broadcasting (not logged)

    public func emit<E: ServerEvent>(_ event: E, toBattle battleId: String) {
        services.rooms.emit(event, to: [BattleRoom.battle(battleId)])
    }

    public func emit<E: ServerEvent>(_ event: E, toAgentsOf battleId: String) {
        services.rooms.emit(event, to: [BattleRoom.agents(of: battleId)])
    }

    public func emit<E: ServerEvent>(_ event: E, toSpectatorsOf battleId: String) {
        services.rooms.emit(event, to: [BattleRoom.spectators(of: battleId)])
    }

    /// To every connection of one agent.
    public func emit<E: ServerEvent>(_ event: E, toAgent agentId: String) {
        services.rooms.emit(event, to: [BattleRoom.agent(agentId)])
    }

    // MARK: Joining and leaving

    func join(_ request: JoinBattle, connection: Connection) async throws -> BattleConnected {
        guard let battle = try store.battle(request.battleId) else { throw ArenaError.battleNotFound(request.battleId) }
        let identity = connection.identity
        let isParticipant = battle.isParticipant(identity.agentId)
        if battle.visibility == .private && !isParticipant {
            throw ArenaError(.privateBattle, "battle \(battle.id) is private to its participants", status: .forbidden)
        }
        if identity.role == .agent && !isParticipant && request.role != .spectator {
            throw ArenaError(.notParticipant, "agent \(identity.agentId ?? "") is not a participant of \(battle.id); join with role \"spectator\" to watch", status: .forbidden)
        }
        let role: Identity.Role = isParticipant ? .agent : .spectator
        let coordinator = coordinator(battle.id)
        let outcome = try await coordinator.join(connection, role: role, battle: battle, sinceSeq: request.sinceSeq)
        memberships.withLockedValue { _ = $0[connection.id, default: []].insert(battle.id) }
        guard let snapshot = try snapshot(battle.id) else { throw ArenaError.battleNotFound(battle.id) }
        await services.bus.publish(BattleJoined(battleId: battle.id, connection: connection, role: role))
        if outcome.allParticipantsPresent && role == .agent {
            await services.bus.publish(BattleReady(battleId: battle.id))
        }
        return BattleConnected(battleId: battle.id, role: role, battle: snapshot)
    }

    func leave(_ battleId: String, connection: Connection) async throws -> BattleLeft {
        let battle = try store.battle(battleId)
        guard await coordinator(battleId).leave(connectionId: connection.id, battle: battle) else {
            throw ArenaError(.notInBattle, "this connection has not joined battle \(battleId)", status: .conflict)
        }
        memberships.withLockedValue { _ = $0[connection.id]?.remove(battleId) }
        return BattleLeft(battleId: battleId)
    }

    /// A connection went away: it leaves every battle it was in.
    func disconnected(connectionId: String) async {
        let battles = memberships.withLockedValue { $0.removeValue(forKey: connectionId) } ?? []
        for battleId in battles {
            _ = await coordinator(battleId).leave(connectionId: connectionId, battle: try? store.battle(battleId))
        }
    }
}
