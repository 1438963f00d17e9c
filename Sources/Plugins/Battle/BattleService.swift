import Foundation
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
    /// Who is in which battle's room on this instance.
    let members = LocalMembers()
    /// Battles whose last presence report did not reach their owner.
    private let unreported = NIOLockedValueBox<Set<String>>([])
    /// One presence report in flight per battle, so the newest arrives last.
    private let reporter = PresenceReporter()

    init(
        store: BattleStore, services: RuntimeServices, presenceInterval: Duration = .seconds(1), leaseTTL: Duration = .seconds(4),
        conclusion: Contributions<any BattleConclusion>, inputs: Contributions<BattleInputHandler>,
        takeovers: Contributions<BattleTakeover>, snapshots: SnapshotBuilder
    ) {
        self.store = store
        self.services = services
        self.snapshots = snapshots
        let gauges = StatusGauges(database: services.database, metrics: services.metrics)
        self.owners = BattleOwners(
            store: store, services: services, presenceInterval: presenceInterval, leaseTTL: leaseTTL,
            conclusion: conclusion, inputs: inputs, takeovers: takeovers, onStatusChange: { gauges.refresh() }
        )
    }

    // MARK: Reading

    /// A battle with its participants (in turn order) and status.
    public func battle(_ id: String) throws -> Battle? {
        try store.battle(id)
    }

    /// The battle, if `agentId` (nil: anyone) may see it: a private battle exists only for its
    /// participants; anyone else gets BATTLE_NOT_FOUND, as for a battle that does not exist.
    public func visibleBattle(_ id: String, to agentId: String?) throws -> Battle {
        guard let battle = try store.battle(id), battle.visibility == .public || battle.isParticipant(agentId) else {
            throw ArenaError.battleNotFound(id)
        }
        return battle
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

    /// A run of the battle's accepted turns (the snapshot carries only the newest ones), read in
    /// one transaction; nil for a battle that does not exist.
    public func turns(_ id: String, _ range: TurnsRange) throws -> TurnsPage? {
        try services.database.read { db in
            guard let battle = try BattleStore.battle(id, in: db) else { return nil }
            return try snapshots.turns(of: battle, range, in: db)
        }
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
    /// When the connection (on this instance) joined the battle's room and is in it still; nil
    /// when it is not in the room.
    public func joinedRoom(_ connection: Connection, battleId: String) -> Date? {
        members.joinedAt(connection.id, battleId: battleId)
    }

    public func log(_ id: String) throws -> [BattleLogEntry] {
        try services.database.read { db in try store.log(battleId: id, after: 0, in: db) }
    }

    // MARK: The lobby

    /// `lobby:join`: the connection follows the public battles; the reply lists them.
    /// Presence counts are the owners', summed across the cluster's instances.
    func joinLobby(_ connection: Connection) async throws -> LobbyConnected {
        connection.join(BattleRoom.lobby)
        let battles = try store.listPublic(status: nil)
        let presence = await owners.lobbyPresence(of: battles.filter { !$0.status.isFinished }.map(\.id))
        return LobbyConnected(battles: battles.map { LobbyBattle($0, presence: presence[$0.id] ?? LobbyPresence()) })
    }

    /// A battle was created: the lobby shows it at once (private ones never).
    func announceCreated(_ battle: Battle) {
        guard battle.visibility == .public else { return }
        services.rooms.emit(LobbyBattle(battle, presence: LobbyPresence()), to: [BattleRoom.lobby])
    }

    // MARK: Joining and leaving

    /// `battle:join`, on the instance the connection is on: the room, what was missed since
    /// `sinceSeq` and the snapshot come from here and the database; the battle's owner (here or
    /// elsewhere) hears of the new presence.
    func join(_ request: JoinBattle, connection: Connection) async throws -> BattleConnected {
        let identity = connection.identity
        guard let battle = try store.battle(request.battleId) else { throw ArenaError.battleNotFound(request.battleId) }
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
        // In the room first, holding what arrives; then one read of what was missed and of the
        // snapshot. Whatever is logged after that read arrives held; what arrives held but was
        // read already is dropped: no gap, no duplicate, whichever instance logs.
        connection.holdBroadcasts()
        connection.join(BattleRoom.battle(battle.id))
        connection.join(role == .agent ? BattleRoom.agents(of: battle.id) : BattleRoom.spectators(of: battle.id))
        let read: (missed: [BattleLogEntry], snapshot: JSONValue?, seq: Int)
        do {
            read = try catchUp(battle.id, sinceSeq: request.sinceSeq)
        } catch {
            connection.releaseBroadcasts(after: []) { _, _ in false }
            throw error
        }
        let (missed, snapshot, seq) = read
        let battleId = battle.id
        // The read may have seen a step's writes whose broadcasts are not sent yet: hold until
        // they are, or they would arrive after the catch-up as duplicates.
        await owners.settle(battleId)
        connection.releaseBroadcasts(after: missed.map { ($0.event, $0.payload) }) { _, payload in
            guard case .object = payload, payload["battleId"]?.stringValue == battleId, let logged = payload["seq"]?.intValue else { return false }
            return logged <= seq
        }
        guard let snapshot else { throw ArenaError.battleNotFound(battleId) }
        if let summary = members.add(connection, role: role, to: battleId, at: services.clock.now(), caughtUpTo: seq) {
            await report(summary, connectionId: connection.id)
        }
        await services.bus.publish(BattleJoined(battleId: battleId, connection: connection, role: role))
        return BattleConnected(battleId: battleId, role: role, battle: snapshot)
    }

    /// What a joining client missed, its snapshot and the `seq` both stop at, in one read
    /// transaction. Synchronous on purpose: GRDB's async reads hold a reader while they wait for
    /// a thread of the cooperative pool, which synchronous reads elsewhere may all be blocking.
    private func catchUp(_ battleId: String, sinceSeq: Int?) throws -> (missed: [BattleLogEntry], snapshot: JSONValue?, seq: Int) {
        try services.database.read { db in
            let missed = try sinceSeq.map { try store.log(battleId: battleId, after: $0, in: db) } ?? []
            let seq = try BattleStore.battle(battleId, in: db)?.seq ?? 0
            return (missed, try snapshots.snapshot(battleId, in: db), seq)
        }
    }

    func leave(_ battleId: String, connection: Connection) async throws -> BattleLeft {
        guard let (member, summary) = members.remove(connection.id, from: battleId) else {
            throw ArenaError(.notInBattle, "this connection has not joined battle \(battleId)", status: .conflict)
        }
        leaveRooms(connection, role: member.role, battleId: battleId)
        await report(summary, connectionId: nil)
        return BattleLeft(battleId: battleId)
    }

    /// A connection went away: it leaves every battle it was in.
    func disconnected(connectionId: String) async {
        for battleId in members.battles(of: connectionId) {
            guard let (_, summary) = members.remove(connectionId, from: battleId) else { continue }
            await report(summary, connectionId: nil)
        }
    }

    private func leaveRooms(_ connection: Connection, role: Identity.Role, battleId: String) {
        connection.leave(BattleRoom.battle(battleId))
        connection.leave(role == .agent ? BattleRoom.agents(of: battleId) : BattleRoom.spectators(of: battleId))
    }

    /// Tells the battle's owner this instance's share of its room. A report that cannot reach
    /// the owner (it is failing over) is sent again by the supervisor once a new owner holds it.
    func report(_ summary: PresenceSummary, connectionId: String?) async {
        let report = PresenceReport(
            battleId: summary.battleId, instance: services.cluster.instanceId, epoch: members.epoch, version: summary.version,
            agents: summary.agents, spectators: summary.spectators, connectionId: connectionId
        )
        await reporter.send(report) { [owners, unreported, services] report in
            do {
                _ = try await owners.send(report)
                _ = unreported.withLockedValue { $0.remove(report.battleId) }
            } catch {
                _ = unreported.withLockedValue { $0.insert(report.battleId) }
                services.logger.notice(
                    "presence not reported to the battle's owner yet", metadata: ["battle": "\(report.battleId)", "error": "\(error)"])
            }
        }
    }

    /// The battles whose last report failed.
    var unreportedBattles: Set<String> { unreported.withLockedValue { $0 } }
}

/// The `moltarena_battles{status}` gauges, counted in the database after every change of status.
struct StatusGauges: Sendable {
    let database: any SQLDatabase
    let metrics: RuntimeMetrics

    func refresh() {
        guard let counts = try? database.read({ db in try BattleStore.countsByStatus(in: db) }) else { return }
        for status in BattleStatus.allCases {
            metrics.gauge("moltarena_battles", ["status": status.rawValue]).record(counts[status] ?? 0)
        }
    }
}
