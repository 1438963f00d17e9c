import BattlePlugin
import Foundation
import Runtime
import SocketIOProtocol

/// The turns and turn-progress tables, owned by the Turns plugin. Positions number a battle's
/// turns from 0 (round = position / participants + 1). A unique index on (battle, position) makes
/// "one decision per turn" hold even across server instances; one on (battle, agent, clientTurnId)
/// makes retries idempotent.
struct TurnsStore: Sendable {
    let database: any SQLDatabase
    let clock: any RuntimeClock

    static let migrations: [SQLMigration] = [
        SQLMigration(
            "turns.1-create",
            """
            CREATE TABLE turns (
                turn_id TEXT PRIMARY KEY NOT NULL,
                battle_id TEXT NOT NULL REFERENCES battles (id) ON DELETE CASCADE,
                position BIGINT NOT NULL,
                round BIGINT NOT NULL,
                agent_id TEXT NOT NULL,
                content TEXT NOT NULL,
                client_turn_id TEXT,
                audio_url TEXT,
                created_at TIMESTAMPTZ NOT NULL,
                UNIQUE (battle_id, position),
                UNIQUE (battle_id, agent_id, client_turn_id)
            )
            """,
            """
            CREATE TABLE turns_progress (
                battle_id TEXT PRIMARY KEY NOT NULL REFERENCES battles (id) ON DELETE CASCADE,
                next_position BIGINT NOT NULL,
                starts_at TIMESTAMPTZ,
                deadline TIMESTAMPTZ
            )
            """
        ),
        // The end is persisted before the verdict, so a restart while the judge thinks judges again.
        SQLMigration(
            "turns.2-ended",
            "ALTER TABLE turns_progress ADD COLUMN ended_reason TEXT",
            "ALTER TABLE turns_progress ADD COLUMN forfeited_by TEXT"
        ),
    ]

