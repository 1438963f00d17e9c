import ArenaStorage
import Foundation
import Testing

extension ArenaStorageTests {
    /// What the stores may count on from any ``SQLDatabase``: each test runs on SQLite and on
    /// PostgreSQL and expects the same answers.
    @Suite struct Contract {
        struct Boom: Error {}

        static let valuesTable = """
            CREATE TABLE vals (id BIGINT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, t TEXT, b BYTEA, d TIMESTAMPTZ)
            """

        /// Dates the databases keep to the millisecond (SQLite's text form has no more).
        static let dates = [
            Date(timeIntervalSince1970: 1_789_123_456.789),
            Date(timeIntervalSince1970: 946_684_799.999),  // just before PostgreSQL's epoch, 2000-01-01
            Date(timeIntervalSince1970: 0),
        ]

        static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

        @Test(arguments: Backend.enabled)
        func everyKindOfValueRoundTrips(backend: Backend) throws {
            let test = try TestDatabase.make(backend)
            defer { test.close() }
            let db = test.database
            let text = "Grüße, 世界 🎉 'single' \"double\" ? \\ back\nline"
            let bytes = (0...255).map { UInt8($0) }
            try db.write { db in
                try db.execute(sql: Self.valuesTable)
                try db.execute(
                    sql: "INSERT INTO vals (id, i, r, t, b, d) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [1, Int64.max, 3.141592653589793, text, Data(bytes), Self.dates[0]]
                )
                try db.execute(
                    sql: "INSERT INTO vals (id, i, r, t, b, d) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [2, Int64.min, -1e-300, "", Data(), Self.dates[1]]
                )
                try db.execute(
                    sql: "INSERT INTO vals (id, i, r, t, b, d) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [3, SQLValue.null, SQLValue.null, SQLValue.null, SQLValue.null, SQLValue.null]
                )
            }
            let rows = try db.read { db in try SQLRow.fetchAll(db, sql: "SELECT i, r, t, b, d FROM vals ORDER BY id") }
            try #require(rows.count == 3)
            #expect(rows[0].columns == ["i", "r", "t", "b", "d"])
            #expect(rows[0].value("i") == .integer(Int64.max))
            #expect(rows[0].value("r") == .real(3.141592653589793))
            #expect(rows[0].value("t") == .text(text))
            #expect(rows[0].value("b") == .blob(bytes))
            #expect(Self.milliseconds(try rows[0]["d"]) == Self.milliseconds(Self.dates[0]))
            #expect(rows[1].value("i") == .integer(Int64.min))
            #expect(rows[1].value("r") == .real(-1e-300))
            #expect(rows[1].value("t") == .text(""))
            #expect(try Data.fromSQL(rows[1].value("b")) == Data())
            #expect(Self.milliseconds(try rows[1]["d"]) == Self.milliseconds(Self.dates[1]))
            #expect(rows[2].values == [.null, .null, .null, .null, .null])
            #expect(try rows[2]["i"] as Int64? == nil)
            #expect(try rows[2]["d"] as Date? == nil)
        }

        @Test(arguments: Backend.enabled)
        func boundValuesComeBackAsTheyWent(backend: Backend) throws {
            let test = try TestDatabase.make(backend)
            defer { test.close() }
            let values: [SQLValue] = [.integer(-42), .real(0.5), .text("ünï"), .blob([0, 1, 0xFF]), .null]
            for value in values {
                let read = try test.database.read { db in try SQLRow.fetchOne(db, sql: "SELECT ? AS v", arguments: [value]) }
                #expect(read?.value("v") == value, "\(value)")
            }
            for date in Self.dates {
                let read = try test.database.read { db in try Date.fetchOne(db, sql: "SELECT ? AS v", arguments: [date]) }
                #expect(read.map(Self.milliseconds) == Self.milliseconds(date))
            }
        }

        @Test(arguments: Backend.enabled)
        func aQuestionMarkInALiteralAnIdentifierOrACommentIsNotAPlaceholder(backend: Backend) throws {
            let test = try TestDatabase.make(backend)
            defer { test.close() }
            let row = try test.database.read { db in
                try SQLRow.fetchOne(
                    db,
                    sql: """
                        SELECT '?' AS q, ? AS p, 'it''s ?' AS r, ? AS "who?" -- no placeholder? here
                        /* nor ? here */
                        """,
                    arguments: [7, "x"]
                )
            }
            #expect(row?.columns == ["q", "p", "r", "who?"])
            #expect(row?.values == [.text("?"), .integer(7), .text("it's ?"), .text("x")])
        }

        @Test(arguments: Backend.enabled)
        func aThrowingBodyRollsBackAndItsErrorComesOut(backend: Backend) throws {
            let test = try TestDatabase.make(backend)
            defer { test.close() }
            let db = test.database
            _ = try db.write { db in try db.execute(sql: "CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)") }
            #expect(throws: Boom.self) {
                try db.write { db in
                    try db.execute(sql: "INSERT INTO kv (k, v) VALUES (?, ?)", arguments: ["a", 1])
                    throw Boom()
                }
            }
            #expect(try db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM kv") } == 0)
            // The connection the failed transaction used serves the next one.
            _ = try db.write { db in try db.execute(sql: "INSERT INTO kv (k, v) VALUES (?, ?)", arguments: ["a", 1]) }
            #expect(try db.read { db in try Int.fetchOne(db, sql: "SELECT v FROM kv WHERE k = ?", arguments: ["a"]) } == 1)
        }

