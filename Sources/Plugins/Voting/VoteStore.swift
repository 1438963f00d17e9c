import BattlePlugin
import Foundation
import Runtime
import SocketIOProtocol

/// The votes and voting-window tables, owned by the Voting plugin. A unique index on
/// (battle, voter) is what makes "one vote per voter" hold across reconnects, sockets and
/// server instances.
struct VoteStore: Sendable {
    let database: any SQLDatabase
    let clock: any RuntimeClock

    static let migrations: [SQLMigration] = [
        SQLMigration(
            "voting.1-create",
            """
            CREATE TABLE voting_windows (
                battle_id TEXT PRIMARY KEY NOT NULL REFERENCES battles (id) ON DELETE CASCADE,
                ends_at TIMESTAMPTZ NOT NULL,
                closed BIGINT NOT NULL DEFAULT 0
            )
            """,
            """
            CREATE TABLE votes (
                battle_id TEXT NOT NULL REFERENCES battles (id) ON DELETE CASCADE,
                voter TEXT NOT NULL,
                choice TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                UNIQUE (battle_id, voter)
            )
            """
        )
    ]

    // Writes are the battle owner's (`owner.write`), fenced in the same transaction.

    static func open(_ battleId: String, endsAt: Date, in db: any SQLConnection) throws {
        try db.execute(
            sql: "INSERT INTO voting_windows (battle_id, ends_at, closed) VALUES (?, ?, 0) ON CONFLICT DO NOTHING", arguments: [battleId, endsAt])
    }

    func window(_ battleId: String) throws -> (endsAt: Date, closed: Bool)? {
        try database.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT ends_at, closed FROM voting_windows WHERE battle_id = ?", arguments: [battleId]).map {
                (try $0["ends_at"], try $0["closed"])
            }
        }
    }

    enum Outcome { case recorded, closed, alreadyVoted }

    /// Records the vote if the window is open and the voter has not voted, atomically.
    func record(battleId: String, voter: String, choice: String, in db: any SQLConnection) throws -> Outcome {
        let now = clock.now()
        guard let row = try SQLRow.fetchOne(db, sql: "SELECT ends_at, closed FROM voting_windows WHERE battle_id = ?", arguments: [battleId]),
            !(try row["closed"] as Bool), (try row["ends_at"] as Date) > now
        else { return .closed }
        let inserted = try db.execute(
            sql: "INSERT INTO votes (battle_id, voter, choice, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            arguments: [battleId, voter, choice, now]
        )
        return inserted == 1 ? .recorded : .alreadyVoted
    }

    /// Closes the window (once) and returns the counts as stored; nil if it was already closed.
    static func close(_ battleId: String, choices: [String], in db: any SQLConnection) throws -> [String: Int]? {
        guard try db.execute(sql: "UPDATE voting_windows SET closed = 1 WHERE battle_id = ? AND closed = 0", arguments: [battleId]) == 1
        else { return nil }
        return try Self.counts(battleId, choices: choices, in: db)
    }

    func counts(_ battleId: String, choices: [String]) throws -> [String: Int] {
        try database.read { db in try Self.counts(battleId, choices: choices, in: db) }
    }

    static func counts(_ battleId: String, choices: [String], in db: any SQLConnection) throws -> [String: Int] {
        var counts = Dictionary(uniqueKeysWithValues: choices.map { ($0, 0) })
        for row in try SQLRow.fetchAll(db, sql: "SELECT choice, COUNT(*) AS n FROM votes WHERE battle_id = ? GROUP BY choice", arguments: [battleId])
        {
            counts[try row["choice"], default: 0] = try row["n"]
        }
        return counts
    }

    /// Battles whose voting window has not been closed (resumed after a restart).
    func openWindows() throws -> [(battleId: String, endsAt: Date)] {
        try database.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT battle_id, ends_at FROM voting_windows WHERE closed = 0").map {
                (try $0["battle_id"], try $0["ends_at"])
            }
        }
    }

    /// The snapshot's `votes` once voting has opened.
    static let snapshotSection = VotesSnapshotSection { battle, db in
        guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM voting_windows WHERE battle_id = ?", arguments: [battle.id]) == 1 else { return nil }
        return try counts(battle.id, choices: battle.participants.map(\.id), in: db)
    }
}
