import Foundation
import Runtime
import SocketIOProtocol

/// One row of a battle's log: the event's name, its JSON object (with `seq`), and when it was logged.
public struct BattleLogEntry: Sendable {
    public var event: String
    public var payload: [UInt8]
    public var loggedAt: Date
}

/// An owner's write refused: a later owner took the battle's fence.
struct FencedOut: Error, CustomStringConvertible {
    var battleId: String
    var held: Int
    var current: Int?
    var description: String { "battle \(battleId): fence \(held), now \(current.map(String.init) ?? "none")" }
}

/// The battles, participants and battle log tables, owned by the Battle plugin.
public struct BattleStore: Sendable {
    let database: any SQLDatabase
    let clock: any RuntimeClock
    /// The most rounds ``create(title:agentIds:visibility:rounds:)`` accepts.
    public let maxRounds: Int

    public init(database: any SQLDatabase, clock: any RuntimeClock, maxRounds: Int = BattleStore.defaultMaxRounds) {
        self.database = database
        self.clock = clock
        self.maxRounds = maxRounds
    }

    public static let migrations: [SQLMigration] = [
        SQLMigration(
            "battle.1-create",
            """
            CREATE TABLE battles (
                id TEXT PRIMARY KEY NOT NULL,
                title TEXT NOT NULL,
                status TEXT NOT NULL,
                visibility TEXT NOT NULL,
                rounds BIGINT NOT NULL,
                round BIGINT NOT NULL DEFAULT 0,
                seq BIGINT NOT NULL DEFAULT 0,
                created_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX battles_on_status ON battles (status)",
            """
            CREATE TABLE battle_participants (
                battle_id TEXT NOT NULL REFERENCES battles (id) ON DELETE CASCADE,
                agent_id TEXT NOT NULL,
                position BIGINT NOT NULL,
                PRIMARY KEY (battle_id, agent_id)
            )
            """,
            "CREATE INDEX battle_participants_on_agent_id ON battle_participants (agent_id)",
            """
            CREATE TABLE battle_log (
                battle_id TEXT NOT NULL REFERENCES battles (id) ON DELETE CASCADE,
                seq BIGINT NOT NULL,
                event TEXT NOT NULL,
                payload TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (battle_id, seq)
            )
            """
        ),
        // The fencing token of the battle's current owner: each owner write checks it.
        SQLMigration("battle.2-fence", "ALTER TABLE battles ADD COLUMN fence BIGINT NOT NULL DEFAULT 0"),
    ]

    /// The most rounds a battle may have unless the operator says otherwise (`[battle] max_rounds`).
    public static let defaultMaxRounds = 50
    /// The most `max_rounds` may be.
    public static let roundsCeiling = 10_000
    public static let maxTitleLength = 200

    /// Creates a battle in LOBBY. Participants are active agents, distinct, in turn order.
    public func create(title: String, agentIds: [String], visibility: Visibility, rounds: Int) throws -> Battle {
        let title = try DisplayText.validated(title, field: "title", maxLength: Self.maxTitleLength)
        guard (1...maxRounds).contains(rounds) else {
            throw ArenaError.invalidPayload("rounds must be between 1 and \(maxRounds)")
        }
        guard agentIds.count >= 2, Set(agentIds).count == agentIds.count else {
            throw ArenaError.invalidPayload("a battle needs at least two different agents")
        }
        let id = ArenaID.make("btl")
        let now = clock.now()
        return try database.write { db in
            for agentId in agentIds {
                let status = try String.fetchOne(db, sql: "SELECT status FROM agents WHERE id = ?", arguments: [agentId])
                guard let status else { throw ArenaError(.agentNotFound, "no agent \(agentId)", status: .notFound) }
                guard status == "active" else { throw ArenaError(.agentInactive, "agent \(agentId) is inactive", status: .conflict) }
            }
            try db.execute(
                sql: "INSERT INTO battles (id, title, status, visibility, rounds, round, seq, created_at) VALUES (?, ?, ?, ?, ?, 0, 0, ?)",
                arguments: [id, title, BattleStatus.lobby.rawValue, visibility.rawValue, rounds, now]
            )
            for (position, agentId) in agentIds.enumerated() {
                try db.execute(
                    sql: "INSERT INTO battle_participants (battle_id, agent_id, position) VALUES (?, ?, ?)",
                    arguments: [id, agentId, position]
                )
            }
            return try Self.battle(id, in: db)!
        }
    }

    public func battle(_ id: String) throws -> Battle? {
        try database.read { db in try Self.battle(id, in: db) }
    }

    static func battle(_ id: String, in db: any SQLConnection) throws -> Battle? {
        guard let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM battles WHERE id = ?", arguments: [id]) else { return nil }
        let participants = try SQLRow.fetchAll(
            db,
            sql: """
                SELECT p.agent_id, COALESCE(a.name, '') AS name FROM battle_participants p
                LEFT JOIN agents a ON a.id = p.agent_id WHERE p.battle_id = ? ORDER BY p.position
                """,
            arguments: [id]
        ).map { Participant(id: try $0["agent_id"], name: try $0["name"]) }
        return Battle(
            id: try row["id"], title: try row["title"],
            status: BattleStatus(rawValue: try row["status"]) ?? .cancelled,
            visibility: Visibility(rawValue: try row["visibility"]) ?? .private,
            rounds: try row["rounds"], round: try row["round"], seq: try row["seq"],
            participants: participants, createdAt: try row["created_at"]
        )
    }

    /// Public battles, newest first, optionally with one status.
    public func listPublic(status: BattleStatus?, limit: Int = 100) throws -> [Battle] {
        try database.read { db in
            var sql = "SELECT id FROM battles WHERE visibility = 'public'"
            var arguments: [any SQLValueConvertible] = []
            if let status {
                sql += " AND status = ?"
                arguments += [status.rawValue]
            }
            sql += " ORDER BY created_at DESC, id LIMIT ?"
            arguments += [limit]
            return try String.fetchAll(db, sql: sql, arguments: arguments).compactMap { try Self.battle($0, in: db) }
        }
    }

    /// The battles `agentId` takes part in (private ones too), newest first, optionally with one status.
    public func battles(of agentId: String, status: BattleStatus?, limit: Int = 100) throws -> [Battle] {
        try database.read { db in
            var sql = "SELECT b.id FROM battles b JOIN battle_participants p ON p.battle_id = b.id WHERE p.agent_id = ?"
            var arguments: [any SQLValueConvertible] = [agentId]
            if let status {
                sql += " AND b.status = ?"
                arguments += [status.rawValue]
            }
            sql += " ORDER BY b.created_at DESC, b.id LIMIT ?"
            arguments += [limit]
            return try String.fetchAll(db, sql: sql, arguments: arguments).compactMap { try Self.battle($0, in: db) }
        }
    }

    /// The battles in one of these statuses created before `date`, oldest first.
    func battleIds(withStatus statuses: Set<BattleStatus>, createdBefore date: Date) throws -> [String] {
        guard !statuses.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: statuses.count).joined(separator: ", ")
        return try database.read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM battles WHERE status IN (\(marks)) AND created_at <= ? ORDER BY created_at, id",
                arguments: statuses.map(\.rawValue).sorted() + [date]
            )
        }
    }

    func battleIds(withStatus statuses: Set<BattleStatus>) throws -> [String] {
        guard !statuses.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: statuses.count).joined(separator: ", ")
        return try database.read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM battles WHERE status IN (\(marks)) ORDER BY created_at, id",
                arguments: statuses.map(\.rawValue).sorted()
            )
        }
    }

    static func countsByStatus(in db: any SQLConnection) throws -> [BattleStatus: Int] {
        var counts: [BattleStatus: Int] = [:]
        for row in try SQLRow.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM battles GROUP BY status") {
            if let status = BattleStatus(rawValue: try row["status"]) { counts[status] = try row["n"] }
        }
        return counts
    }

    /// Appends an event to the battle log and returns its sequence number and payload (the
    /// event's JSON object with `seq` added), in one transaction.
    func appendLog(
        battleId: String, event: String, payload: [UInt8], status: (BattleStatus, Int)? = nil, in db: any SQLConnection
    ) throws -> (seq: Int, payload: [UInt8]) {
        guard let current = try Int.fetchOne(db, sql: "SELECT seq FROM battles WHERE id = ?", arguments: [battleId]) else {
            throw ArenaError.battleNotFound(battleId)
        }
        let seq = current + 1
        let withSeq = Self.adding(seq: seq, to: payload)
        try db.execute(
            sql: "INSERT INTO battle_log (battle_id, seq, event, payload, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [battleId, seq, event, String(decoding: withSeq, as: UTF8.self), clock.now()]
        )
        if let (status, round) = status {
            try db.execute(sql: "UPDATE battles SET seq = ?, status = ?, round = ? WHERE id = ?", arguments: [seq, status.rawValue, round, battleId])
        } else {
            try db.execute(sql: "UPDATE battles SET seq = ? WHERE id = ?", arguments: [seq, battleId])
        }
        return (seq, withSeq)
    }

    /// Makes the caller the battle's owner: a new fencing token (one more than the last owner's),
    /// and the battle as stored, in one transaction. Tokens come from the database, not from
    /// Redis, so they keep increasing whatever happens to Redis's memory.
    func takeFence(_ battleId: String) throws -> (battle: Battle, fence: Int)? {
        try database.write { db in
            guard try db.execute(sql: "UPDATE battles SET fence = fence + 1 WHERE id = ?", arguments: [battleId]) == 1,
                let battle = try Self.battle(battleId, in: db),
                let fence = try Int.fetchOne(db, sql: "SELECT fence FROM battles WHERE id = ?", arguments: [battleId])
            else { return nil }
            return (battle, fence)
        }
    }

    /// The battle's fencing token now (nil for an unknown battle).
    func fence(_ battleId: String) throws -> Int? {
        try database.read { db in try Int.fetchOne(db, sql: "SELECT fence FROM battles WHERE id = ?", arguments: [battleId]) }
    }

    /// Throws ``FencedOut`` unless `fence` is still the battle's token (inside the owner's write).
    /// The read locks the battle's row (PostgreSQL), so a takeover's new fence waits for this
    /// write to commit and the new owner then reads what it wrote.
    func checkFence(_ battleId: String, _ fence: Int, in db: any SQLConnection) throws {
        let current = try Int.fetchOne(db, sql: "SELECT fence FROM battles WHERE id = ?" + db.dialect.lockingRead, arguments: [battleId])
        guard current == fence else { throw FencedOut(battleId: battleId, held: fence, current: current) }
    }

    /// The logged events after `seq`, in order.
    func log(battleId: String, after seq: Int, in db: any SQLConnection) throws -> [BattleLogEntry] {
        try SQLRow.fetchAll(
            db, sql: "SELECT event, payload, created_at FROM battle_log WHERE battle_id = ? AND seq > ? ORDER BY seq", arguments: [battleId, seq]
        )
        .map { BattleLogEntry(event: try $0["event"], payload: Array((try $0["payload"] as String).utf8), loggedAt: try $0["created_at"]) }
    }

    /// `{"seq":N,...}` from an event's JSON object, without decoding it.
    static func adding(seq: Int, to object: [UInt8]) -> [UInt8] {
        JSONWriter.prepending("\"seq\":\(seq)".utf8, toObject: object)
    }
}
