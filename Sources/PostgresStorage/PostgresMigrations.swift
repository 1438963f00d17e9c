import ArenaStorage
import Foundation

/// Migrations on PostgreSQL: recorded in `arena_migrations`, applied by whichever instance asks
/// first. Instances starting together all migrate; an advisory lock held for the transaction
/// makes them take turns, so each migration runs once and the others find it recorded.
extension PostgresDatabase {
    /// The key of the advisory lock migrations hold: any fixed number no other code of the
    /// database's users takes ("MoltArna" in ASCII).
    static let migrationLockKey: Int64 = 0x4D6F_6C74_4172_6E61

    /// Applies, in order and in one transaction, each migration not recorded yet: all of them or,
    /// when one fails, none. A migration's statements must be ones PostgreSQL runs in a
    /// transaction (not `CREATE INDEX CONCURRENTLY`).
    public func migrate(_ migrations: [SQLMigration]) throws {
        let applied = try write { db -> [String] in
            // Taken first: two instances creating the table at once would collide on its name.
            try db.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [Self.migrationLockKey])
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS arena_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)")
            // Read after the lock: in READ COMMITTED this statement sees what an instance that held
            // the lock before committed.
            let recorded = Set(try String.fetchAll(db, sql: "SELECT name FROM arena_migrations"))
            var applied: [String] = []
            for migration in migrations where !recorded.contains(migration.name) {
                for statement in migration.statements(.postgres) { try db.execute(sql: statement) }
                try db.execute(sql: "INSERT INTO arena_migrations (name, applied_at) VALUES (?, ?)", arguments: [migration.name, Date()])
                applied.append(migration.name)
            }
            return applied
        }
        for name in applied { logger.info("applied migration", metadata: ["migration": "\(name)"]) }
    }

    public func appliedMigrations() throws -> Set<String> {
        try read { db in
            guard try Bool.fetchOne(db, sql: "SELECT to_regclass('arena_migrations') IS NOT NULL") == true else { return [] }
            return Set(try String.fetchAll(db, sql: "SELECT name FROM arena_migrations"))
        }
    }
}
