import ArenaStorage
import Foundation
import PostgresStorage
import Testing

extension ArenaStorageTests {
    /// PostgreSQL going away and coming back under a running server: calls in between throw
    /// `.unavailable` quickly (no hang, no crash), and the same ``PostgresDatabase`` works again
    /// afterwards with no restart of ours.
    @Suite(.enabled(if: !PostgresTestCluster.isSkipped, "MOLTARENA_SKIP_POSTGRES=1"))
    struct PostgresRestart {
        /// scripts/postgres.sh, found from this file's place in the repository.
        static let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/postgres.sh").path

        /// No call may take longer than this, PostgreSQL down or not (its connect timeout is 2 s).
        static let longestCall: TimeInterval = 8

        static func cluster(_ command: String, _ directory: String) throws -> ScriptRun {
            try ScriptRun(["/bin/bash", script, command, directory])
        }

        static func runCluster(_ command: String, _ directory: String) throws {
            try #require(try cluster(command, directory).waitForExit() == 0, "scripts/postgres.sh \(command) failed")
        }

        /// One increment; nil when it worked, else the error. Fails the test if the call was slow.
        static func increment(_ db: any SQLDatabase) -> (any Error)? {
            let start = Date()
            defer { #expect(Date().timeIntervalSince(start) < longestCall, "a call took \(Date().timeIntervalSince(start)) s") }
            do {
                _ = try db.write { db in try db.execute(sql: "UPDATE counter SET n = n + 1 WHERE id = 1") }
                return nil
            } catch {
                return error
            }
        }

        static func expectWorking(_ db: any SQLDatabase) throws {
            #expect(db.ping())
            for _ in 0..<10 { _ = try db.write { db in try db.execute(sql: "UPDATE counter SET n = n + 1 WHERE id = 1") } }
            #expect(try db.read { db in try Int.fetchOne(db, sql: "SELECT 1") } == 1)
        }

        @Test func callsDuringARestartAreUnavailableAndCallsAfterItWork() throws {
            let directory = try PostgresTestCluster.directory()
            let test = try TestDatabase.withCounters(.postgres)
            defer { test.close() }
            let db = test.database
            // Several pooled connections, all of which the restart will close.
            onThreads(4) { _ in _ = try? db.read { db in try SQLRow.fetchAll(db, sql: "SELECT pg_sleep(0.05)") } }

            // A restart while calls go on: each works or is unavailable.
            let restart = try Self.cluster("restart", directory)
            var calls = 0
            while restart.exitStatus() == nil {
                calls += 1
                if let error = Self.increment(db) { #expect((error as? SQLError)?.isUnavailable == true, "\(error)") }
            }
            #expect(calls > 0)
            try #require(restart.waitForExit() == 0, "scripts/postgres.sh restart failed")
            try Self.expectWorking(db)

            // Down for longer: every call is unavailable, quickly; ping says no.
            try Self.runCluster("stop", directory)
            var stopped = true
            defer { if stopped { try? Self.runCluster("start", directory) } }
            for _ in 0..<3 {
                let error = Self.increment(db)
                #expect((error as? SQLError)?.isUnavailable == true, "\(String(describing: error))")
            }
            #expect(!db.ping())
            try Self.runCluster("start", directory)
            stopped = false
            try Self.expectWorking(db)
        }
    }
}
