import Foundation
import GRDB
import NIOConcurrencyHelpers
import Runtime
import SocketIOProtocol

/// What the Battle plugin offers the plugins that require it: battles with their participants
/// and status, the owners that run them (``owners``), and snapshots. Other plugins never read
/// the Battle plugin's tables. Resolve it with `try registrar.resolve(BattleService.self)`.
public final class BattleService: Sendable {
    public let store: BattleStore
    /// Runs things on a battle's owner (its log, its status, the plugins' rules for it).
    public let owners: BattleOwners
    let services: RuntimeServices
    let snapshots: SnapshotBuilder
    private let memberships = NIOLockedValueBox<[String: Set<String>]>([:])

    init(
        store: BattleStore, services: RuntimeServices, presenceInterval: Duration = .seconds(1),
        conclusion: Contributions<any BattleConclusion>, snapshots: SnapshotBuilder
    ) {
        self.store = store
        self.services = services
        self.snapshots = snapshots
        let gauges = StatusGauges(database: services.database, metrics: services.metrics)
        self.owners = BattleOwners(
            store: store, services: services, presenceInterval: presenceInterval,
            conclusion: conclusion, onStatusChange: { gauges.refresh() }
        )
    }

    // MARK: Reading

    /// A battle with its participants (in turn order) and status.
    public func battle(_ id: String) throws -> Battle? {
        try store.battle(id)
    }

    /// The ids of the battles in one of these statuses (to resume the ones under way at start-up).
    public func battleIds(withStatus statuses: Set<BattleStatus>) throws -> [String] {
        try store.battleIds(withStatus: statuses)
    }

    /// The battle as a client sees it on (re)joining: status, round, seq, participants, and the
    /// sections other plugins contribute (turns, votes), read in one transaction.
    public func snapshot(_ id: String) throws -> JSONValue? {
        try services.database.read { db in try snapshots.snapshot(id, in: db) }
    }

    /// Sets the `moltarena_battles{status}` gauges from the database.
    public func refreshStatusGauges() {
        StatusGauges(database: services.database, metrics: services.metrics).refresh()
    }

    /// Participant agents with at least one connection in the battle's room (this instance).
    public func presentAgents(_ battleId: String) async throws -> Set<String> {
        try await owners.run(battleId) { owner in owner.presentAgents }
    }

    /// The battle's logged events, in order, with the time each was logged (replays).
    public func log(_ id: String) throws -> [BattleLogEntry] {
        try services.database.read { db in try store.log(battleId: id, after: 0, in: db) }
    }

    // MARK: The lobby

    /// `lobby:join`: the connection follows the public battles; the reply lists them.
    func joinLobby(_ connection: Connection) throws -> LobbyConnected {
        connection.join(BattleRoom.lobby)
        let battles = try store.listPublic(status: nil)
        return LobbyConnected(battles: battles.map { LobbyBattle($0, presence: owners.presence(of: $0.id)) })
    }

    /// A battle was created: the lobby shows it at once (private ones never).
    func announceCreated(_ battle: Battle) {
        guard battle.visibility == .public else { return }
        services.rooms.emit(LobbyBattle(battle, presence: LobbyPresence()), to: [BattleRoom.lobby])
    }

    // MARK: Joining and leaving

    func join(_ request: JoinBattle, connection: Connection) async throws -> BattleConnected {
        let identity = connection.identity
        let (role, outcome) = try await owners.run(request.battleId) { owner -> (Identity.Role, BattleOwner.JoinOutcome) in
            let battle = owner.battle
            let isParticipant = battle.isParticipant(identity.agentId)
            if battle.visibility == .private && !isParticipant {
                throw ArenaError(.privateBattle, "battle \(battle.id) is private to its participants", status: .forbidden)
            }
            if identity.role == .agent && !isParticipant && request.role != .spectator {
                throw ArenaError(
                    .notParticipant,
                    "agent \(identity.agentId ?? "") is not a participant of \(battle.id); join with role \"spectator\" to watch",
                    status: .forbidden
                )
            }
            let role: Identity.Role = isParticipant ? .agent : .spectator
            return (role, try owner.join(connection, role: role, sinceSeq: request.sinceSeq))
        }
        memberships.withLockedValue { _ = $0[connection.id, default: []].insert(request.battleId) }
        guard let snapshot = try snapshot(request.battleId) else { throw ArenaError.battleNotFound(request.battleId) }
        await services.bus.publish(BattleJoined(battleId: request.battleId, connection: connection, role: role))
        if outcome.allParticipantsPresent && role == .agent {
            await services.bus.publish(BattleReady(battleId: request.battleId))
        }
        return BattleConnected(battleId: request.battleId, role: role, battle: snapshot)
    }

    func leave(_ battleId: String, connection: Connection) async throws -> BattleLeft {
        let joined = memberships.withLockedValue { $0[connection.id]?.contains(battleId) ?? false }
        guard joined, try await owners.run(battleId, { owner in owner.leave(connectionId: connection.id) }) else {
            throw ArenaError(.notInBattle, "this connection has not joined battle \(battleId)", status: .conflict)
        }
        memberships.withLockedValue { _ = $0[connection.id]?.remove(battleId) }
        return BattleLeft(battleId: battleId)
    }

    /// A connection went away: it leaves every battle it was in.
    func disconnected(connectionId: String) async {
        let battles = memberships.withLockedValue { $0.removeValue(forKey: connectionId) } ?? []
        for battleId in battles {
            _ = try? await owners.run(battleId) { owner in owner.leave(connectionId: connectionId) }
        }
    }
}

/// The `moltarena_battles{status}` gauges, counted in the database after every change of status.
struct StatusGauges: Sendable {
    let database: any DatabaseWriter
    let metrics: RuntimeMetrics

    func refresh() {
        guard let counts = try? database.read({ db in try BattleStore.countsByStatus(in: db) }) else { return }
        for status in BattleStatus.allCases {
            metrics.gauge("moltarena_battles", ["status": status.rawValue]).record(counts[status] ?? 0)
        }
    }
}
