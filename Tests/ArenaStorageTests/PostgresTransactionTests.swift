import ArenaStorage
import Foundation
import PostgresStorage
import Testing

extension ArenaStorageTests {
    /// What only PostgreSQL does: its column types, row locks that make a writer wait, deadlocks,
    /// and a transaction a failed statement aborts.
    @Suite(.enabled(if: !PostgresTestCluster.isSkipped, "MOLTARENA_SKIP_POSTGRES=1"))
    struct PostgresTransactions {
        @Test func columnsAreReadByTheirType() throws {
            let test = try TestDatabase.make(.postgres)
            defer { test.close() }
            let row = try #require(
                try test.database.read { db in
                    try SQLRow.fetchOne(
                        db,
                        sql: """
                            SELECT 2::smallint AS i2, 4 AS i4, TRUE AS yes, FALSE AS no, 1.25::numeric AS num,
                                   2.5::real AS f4, 'v'::varchar AS vc, 'b'::char(3) AS bp, 'n'::name AS nm,
                                   '2024-01-02 03:04:05.678'::timestamp AS ts, '00000000-0000-0000-0000-00000000002a'::uuid AS id,
                                   '{"a": 1}'::jsonb AS doc
                            """
                    )
                }
            )
            #expect(row.value("i2") == .integer(2))
            #expect(row.value("i4") == .integer(4))
            #expect(row.value("yes") == .integer(1))
            #expect(row.value("no") == .integer(0))
            #expect(try row["yes"] as Bool)
            #expect(row.value("num") == .real(1.25))
            #expect(row.value("f4") == .real(2.5))
            #expect(row.value("vc") == .text("v"))
            #expect(row.value("bp") == .text("b  "))
            #expect(row.value("nm") == .text("n"))
            #expect(row.value("ts") == .date(Date(timeIntervalSince1970: 1_704_164_645.678)))
            #expect(row.value("id") == .text("00000000-0000-0000-0000-00000000002A"))
            #expect(row.value("doc") == .text(#"{"a": 1}"#))
        }

        /// PostgreSQL keeps microseconds; a date comes back to the microsecond, not one short.
        @Test func datesKeepTheirMicroseconds() throws {
            let test = try TestDatabase.make(.postgres)
            defer { test.close() }
            let microseconds: [Int64] = [1_789_123_456_789_000, 1_789_123_456_789_001, 946_684_799_999_999, 1_000_000, -1_234_567]
            for value in microseconds {
                let date = Date(timeIntervalSince1970: Double(value) / 1_000_000)
                let read = try test.database.read { db in try Date.fetchOne(db, sql: "SELECT ? AS d", arguments: [date]) }
                #expect(read.map { Int64(($0.timeIntervalSince1970 * 1_000_000).rounded()) } == value)
            }
        }

