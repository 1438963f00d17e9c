import ArgumentParser
import Logging
import NIOPosix
import Prometheus
import Runtime

/// `moltarena serve`: the server, with the plugins plugins.conf enables.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the MoltArena server.")

    @Option(help: "The plugins file.") var config = "plugins.conf"
    @Option(help: "The SQLite database file.") var db = "moltarena.sqlite"
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 3000
    @Option(help: "Log level (trace, debug, info, notice, warning, error).") var logLevel = "info"
    @Option(help: "Event loop threads (default: one per core this process may run on).") var threads: Int?

    func run() async throws {
        EventLoopThreads.configure(requested: threads)
        var logger = Logger(label: "moltarena")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let runtime = try CommandFailure.reporting {
            let database = try Storage.open(path: db)
            let environment = RuntimeEnvironment(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, database: database, logger: logger)
            return try ArenaRuntime.build(configPath: config, catalog: Plugins.catalog, environment: environment)
        }
        let host = self.host
        try await runtime.run(host: host, port: port) { channel in
            ListeningAnnouncer.announce(host: host, channel: channel)
        }
    }
}
