import ArgumentParser
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import SocketIOServer

/// `moltarena conformance-server`: the server the official Engine.IO and Socket.IO protocol test
/// suites expect (their README's reference server), plus a few handlers the interop tests use.
struct ConformanceServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance-server",
        abstract: "Run the server the official Socket.IO / Engine.IO protocol test suites expect."
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 3000
    @Option(help: "Engine.IO ping interval in milliseconds.") var pingIntervalMs = 300
    @Option(help: "Engine.IO ping timeout in milliseconds.") var pingTimeoutMs = 200
    @Option(help: "Socket.IO connect timeout in milliseconds.") var connectTimeoutMs = 1000
    @Option(help: "Log level (trace, debug, info, notice, warning, error).") var logLevel = "notice"

    func run() async throws {
        var logger = Logger(label: "moltarena.conformance")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
        let group = MultiThreadedEventLoopGroup.singleton
        let engine = EngineIOConfiguration(
            pingInterval: .milliseconds(pingIntervalMs),
            pingTimeout: .milliseconds(pingTimeoutMs),
            allowedOrigins: ["*"]
        )
        let io = SocketIOServer(
            configuration: .init(
                engine: engine,
                connectTimeout: .milliseconds(connectTimeoutMs),
                connectionHandlerDelay: .milliseconds(2)
            ),
            eventLoopGroup: group,
            logger: logger
        )
        ConformanceHandlers.install(on: io)
        var rawEngine = engine
        rawEngine.path = "/engine.io/"
        let echo = EngineIOServer(configuration: rawEngine, eventLoopGroup: group, logger: logger) { _ in EchoDelegate() }

        let router = Router()
        router.get("/health") { _, _ in "{\"status\":\"ok\"}" }
        let host = self.host
        let app = Application(
            router: router,
            // The protocol suites open many sessions from one address in quick succession.
            server: .engineIO([io.engine, echo], limits: HTTPLimits(maxConnectionsPerAddress: 0)),
            configuration: .init(address: .hostname(host, port: port), serverName: "moltarena"),
            onServerRunning: { channel in ListeningAnnouncer.announce(host: host, channel: channel) },
            eventLoopGroupProvider: .shared(group),
            logger: logger
        )
        try await app.runService()
    }
}
