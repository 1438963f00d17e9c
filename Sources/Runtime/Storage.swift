import GRDB

/// SQLite through GRDB: a WAL-mode pool on a file for the server, an in-memory queue for tests.
public enum Storage {
    /// Opens (creating if needed) the database file. WAL lets readers run beside the writer; the
    /// busy timeout absorbs a second process (a CLI command) writing at the same moment.
    public static func open(path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        return try DatabasePool(path: path, configuration: configuration)
    }

    /// A private in-memory database (tests).
    public static func inMemory() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        return try DatabaseQueue(configuration: configuration)
    }

    /// Applies the plugins' migrations in registration (dependency) order.
    static func migrate(_ database: any DatabaseWriter, _ migrations: [MigrationRegistration]) throws {
        try migrate(database, migrations.map { ($0.name, $0.migrate) })
    }

    /// Applies named migrations; each runs once per database, whoever asks (the server at
    /// start-up, or a CLI command that needs a plugin's tables).
    public static func migrate(_ database: any DatabaseWriter, _ migrations: [(String, @Sendable (GRDB.Database) throws -> Void)]) throws {
        var migrator = DatabaseMigrator()
        for (name, migrate) in migrations {
            migrator.registerMigration(name) { db in try migrate(db) }
        }
        try migrator.migrate(database)
    }
}
