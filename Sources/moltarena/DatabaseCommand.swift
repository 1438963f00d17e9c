import ArgumentParser
import Foundation
import Logging
import NIOPosix
import Runtime
import ServiceLifecycle

/// `moltarena db`: the database's schema and moving an arena from one database to another.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Migrate a database, or copy an arena to another database.",
        subcommands: [Migrate.self, Copy.self]
    )

    /// Applies the migrations of the plugins `config` enables, as `serve` does at start-up.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or update the database's tables for the plugins a plugins file enables.")
        @Option(help: "The plugins file.") var config = "plugins.conf"
        @Option(help: ArenaDatabase.help) var db = "moltarena.sqlite"

        func run() async throws {
            try await CommandFailure.reporting {
                let database = try ArenaDatabase.open(db)
                let before = try database.appliedMigrations()
                let migrations = try await DatabaseCommand.migrations(config: config, database: database)
                let applied = migrations.map(\.name).filter { !before.contains($0) }
                print(applied.isEmpty ? "up to date (\(migrations.count) migrations)" : "applied: \(applied.joined(separator: ", "))")
            }
        }
    }

    /// Copies every table of an arena into a new database.
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy an arena (agents, keys, battles, their logs, turns and votes) into a new, empty database.",
            discussion: "Both databases are migrated first. The copy is one transaction: it is complete or the destination is unchanged."
        )
        @Option(help: "The plugins file.") var config = "plugins.conf"
        @Option(help: "The database to copy from (a SQLite file or a postgres:// URL).") var from: String
        @Option(help: "The database to copy into (a postgres:// URL or a SQLite file); it must be empty.") var to: String

        func run() async throws {
            try await CommandFailure.reporting {
                let source = try ArenaDatabase.open(from)
                let destination = try ArenaDatabase.open(to)
                let migrations = try await DatabaseCommand.migrations(config: config, database: destination)
                try source.migrate(migrations)
                for (table, rows) in try SQLCopy(from: source, to: destination, migrations: migrations).run() {
                    print("\(table): \(rows) rows")
                }
            }
        }
    }

    /// The runtime built on `database` as `serve` builds it (which migrates it), serving nothing
    /// and with its plugins' background services stopped at once; its migrations.
    static func migrations(config: String, database: any SQLDatabase) async throws -> [SQLMigration] {
        var logger = Logger(label: "moltarena")
        logger.logLevel = .error
        let environment = RuntimeEnvironment(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, database: database, logger: logger)
        let runtime = try ArenaRuntime.build(plugins: Plugins.catalog.resolve(PluginsFile.load(path: config)), environment: environment)
        let group = ServiceGroup(configuration: .init(services: runtime.backgroundServices.map { .init(service: $0) }, logger: logger))
        async let running: Void = group.run()
        await group.triggerGracefulShutdown()
        try await running
        return runtime.migrations
    }
}
