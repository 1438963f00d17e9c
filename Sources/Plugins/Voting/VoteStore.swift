import BattlePlugin
import Foundation
import GRDB
import Runtime
import SocketIOProtocol

/// The votes and voting-window tables, owned by the Voting plugin. A unique index on
/// (battle, voter) is what makes "one vote per voter" hold across reconnects, sockets and
/// server instances.
struct VoteStore: Sendable {
    let database: any DatabaseWriter
    let clock: any RuntimeClock

    static let migrations: [(String, @Sendable (GRDB.Database) throws -> Void)] = [
        (
            "voting.1-create",
            { db in
                try db.create(table: "voting_windows") { t in
                    t.primaryKey("battle_id", .text).references("battles", onDelete: .cascade)
                    t.column("ends_at", .datetime).notNull()
                    t.column("closed", .boolean).notNull().defaults(to: false)
                }
                try db.create(table: "votes") { t in
                    t.column("battle_id", .text).notNull().references("battles", onDelete: .cascade)
                    t.column("voter", .text).notNull()
                    t.column("choice", .text).notNull()
                    t.column("created_at", .datetime).notNull()
                    t.uniqueKey(["battle_id", "voter"])
                }
            }
        )
    ]

    // Writes are the battle owner's (`owner.write`), fenced in the same transaction.

    static func open(_ battleId: String, endsAt: Date, in db: GRDB.Database) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO voting_windows (battle_id, ends_at, closed) VALUES (?, ?, 0)", arguments: [battleId, endsAt])
    }

    func window(_ battleId: String) throws -> (endsAt: Date, closed: Bool)? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT ends_at, closed FROM voting_windows WHERE battle_id = ?", arguments: [battleId]).map {
                ($0["ends_at"], $0["closed"])
            }
        }
    }

    enum Outcome { case recorded, closed, alreadyVoted }

    /// Records the vote if the window is open and the voter has not voted, atomically.
    func record(battleId: String, voter: String, choice: String, in db: GRDB.Database) throws -> Outcome {
        let now = clock.now()
        guard let row = try Row.fetchOne(db, sql: "SELECT ends_at, closed FROM voting_windows WHERE battle_id = ?", arguments: [battleId]),
            !(row["closed"] as Bool), (row["ends_at"] as Date) > now
        else { return .closed }
        try db.execute(
            sql: "INSERT OR IGNORE INTO votes (battle_id, voter, choice, created_at) VALUES (?, ?, ?, ?)",
            arguments: [battleId, voter, choice, now]
        )
        return db.changesCount == 1 ? .recorded : .alreadyVoted
    }

    /// Closes the window (once) and returns the counts as stored; nil if it was already closed.
    static func close(_ battleId: String, choices: [String], in db: GRDB.Database) throws -> [String: Int]? {
        try db.execute(sql: "UPDATE voting_windows SET closed = 1 WHERE battle_id = ? AND closed = 0", arguments: [battleId])
        guard db.changesCount == 1 else { return nil }
        return try Self.counts(battleId, choices: choices, in: db)
    }

    func counts(_ battleId: String, choices: [String]) throws -> [String: Int] {
        try database.read { db in try Self.counts(battleId, choices: choices, in: db) }
    }

    static func counts(_ battleId: String, choices: [String], in db: GRDB.Database) throws -> [String: Int] {
        var counts = Dictionary(uniqueKeysWithValues: choices.map { ($0, 0) })
        for row in try Row.fetchAll(db, sql: "SELECT choice, COUNT(*) AS n FROM votes WHERE battle_id = ? GROUP BY choice", arguments: [battleId]) {
            counts[row["choice"], default: 0] = row["n"]
        }
        return counts
    }

    /// Battles whose voting window has not been closed (resumed after a restart).
    func openWindows() throws -> [(battleId: String, endsAt: Date)] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT battle_id, ends_at FROM voting_windows WHERE closed = 0").map { ($0["battle_id"], $0["ends_at"]) }
        }
    }

    /// The snapshot's `votes` once voting has opened.
    static let snapshotSection = VotesSnapshotSection { battle, db in
        guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM voting_windows WHERE battle_id = ?", arguments: [battle.id]) == 1 else { return nil }
        return try counts(battle.id, choices: battle.participants.map(\.id), in: db)
    }
}
