import ArgumentParser
import Logging
import NIOPosix
import PostgresStorage
import Runtime

/// The database a `--db` option names: `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (or
/// `postgresql://`) for PostgreSQL, else a file path or `sqlite:PATH` for SQLite (the embedded
/// default).
enum ArenaDatabase {
    static let help: ArgumentHelp =
        "The database: a SQLite file (PATH or sqlite:PATH) or PostgreSQL (postgres://USER:PASSWORD@HOST:PORT/DATABASE)."

    static func open(_ location: String, logger: Logger = Logger(label: "moltarena")) throws -> any SQLDatabase {
        if PostgresURL.isPostgresURL(location) {
            return try PostgresStorage.PostgresDatabase(url: location, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        }
        let path = location.hasPrefix("sqlite:") ? String(location.dropFirst("sqlite:".count)) : location
        return try SQLiteDatabase.open(path: path)
    }
}