        @Test(arguments: Backend.enabled)
        func executeCountsTheRowsItChanged(backend: Backend) throws {
            let test = try TestDatabase.make(backend)
            defer { test.close() }
            let counts = try test.database.write { db in
                try db.execute(sql: "CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)")
                return [
                    try db.execute(sql: "INSERT INTO kv (k, v) VALUES ('a', 1), ('b', 2), ('c', 3)"),
                    try db.execute(sql: "UPDATE kv SET v = v + 1 WHERE v >= ?", arguments: [2]),
                    try db.execute(sql: "UPDATE kv SET v = 0 WHERE k = ?", arguments: ["missing"]),
                    try db.execute(sql: "DELETE FROM kv WHERE k <> ?", arguments: ["a"]),
                ]
            }
            #expect(counts == [3, 2, 0, 2])
        }

        @Test(arguments: Backend.enabled)
        func upsertsAndReturningGiveTheSameAnswers(backend: Backend) throws {
            let test = try TestDatabase.make(backend)
            defer { test.close() }
            try test.database.write { db in
                try db.execute(sql: "CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)")
                #expect(try db.execute(sql: "INSERT INTO kv (k, v) VALUES (?, ?)", arguments: ["a", 1]) == 1)
                #expect(try db.execute(sql: "INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO NOTHING", arguments: ["a", 2]) == 0)
                let ignored = try SQLRow.fetchAll(
                    db,
                    sql: "INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO NOTHING RETURNING k, v",
                    arguments: ["a", 3]
                )
                #expect(ignored.isEmpty)
                let updated = try db.execute(
                    sql: "INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                    arguments: ["a", 4]
                )
                #expect(updated == 1)
                let upsert = "INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = kv.v + excluded.v RETURNING k, v"
                let inserted = try SQLRow.fetchAll(db, sql: upsert, arguments: ["b", 5])
                #expect(inserted.map(\.values) == [[.text("b"), .integer(5)]])
                #expect(inserted.first?.columns == ["k", "v"])
                let added = try SQLRow.fetchAll(db, sql: upsert, arguments: ["b", 6])
                #expect(added.map(\.values) == [[.text("b"), .integer(11)]])
            }
            let all = try test.database.read { db in try SQLRow.fetchAll(db, sql: "SELECT k, v FROM kv ORDER BY k") }
            #expect(all.map(\.values) == [[.text("a"), .integer(4)], [.text("b"), .integer(11)]])
        }

        @Test(arguments: Backend.enabled)
        func aDuplicateKeyIsAUniqueViolation(backend: Backend) throws {
            let test = try TestDatabase.make(backend)
            defer { test.close() }
            let db = test.database
            try db.write { db in
                try db.execute(sql: "CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL, w TEXT UNIQUE)")
                try db.execute(sql: "INSERT INTO kv (k, v, w) VALUES ('a', 1, 'x')")
            }
            for statement in ["INSERT INTO kv (k, v) VALUES ('a', 2)", "INSERT INTO kv (k, v, w) VALUES ('b', 2, 'x')"] {
                let error = #expect(throws: SQLError.self) { try db.write { db in try db.execute(sql: statement) } }
                #expect(error?.isUniqueViolation == true, "\(String(describing: error))")
            }
            #expect(try db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM kv") } == 1)
        }

        @Test(arguments: Backend.enabled)
        func anUnknownTableIsAFailureNamingIt(backend: Backend) throws {
            let test = try TestDatabase.make(backend)
            defer { test.close() }
            let error = #expect(throws: SQLError.self) {
                try test.database.read { db in try SQLRow.fetchAll(db, sql: "SELECT * FROM no_such_table") }
            }
            #expect(error?.isFailed == true)
            #expect("\(String(describing: error))".contains("no_such_table"))
        }

        /// Two writers each add one to a counter 100 times, reading it with `dialect.lockingRead`:
        /// none of the 200 increments is lost.
        @Test(arguments: Backend.enabled)
        func aLockingReadLosesNoUpdate(backend: Backend) throws {
            let test = try TestDatabase.withCounters(backend)
            defer { test.close() }
            let db = test.database
            let failures = Locked<[String]>([])
            onThreads(2) { _ in
                for _ in 0..<100 {
                    do {
                        try db.write { db in
                            let n = try Int64.fetchOne(db, sql: "SELECT n FROM counter WHERE id = 1" + db.dialect.lockingRead) ?? 0
                            try db.execute(sql: "UPDATE counter SET n = ? WHERE id = 1", arguments: [n + 1])
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
            #expect(failures.current == [])
            #expect(try db.read { db in try Int.fetchOne(db, sql: "SELECT n FROM counter WHERE id = 1") } == 200)
        }
    }
}
