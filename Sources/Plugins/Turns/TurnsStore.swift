import BattlePlugin
import Foundation
import GRDB
import Runtime
import SocketIOProtocol

/// The turns and turn-progress tables, owned by the Turns plugin. Positions number a battle's
/// turns from 0 (round = position / participants + 1). A unique index on (battle, position) makes
/// "one decision per turn" hold even across server instances; one on (battle, agent, clientTurnId)
/// makes retries idempotent.
struct TurnsStore: Sendable {
    let database: any DatabaseWriter
    let clock: any RuntimeClock

    static let migrations: [(String, @Sendable (GRDB.Database) throws -> Void)] = [
        ("turns.1-create", { db in
            try db.create(table: "turns") { t in
                t.primaryKey("turn_id", .text)
                t.column("battle_id", .text).notNull().references("battles", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("round", .integer).notNull()
                t.column("agent_id", .text).notNull()
                t.column("content", .text).notNull()
                t.column("client_turn_id", .text)
                t.column("audio_url", .text)
                t.column("created_at", .datetime).notNull()
                t.uniqueKey(["battle_id", "position"])
                t.uniqueKey(["battle_id", "agent_id", "client_turn_id"])
            }
            try db.create(table: "turns_progress") { t in
                t.primaryKey("battle_id", .text).references("battles", onDelete: .cascade)
                t.column("next_position", .integer).notNull()
                t.column("starts_at", .datetime)
                t.column("deadline", .datetime)
            }
        })
    ]

    struct Progress: Sendable, Equatable {
        var nextPosition: Int
        var startsAt: Date?
        var deadline: Date?
    }

    struct StoredTurn: Sendable {
        var turnId: String
        var position: Int
        var round: Int
        var agentId: String
        var content: String
        var audioUrl: String?
        var createdAt: Date
    }

    func progress(_ battleId: String) throws -> Progress? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM turns_progress WHERE battle_id = ?", arguments: [battleId]).map {
                Progress(nextPosition: $0["next_position"], startsAt: $0["starts_at"], deadline: $0["deadline"])
            }
        }
    }

    func setProgress(_ battleId: String, _ progress: Progress) throws {
        try database.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO turns_progress (battle_id, next_position, starts_at, deadline) VALUES (?, ?, ?, ?)",
                arguments: [battleId, progress.nextPosition, progress.startsAt, progress.deadline]
            )
        }
    }

    /// Stores the turn at `position` if the battle still waits for it, and moves the battle to
    /// the next position, in one transaction.
    func accept(battleId: String, position: Int, round: Int, agentId: String, content: String, clientTurnId: String?) throws -> StoredTurn {
        let turnId = ArenaID.make("trn")
        let now = clock.now()
        return try database.write { db in
            let next = try Int.fetchOne(db, sql: "SELECT next_position FROM turns_progress WHERE battle_id = ?", arguments: [battleId])
            guard next == position else { throw ArenaError(.notYourTurn, "it is not your turn", status: .conflict) }
            try db.execute(
                sql: "INSERT INTO turns (turn_id, battle_id, position, round, agent_id, content, client_turn_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [turnId, battleId, position, round, agentId, content, clientTurnId, now]
            )
            try db.execute(sql: "UPDATE turns_progress SET next_position = ?, deadline = NULL WHERE battle_id = ?", arguments: [position + 1, battleId])
            return StoredTurn(turnId: turnId, position: position, round: round, agentId: agentId, content: content, audioUrl: nil, createdAt: now)
        }
    }

    /// Placeholder mode: appends a turn after the last one, with no turn order.
    func appendUnordered(battleId: String, agentId: String, content: String, clientTurnId: String?) throws -> StoredTurn {
        let turnId = ArenaID.make("trn")
        let now = clock.now()
        return try database.write { db in
            let position = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position) + 1, 0) FROM turns WHERE battle_id = ?", arguments: [battleId]) ?? 0
            try db.execute(
                sql: "INSERT INTO turns (turn_id, battle_id, position, round, agent_id, content, client_turn_id, created_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                arguments: [turnId, battleId, position, agentId, content, clientTurnId, now]
            )
            return StoredTurn(turnId: turnId, position: position, round: 1, agentId: agentId, content: content, audioUrl: nil, createdAt: now)
        }
    }

    /// The turn an agent already submitted in this battle under this client id (a retry).
    func turn(battleId: String, agentId: String, clientTurnId: String) throws -> StoredTurn? {
        try database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM turns WHERE battle_id = ? AND agent_id = ? AND client_turn_id = ?",
                arguments: [battleId, agentId, clientTurnId]
            ).map(Self.turn(from:))
        }
    }

    func turns(_ battleId: String) throws -> [StoredTurn] {
        try database.read { db in try Self.turns(battleId, in: db) }
    }

    static func turns(_ battleId: String, in db: GRDB.Database) throws -> [StoredTurn] {
        try Row.fetchAll(db, sql: "SELECT * FROM turns WHERE battle_id = ? ORDER BY position", arguments: [battleId]).map(turn(from:))
    }

    func setAudioURL(_ turnId: String, _ url: String) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE turns SET audio_url = ? WHERE turn_id = ?", arguments: [url, turnId])
        }
    }

    /// Battles whose turns are under way (for resuming after a restart).
    func battlesToResume() throws -> [String] {
        try database.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT b.id FROM battles b JOIN turns_progress p ON p.battle_id = b.id WHERE b.status IN ('STARTING', 'IN_PROGRESS')"
            )
        }
    }

    static func turn(from row: Row) -> StoredTurn {
        StoredTurn(
            turnId: row["turn_id"], position: row["position"], round: row["round"], agentId: row["agent_id"],
            content: row["content"], audioUrl: row["audio_url"], createdAt: row["created_at"]
        )
    }

    /// The snapshot's `turns`.
    static func snapshotContribution(_ battleId: String, _ db: GRDB.Database) throws -> [JSONMember] {
        let turns = try turns(battleId, in: db).map { turn -> JSONValue in
            var members: [JSONMember] = [
                JSONMember("turnId", .string(turn.turnId)),
                JSONMember("round", .int(Int64(turn.round))),
                JSONMember("agentId", .string(turn.agentId)),
                JSONMember("content", .string(turn.content)),
                JSONMember("createdAt", .string(ArenaJSON.formatDate(turn.createdAt))),
            ]
            if let audio = turn.audioUrl { members.append(JSONMember("audioUrl", .string(audio))) }
            return .object(members)
        }
        return [JSONMember("turns", .array(turns))]
    }
}
