import Foundation
import Logging
import NIOPosix
import PostgresStorage
import Runtime

/// The databases a store's contract tests run on, each test on a fresh one: SQLite in a new
/// file, and PostgreSQL in a new schema of the server `MOLTARENA_TEST_POSTGRES_URL` names.
/// Without that variable the PostgreSQL case fails, saying how to set it, unless
/// `MOLTARENA_SKIP_POSTGRES=1` leaves it out on purpose.
public enum StoreBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    public static var enabled: [StoreBackend] {
        ProcessInfo.processInfo.environment["MOLTARENA_SKIP_POSTGRES"] == "1" ? [.sqlite] : allCases
    }

    /// A new, empty database of this backend, migrated with `migrations`.
    public func database(migrations: [SQLMigration]) throws -> any SQLDatabase {
        let database: any SQLDatabase
        switch self {
        case .sqlite:
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("store-contract-\(UUID().uuidString).sqlite")
            database = try SQLiteDatabase.open(path: file.path)
        case .postgres:
            let name = "store_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
            database = try PostgresDatabase(
                url: try TestDatabase.createSchema(named: name), eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: Logger(label: "store-contract"), poolSize: 4)
        }
        try database.migrate(migrations)
        return database
    }
}

/// The wall clock, for store tests that need no virtual time.
public struct WallClock: RuntimeClock {
    public init() {}
    public func now() -> Date { Date() }
    public func schedule(at date: Date, _ body: @escaping @Sendable () -> Void) -> ScheduledTimer {
        EventLoopClock(eventLoop: MultiThreadedEventLoopGroup.singleton.any()).schedule(at: date, body)
    }
}
