import Foundation
import NIOConcurrencyHelpers
import Runtime
import SocketIOProtocol

/// Decides what happens once a battle's turns are over. The Voting plugin contributes one (to
/// ``BattlePlugin/conclusion``) that opens the vote; without one the battle completes with the
/// judge's result. Runs on the battle's owner.
public protocol BattleConclusion: Sendable {
    func turnsEnded(on owner: isolated BattleOwner) throws
}

/// The results tables, owned by the Battle plugin so that whichever plugin ends a battle (Turns
/// without voting, or Voting) stores and announces results the same way.
enum BattleOutcomeTables {
    static let migrations: [SQLMigration] = [
        SQLMigration(
            "battle.2-outcome",
            """
            CREATE TABLE battle_judgments (
                battle_id TEXT PRIMARY KEY NOT NULL REFERENCES battles (id) ON DELETE CASCADE,
                judge TEXT NOT NULL,
                winner_id TEXT,
                created_at TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE battle_results (
                battle_id TEXT PRIMARY KEY NOT NULL REFERENCES battles (id) ON DELETE CASCADE,
                votes TEXT NOT NULL,
                judge TEXT,
                winner_id TEXT,
                created_at TIMESTAMPTZ NOT NULL
            )
            """
        )
    ]

    /// The stored results, for the snapshot.
    static func results(_ battleId: String, in db: any SQLConnection) throws -> (votes: JSONValue, results: JSONValue)? {
        guard let row = try SQLRow.fetchOne(db, sql: "SELECT votes, judge, winner_id FROM battle_results WHERE battle_id = ?", arguments: [battleId])
        else {
            return nil
        }
        let votes = (try? JSONParser.parse(try row["votes"] as String)) ?? .object([])
        let judge = (try row["judge"] as String?).flatMap { try? JSONParser.parse($0) } ?? .null
        let winner: JSONValue = (try row["winner_id"] as String?).map(JSONValue.string) ?? .null
        return (votes, .object(["votes": votes, "judge": judge, "winnerId": winner]))
    }
}

/// The end of a battle, on its owner.
extension BattleOwner {
    /// Stores the judge's verdict for the battle (replacing an earlier one).
    public func recordJudgment(_ judge: JSONValue, winnerId: String?) throws {
        let now = services.clock.now()
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO battle_judgments (battle_id, judge, winner_id, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (battle_id) DO UPDATE SET judge = excluded.judge, winner_id = excluded.winner_id, created_at = excluded.created_at
                    """,
                arguments: [battleId, JSONWriter.string(judge), winnerId, now]
            )
        }
    }

    /// The judge's stored verdict.
    public func judgment() throws -> (judge: JSONValue, winnerId: String?)? {
        try services.database.read { db in
            guard let row = try SQLRow.fetchOne(db, sql: "SELECT judge, winner_id FROM battle_judgments WHERE battle_id = ?", arguments: [battleId])
            else {
                return nil
            }
            return ((try? JSONParser.parse(try row["judge"] as String)) ?? .null, try row["winner_id"])
        }
    }

    /// The turns are over: the installed conclusion takes over, or the battle completes with the
    /// judge's result and no votes.
    public func turnsEnded() throws {
        if let conclusion {
            try conclusion.turnsEnded(on: self)
        } else {
            let judgment = try judgment()
            try complete(votes: [:], judge: judgment?.judge, winnerId: judgment?.winnerId)
        }
    }

    /// Stores the results, completes the battle (`battle:state`), and announces the results once
    /// as `battle:results`. Calling it again for a completed battle changes nothing.
    public func complete(votes: [String: Int], judge: JSONValue?, winnerId: String?) throws {
        let now = services.clock.now()
        let battleId = self.battleId
        let inserted = try write { db -> Bool in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM battle_results WHERE battle_id = ?", arguments: [battleId]) == 0 else {
                return false
            }
            try db.execute(
                sql: "INSERT INTO battle_results (battle_id, votes, judge, winner_id, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    battleId, JSONWriter.string(.object(votes.sorted { $0.key < $1.key }.map { JSONMember($0.key, .int(Int64($0.value))) })),
                    judge.map(JSONWriter.string), winnerId, now,
                ]
            )
            return true
        }
        // The status first: a client that sees the results finds the battle completed. The
        // results are logged before the owner can be released by the status change.
        if inserted {
            if battle.status != .completed { try setStatus(.completed, round: battle.round, keepingOwner: true) }
            try log(BattleResultsEvent(battleId: battleId, votes: votes, judge: judge, winnerId: winnerId))
            releaseIfDone()
        } else if battle.status != .completed {
            try setStatus(.completed, round: battle.round)
        }
    }
}
