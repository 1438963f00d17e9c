import ArgumentParser
import Runtime

/// The database a `--db` option names: a file path or `sqlite:PATH` for SQLite (the embedded
/// default).
enum ArenaDatabase {
    static let help: ArgumentHelp = "The database: a SQLite file (PATH or sqlite:PATH)."

    static func open(_ location: String) throws -> any SQLDatabase {
        let path = location.hasPrefix("sqlite:") ? String(location.dropFirst("sqlite:".count)) : location
        return try SQLiteDatabase.open(path: path)
    }
}
