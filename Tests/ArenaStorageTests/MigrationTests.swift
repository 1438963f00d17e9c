import ArenaStorage
import Foundation
import PostgresStorage
import Testing

extension ArenaStorageTests {
    @Suite struct Migrations {
        /// Each migration leaves a line in `history`, so the test sees which ran, in what order.
        static let history = SQLMigration("000-history", "CREATE TABLE history (seq BIGINT PRIMARY KEY, name TEXT NOT NULL)")
        static let things = SQLMigration(
            "001-things",
            "CREATE TABLE things (id BIGINT PRIMARY KEY, name TEXT NOT NULL)",
            "INSERT INTO history (seq, name) VALUES (1, '001-things')"
        )
        /// Needs the table the one before it makes.
        static let score = SQLMigration(
            "002-score",
            "ALTER TABLE things ADD COLUMN score BIGINT",
            "INSERT INTO history (seq, name) VALUES (2, '002-score')"
        )
        static let seed = SQLMigration(
            "003-seed",
            "INSERT INTO things (id, name, score) VALUES (1, 'first', 7)",
            "INSERT INTO history (seq, name) VALUES (3, '003-seed')"
        )
        static let perDialect = SQLMigration(
            "004-per-dialect",
            sqlite: ["INSERT INTO history (seq, name) VALUES (4, 'sqlite')"],
            postgres: ["INSERT INTO history (seq, name) VALUES (4, 'postgres')"]
        )

        static func history(_ db: any SQLDatabase) throws -> [String] {
            try db.read { db in try String.fetchAll(db, sql: "SELECT name FROM history ORDER BY seq") }
        }

        @Test(arguments: Backend.enabled)
        func migrationsApplyOnceInOrderAndRerunningIsHarmless(backend: Backend) throws {
            let test = try TestDatabase.make(backend)
            defer { test.close() }
            let db = test.database
            #expect(try db.appliedMigrations() == [])

            try db.migrate([Self.history, Self.things, Self.score])
            #expect(try db.appliedMigrations() == ["000-history", "001-things", "002-score"])
            #expect(try Self.history(db) == ["001-things", "002-score"])

            try db.migrate([Self.history, Self.things, Self.score])
            #expect(try Self.history(db) == ["001-things", "002-score"], "nothing runs twice")

            try db.migrate([Self.history, Self.things, Self.score, Self.seed, Self.perDialect])
            try db.migrate([Self.history, Self.things, Self.score, Self.seed, Self.perDialect])
            #expect(try Self.history(db) == ["001-things", "002-score", "003-seed", backend.rawValue])
            #expect(try db.appliedMigrations().count == 5)
            #expect(try db.read { db in try Int.fetchOne(db, sql: "SELECT score FROM things WHERE id = 1") } == 7)
        }

        @Test(arguments: Backend.enabled)
        func aFailingMigrationIsNotRecordedAndItsErrorComesOut(backend: Backend) throws {
            let test = try TestDatabase.make(backend)
            defer { test.close() }
            let db = test.database
            try db.migrate([Self.history, Self.things])
            let broken = SQLMigration("005-broken", "INSERT INTO history (seq, name) VALUES (5, 'broken')", "CREATE TABLE things (id BIGINT)")
            #expect(throws: SQLError.self) { try db.migrate([Self.history, Self.things, broken]) }
            #expect(!(try db.appliedMigrations().contains("005-broken")))
            #expect(try Self.history(db) == ["001-things"], "the failed migration's first statement was rolled back")
        }
    }

    @Suite(.enabled(if: !PostgresTestCluster.isSkipped, "MOLTARENA_SKIP_POSTGRES=1"))
    struct PostgresMigrations {
        /// Two instances starting at the same moment both migrate the same database: both succeed,
        /// and each migration runs once (a second run of its CREATE TABLE would fail).
        @Test func twoHandlesMigratingAtOnceBothSucceedAndApplyEachOnce() throws {
            for _ in 0..<3 {
                let test = try TestDatabase.make(.postgres)
                defer { test.close() }
                let handles: [any SQLDatabase] = [test.database, try test.anotherHandle()]
                defer { (handles[1] as? PostgresDatabase)?.shutdown() }
                let migrations = [Migrations.history, Migrations.things, Migrations.score, Migrations.seed]
                let errors = Locked<[String]>([])
                onThreads(2) { index in
                    do { try handles[index].migrate(migrations) } catch { errors.withLock { $0.append("\(error)") } }
                }
                #expect(errors.current == [])
                #expect(try Migrations.history(test.database) == ["001-things", "002-score", "003-seed"])
                #expect(try test.database.appliedMigrations() == Set(migrations.map(\.name)))
            }
        }
    }
}