    typealias Progress = TurnStateMachine.Progress

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
            try SQLRow.fetchOne(db, sql: "SELECT * FROM turns_progress WHERE battle_id = ?", arguments: [battleId]).map {
                Progress(
                    nextPosition: try $0["next_position"], startsAt: try $0["starts_at"], deadline: try $0["deadline"],
                    endedReason: try $0["ended_reason"], forfeitedBy: try $0["forfeited_by"]
                )
            }
        }
    }

    /// Writes are the battle owner's (`owner.write`), fenced in the same transaction.
    static func setProgress(_ battleId: String, _ progress: Progress, in db: any SQLConnection) throws {
        try db.execute(
            sql: """
                INSERT INTO turns_progress (battle_id, next_position, starts_at, deadline, ended_reason, forfeited_by)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (battle_id) DO UPDATE SET next_position = excluded.next_position, starts_at = excluded.starts_at,
                    deadline = excluded.deadline, ended_reason = excluded.ended_reason, forfeited_by = excluded.forfeited_by
                """,
            arguments: [battleId, progress.nextPosition, progress.startsAt, progress.deadline, progress.endedReason, progress.forfeitedBy]
        )
    }

    /// Stores the turn if the battle still waits for it at its position, and the progress after
    /// it, in one transaction: the unique (battle, position) index keeps one decision per turn
    /// whatever else writes.
    func accept(_ turn: TurnStateMachine.NewTurn, battleId: String, next: Progress, in db: any SQLConnection) throws {
        let now = clock.now()
        let expected = try Int.fetchOne(db, sql: "SELECT next_position FROM turns_progress WHERE battle_id = ?", arguments: [battleId])
        guard expected == turn.position else { throw ArenaError(.notYourTurn, "it is not your turn", status: .conflict) }
        try db.execute(
            sql: """
                INSERT INTO turns (turn_id, battle_id, position, round, agent_id, content, client_turn_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [turn.turnId, battleId, turn.position, turn.round, turn.agentId, turn.content, turn.clientTurnId, now]
        )
        try Self.setProgress(battleId, next, in: db)
    }

    /// The turns accepted under a client id, for retries after a restart.
    func acceptedByClientId(_ battleId: String) throws -> [TurnStateMachine.ClientTurnKey: TurnStateMachine.AcceptedTurn] {
        try database.read { db in
            var accepted: [TurnStateMachine.ClientTurnKey: TurnStateMachine.AcceptedTurn] = [:]
            let rows = try SQLRow.fetchAll(
                db, sql: "SELECT turn_id, round, agent_id, client_turn_id FROM turns WHERE battle_id = ? AND client_turn_id IS NOT NULL",
                arguments: [battleId]
            )
            for row in rows {
                accepted[.init(agentId: try row["agent_id"], clientTurnId: try row["client_turn_id"])] = .init(
                    turnId: try row["turn_id"], round: try row["round"])
            }
            return accepted
        }
    }

    /// Placeholder mode: appends a turn after the last one, with no turn order.
    func appendUnordered(battleId: String, agentId: String, content: String, clientTurnId: String?, in db: any SQLConnection) throws -> StoredTurn {
        let turnId = ArenaID.make("trn")
        let now = clock.now()
        let position =
            try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position) + 1, 0) FROM turns WHERE battle_id = ?", arguments: [battleId]) ?? 0
        try db.execute(
            sql:
                "INSERT INTO turns (turn_id, battle_id, position, round, agent_id, "
                + "content, client_turn_id, created_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
            arguments: [turnId, battleId, position, agentId, content, clientTurnId, now]
        )
        return StoredTurn(turnId: turnId, position: position, round: 1, agentId: agentId, content: content, audioUrl: nil, createdAt: now)
    }

    /// The turn an agent already submitted in this battle under this client id (a retry).
    func turn(battleId: String, agentId: String, clientTurnId: String) throws -> StoredTurn? {
        try database.read { db in
            try SQLRow.fetchOne(
                db, sql: "SELECT * FROM turns WHERE battle_id = ? AND agent_id = ? AND client_turn_id = ?",
                arguments: [battleId, agentId, clientTurnId]
            ).map(Self.turn(from:))
        }
    }

    func turns(_ battleId: String) throws -> [StoredTurn] {
        try database.read { db in try Self.turns(battleId, in: db) }
    }

    static func turns(_ battleId: String, in db: any SQLConnection) throws -> [StoredTurn] {
        try SQLRow.fetchAll(db, sql: "SELECT * FROM turns WHERE battle_id = ? ORDER BY position", arguments: [battleId]).map(turn(from:))
    }

    static func setAudioURL(_ turnId: String, _ url: String, in db: any SQLConnection) throws {
        try db.execute(sql: "UPDATE turns SET audio_url = ? WHERE turn_id = ?", arguments: [url, turnId])
    }

    /// The turn open now, as persisted (for an agent that joins: is it its turn?).
    func openTurn(_ battle: Battle) throws -> SnapshotCurrentTurn? {
        try database.read { db in try Self.currentTurnSection.read(battle, db) }
    }

    /// Of these battles, the ones the machine has progress for.
    func withProgress(_ battleIds: [String]) throws -> [String] {
        try database.read { db in
            try battleIds.filter { id in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM turns_progress WHERE battle_id = ?", arguments: [id]) == 1
            }
        }
    }

    static func turn(from row: SQLRow) throws -> StoredTurn {
        StoredTurn(
            turnId: try row["turn_id"], position: try row["position"], round: try row["round"], agentId: try row["agent_id"],
            content: try row["content"], audioUrl: try row["audio_url"], createdAt: try row["created_at"]
        )
    }

    /// The snapshot's `currentTurn`: the open turn as persisted in the progress row (a deadline
    /// and no end), while the battle is in progress.
    static let currentTurnSection = CurrentTurnSnapshotSection { battle, db in
        guard battle.status == .inProgress, !battle.participants.isEmpty,
            let row = try SQLRow.fetchOne(
                db, sql: "SELECT next_position, deadline, ended_reason FROM turns_progress WHERE battle_id = ?", arguments: [battle.id]),
            (try row["ended_reason"] as String?) == nil, let deadline: Date = try row["deadline"]
        else { return nil }
        let position: Int = try row["next_position"]
        let count = battle.participants.count
        return SnapshotCurrentTurn(agentId: battle.participants[position % count].id, round: position / count + 1, deadline: deadline)
    }

    /// The snapshot's `turns`: a turn's index is its rank by position (positions skip the
    /// turns that were missed), so a page is an offset into the turns in position order.
    static let snapshotSection = TurnsSnapshotSection(
        count: { battle, db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM turns WHERE battle_id = ?", arguments: [battle.id]) ?? 0
        },
        page: { battle, from, limit, db in
            try SQLRow.fetchAll(
                db, sql: "SELECT * FROM turns WHERE battle_id = ? ORDER BY position LIMIT ? OFFSET ?", arguments: [battle.id, limit, from]
            ).map { row in
                let turn = try turn(from: row)
                return SnapshotTurn(
                    turnId: turn.turnId, round: turn.round, agentId: turn.agentId, content: turn.content, createdAt: turn.createdAt,
                    audioUrl: turn.audioUrl)
            }
        }
    )
}