        /// SQLite would commit the rest of such a body; PostgreSQL aborted the transaction at the
        /// failed statement, and the write says so instead of returning as if it had committed.
        @Test func aBodyThatSwallowsAStatementErrorDoesNotCommit() throws {
            let test = try TestDatabase.make(.postgres)
            defer { test.close() }
            let db = test.database
            _ = try db.write { db in try db.execute(sql: "CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)") }
            let error = #expect(throws: SQLError.self) {
                try db.write { db in
                    try db.execute(sql: "INSERT INTO kv (k, v) VALUES ('a', 1)")
                    _ = try? db.execute(sql: "INSERT INTO kv (k, v) VALUES ('a', 2)")
                }
            }
            #expect(error?.isFailed == true)
            #expect("\(String(describing: error))".contains("unique violation"))
            #expect(try db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM kv") } == 0)
        }

        @Test func aReadCannotWrite() throws {
            let test = try TestDatabase.make(.postgres)
            defer { test.close() }
            let error = #expect(throws: SQLError.self) {
                try test.database.read { db in try db.execute(sql: "CREATE TABLE t (x BIGINT)") }
            }
            #expect("\(String(describing: error))".contains("read-only"))
        }

        /// The first writer holds the row (`FOR UPDATE`); the second waits for it, then reads
        /// what the first committed.
        @Test func aLockingReadMakesTheSecondWriterWaitAndSeeTheFirstsUpdate() throws {
            let test = try TestDatabase.withCounters(.postgres)
            defer { test.close() }
            let db = test.database
            let lockingRead = "SELECT n FROM counter WHERE id = 1" + db.dialect.lockingRead
            let firstHoldsTheRow = DispatchSemaphore(value: 0)
            let firstMayCommit = DispatchSemaphore(value: 0)
            let secondSaw = Locked<Int64?>(nil)
            let done = DispatchGroup()
            onThread(done) {
                _ = try? db.write { db in
                    let n = try Int64.fetchOne(db, sql: lockingRead) ?? -1
                    firstHoldsTheRow.signal()
                    firstMayCommit.wait()
                    try db.execute(sql: "UPDATE counter SET n = ? WHERE id = 1", arguments: [n + 1])
                }
            }
            try #require(firstHoldsTheRow.wait(timeout: .now() + 10) == .success)
            onThread(done) {
                _ = try? db.write { db in
                    let n = try Int64.fetchOne(db, sql: lockingRead) ?? -1
                    secondSaw.withLock { $0 = n }
                    try db.execute(sql: "UPDATE counter SET n = ? WHERE id = 1", arguments: [n + 10])
                }
            }
            // The second writer waits on the row's lock (seen from a third connection).
            let waiting = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            let deadline = Date(timeIntervalSinceNow: 10)
            while try db.read({ db in try Int.fetchOne(db, sql: waiting) }) != 1 {
                try #require(Date() < deadline, "the second writer never waited for the row")
            }
            #expect(secondSaw.current == nil)
            firstMayCommit.signal()
            try #require(done.wait(timeout: .now() + 10) == .success)
            #expect(secondSaw.current == 1)
            #expect(try db.read { db in try Int.fetchOne(db, sql: "SELECT n FROM counter WHERE id = 1") } == 11)
        }

        /// Two writers lock two rows in opposite orders: PostgreSQL ends one of them with a
        /// deadlock error, and that one's body runs again and succeeds.
        @Test func aDeadlockedTransactionIsRunAgain() throws {
            let test = try TestDatabase.withCounters(.postgres, ids: [1, 2])
            defer { test.close() }
            let db = test.database
            let locked = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
            let attempts = Locked([0, 0])
            let errors = Locked<[String]>([])
            onThreads(2) { writer in
                let (mine, theirs) = writer == 0 ? (1, 2) : (2, 1)
                do {
                    try db.write { db in
                        let attempt = attempts.withLock {
                            $0[writer] += 1; return $0[writer]
                        }
                        try db.execute(sql: "UPDATE counter SET n = n + 1 WHERE id = ?", arguments: [mine])
                        if attempt == 1 {
                            // Both hold their first row before either asks for its second.
                            locked[writer].signal()
                            locked[1 - writer].wait()
                        }
                        try db.execute(sql: "UPDATE counter SET n = n + 1 WHERE id = ?", arguments: [theirs])
                    }
                } catch {
                    errors.withLock { $0.append("\(error)") }
                }
            }
            #expect(errors.current == [])
            #expect(attempts.current.sorted() == [1, 2], "one writer ran twice")
            #expect(try db.read { db in try Int.fetchAll(db, sql: "SELECT n FROM counter ORDER BY id") } == [2, 2])
        }

        @Test func aFullPoolMakesACallerWaitForAConnection() throws {
            let test = try TestDatabase.make(.postgres, poolSize: 1)
            defer { test.close() }
            let db = test.database
            let holding = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let done = DispatchGroup()
            onThread(done) {
                _ = try? db.read { _ in
                    holding.signal()
                    release.wait()
                }
            }
            try #require(holding.wait(timeout: .now() + 10) == .success)
            onThread { release.signal() }
            // Leased only once the first read gives its connection back.
            #expect(try db.read { db in try Int.fetchOne(db, sql: "SELECT 1") } == 1)
            try #require(done.wait(timeout: .now() + 10) == .success)
        }
    }
}
