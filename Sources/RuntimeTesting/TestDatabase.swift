import Foundation
import NIOConcurrencyHelpers
import Logging
import NIOPosix
import PostgresStorage
import Runtime

/// The database a harness runs on when its test names none: a private in-memory SQLite
/// database; or, with `MOLTARENA_TEST_ON_POSTGRES=1`, a new schema made for it on the
/// PostgreSQL server `MOLTARENA_TEST_POSTGRES_URL` names, so the plugins' suites run once more on
/// PostgreSQL (`scripts/test.sh postgres`).
public enum TestDatabase {
    public static var onPostgres: Bool { ProcessInfo.processInfo.environment["MOLTARENA_TEST_ON_POSTGRES"] == "1" }

    /// A fresh, empty database. A PostgreSQL one closes its connections when the last runtime
    /// using it is gone.
    public static func fresh(logger: Logger) throws -> any SQLDatabase {
        guard onPostgres else { return try SQLiteDatabase.inMemory() }
        let url = try createSchema(named: "harness_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())")
        // Two connections: a test's battles are few, and hundreds of harnesses share the server.
        return try PostgresDatabase(url: url, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger, poolSize: 2)
    }

    /// Creates a schema in the test server's database (cheaper than a database per harness)
    /// and returns the URL of the database seen through it.
    public static func createSchema(named name: String) throws -> String {
        guard let server = ProcessInfo.processInfo.environment["MOLTARENA_TEST_POSTGRES_URL"] else {
            throw TestDatabaseError("MOLTARENA_TEST_POSTGRES_URL is not set: start a server with `scripts/postgres.sh start DIR`")
        }
        try administration(server).write { db in try db.execute(sql: "CREATE SCHEMA \(name)") }
        return server + (server.contains("?") ? "&" : "?") + "schema=\(name)"
    }

    /// One connection to the test server for every harness of the process: it only creates
    /// schemas, and a connection made per harness would cost each one a login.
    private static let administrations = NIOLockedValueBox<[String: PostgresDatabase]>([:])

    private static func administration(_ server: String) throws -> PostgresDatabase {
        try administrations.withLockedValue { known in
            if let database = known[server] { return database }
            let database = try PostgresDatabase(
                url: server, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test-database"), poolSize: 1)
            known[server] = database
            return database
        }
    }
}

public struct TestDatabaseError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
