import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import NIOCore
import NIOEmbedded
import Prometheus
import Runtime
import ServiceLifecycle
import SocketIOProtocol
import SocketIOServer

/// The runtime built exactly as `moltarena serve` builds it, but on an in-memory database, a
/// testing event loop whose clock only moves when the test says so, and in-process Socket.IO
/// clients: no network, no sleeps.
///
/// ```swift
/// let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\n[myplugin]", catalog: catalog)
/// let spectator = try await arena.connect()
/// let ack = try await spectator.emit("ping", ["n": 1])
/// #expect(ack["ok"] == true)
/// await arena.advanceClock(by: .seconds(5))
/// ```
public final class ArenaTestHarness: Sendable {
    public let runtime: ArenaRuntime
    public let eventLoop: NIOAsyncTestingEventLoop
    public let database: any SQLDatabase

    /// The wall-clock date the harness's clock starts at.
    public static let startDate = Date(timeIntervalSince1970: 1_800_000_000)

    private let servicesTask: Task<Void, Never>
    private let serviceGroup: ServiceGroup

    private init(runtime: ArenaRuntime, eventLoop: NIOAsyncTestingEventLoop, database: any SQLDatabase, logger: Logger) {
        self.runtime = runtime
        self.eventLoop = eventLoop
        self.database = database
        let group = ServiceGroup(configuration: .init(services: runtime.backgroundServices.map { .init(service: $0) }, logger: logger))
        self.serviceGroup = group
        self.servicesTask = Task { try? await group.run() }
    }

    deinit {
        let group = serviceGroup
        Task { await group.triggerGracefulShutdown() }
    }

    /// Engine.IO as the harness runs it: the server's defaults, on NIO's testing loop.
    static var engineConfiguration: EngineIOConfiguration {
        var engine = EngineIOConfiguration(pingInterval: .seconds(25), pingTimeout: .seconds(20))
        engine.enqueuesFromOutsideTheLoop = true
        return engine
    }

    /// Builds the runtime from plugins.conf text and the plugins the test makes available, and
    /// starts the plugins' background services.
    ///
    /// - Parameters:
    ///   - database: an existing database, to simulate a restart on what an earlier runtime stored
    ///     (by default a fresh one, see ``TestDatabase``).
    ///   - startDate: the wall-clock date the clock starts at.
    ///   - cluster: the cluster the instance is part of (a double standing for the other
    ///     instances); by default it runs alone.
    public static func start(
        pluginsConf: String,
        catalog: PluginCatalog,
        database: (any SQLDatabase)? = nil,
        startDate: Date = startDate,
        cluster: (any Cluster)? = nil,
        logLevel: Logger.Level = .warning
    ) async throws -> ArenaTestHarness {
        let loop = NIOAsyncTestingEventLoop()
        var logger = Logger(label: "harness")
        logger.logLevel = logLevel
        let database = try database ?? TestDatabase.fresh(logger: logger)
        var environment = RuntimeEnvironment(
            eventLoopGroup: loop,
            database: database,
            clock: EventLoopClock(eventLoop: loop, startDate: startDate),
            logger: logger,
            socketIO: .init(engine: Self.engineConfiguration)
        )
        environment.cluster = cluster
        let plugins = try catalog.resolve(PluginsFile.parse(pluginsConf, path: "plugins.conf"))
        let runtime = try ArenaRuntime.build(plugins: plugins, environment: environment)
        try await runtime.start()
        return ArenaTestHarness(runtime: runtime, eventLoop: loop, database: database, logger: logger)
    }

    /// The runtime's clock.
    public var clock: any RuntimeClock { runtime.services.clock }

    /// Moves the clock forward, firing every timer that falls due (heartbeats, deadlines).
    public func advanceClock(by duration: Duration) async {
        await eventLoop.advanceTime(by: .nanoseconds(Int64(duration.seconds * 1e9)))
    }

    /// Connects an in-process client. `auth` is the CONNECT payload (`["token": key]` for an
    /// agent); throws ``TestConnectionError/rejected(code:message:)`` when the handshake is refused.
    public func connect(auth: JSONValue? = nil, headers: HTTPFields = [:], remoteAddress: String = "127.0.0.1") async throws -> TestConnection {
        try await TestConnection.open(clients: runtime.services.localClients, headers: headers, remoteAddress: remoteAddress, auth: auth)
    }

    /// Runs HTTP requests against the runtime's routes in-process.
    public func withHTTP(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await runtime.application(host: "127.0.0.1", port: 0).test(.router) { client in
            try await body(client)
        }
    }
}
