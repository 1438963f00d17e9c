import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import SocketIOServer

/// What the runtime is built on: where it runs, what it stores in, how it measures and logs.
public struct RuntimeEnvironment: Sendable {
    public var eventLoopGroup: any EventLoopGroup
    public var database: any SQLDatabase
    /// Nil: a clock over the first event loop (real time).
    public var clock: (any RuntimeClock)?
    public var metricsRegistry: PrometheusCollectorRegistry
    public var logger: Logger
    public var socketIO: SocketIOServer.Configuration
    /// Builds each namespace's room adapter (nil: in memory, one instance).
    public var adapterFactory: (@Sendable (String) -> any SocketIOAdapter)?
    /// Builds the rate limiter from the runtime clock (nil: in memory, per instance).
    public var rateLimiterFactory: (@Sendable (any RuntimeClock) -> any RateLimiter)?
    /// The instances serving the arena together (nil: this one alone).
    public var cluster: (any Cluster)?
    /// Whether the services the instance depends on are up (`/health` says `degraded` when not).
    public var isHealthy: @Sendable () -> Bool = { true }
    /// What the HTTP server accepts from a connection (timeouts, sizes, connections per address).
    public var httpLimits = HTTPLimits()
    /// TLS on the server's port (https and wss); nil: plain HTTP.
    public var tls: (any TransportSecurity)?
    /// How events are limited per connection and per client (budgets, abuse).
    public var eventLimits = EventLimits()

    public init(
        eventLoopGroup: any EventLoopGroup,
        database: any SQLDatabase,
        clock: (any RuntimeClock)? = nil,
        metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger,
        socketIO: SocketIOServer.Configuration = .init(engine: .init(allowedOrigins: ["*"]))
    ) {
        self.eventLoopGroup = eventLoopGroup
        self.database = database
        self.clock = clock
        self.metricsRegistry = metricsRegistry
        self.logger = logger
        self.socketIO = socketIO
    }
}

/// Why the runtime refused to start (besides plugins.conf errors).
public struct RuntimeError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}

/// The assembled server: plugins registered, database migrated, Socket.IO handlers bound, HTTP
/// routes mounted. `moltarena serve` and the test harness both build it with ``build(plugins:catalog:environment:)``.
public final class ArenaRuntime: Sendable {
    public let plugins: [ResolvedPlugin]
    public let io: SocketIOServer
    public let services: RuntimeServices
    /// The HTTP routes: the runtime's and every plugin's.
    public let responder: RouterResponder<ArenaRequestContext>
    /// The AsyncAPI document of what the enabled plugins handle and send (`GET /api/v1/asyncapi.json`).
    public let protocolDocument: ProtocolDocument
    /// The enabled plugins' migrations, in the order they were applied.
    public let migrations: [SQLMigration]
    let pluginServices: [any Service]
    let startHooks: [@Sendable () async throws -> Void]
    let environment: RuntimeEnvironment

    /// The bus with its subscribers (the test harness observes it; plugins only publish).
    package let bus: EventBus

    private init(
        plugins: [ResolvedPlugin], io: SocketIOServer, services: RuntimeServices, bus: EventBus,
        responder: RouterResponder<ArenaRequestContext>, protocolDocument: ProtocolDocument, migrations: [SQLMigration],
        pluginServices: [any Service],
        startHooks: [@Sendable () async throws -> Void], environment: RuntimeEnvironment
    ) {
        self.bus = bus
        self.startHooks = startHooks
        self.plugins = plugins
        self.io = io
        self.services = services
        self.responder = responder
        self.protocolDocument = protocolDocument
        self.migrations = migrations
        self.pluginServices = pluginServices
        self.environment = environment
    }

    /// Reads plugins.conf and builds the runtime.
    public static func build(configPath: String, catalog: PluginCatalog, environment: RuntimeEnvironment) throws -> ArenaRuntime {
        try build(plugins: catalog.resolve(PluginsFile.load(path: configPath)), environment: environment)
    }

    /// Builds the runtime from resolved plugins: registration, boot checks, migrations, binding.
    public static func build(plugins: [ResolvedPlugin], environment: RuntimeEnvironment) throws -> ArenaRuntime {
        let logger = environment.logger
        let io = SocketIOServer(
            configuration: environment.socketIO, eventLoopGroup: environment.eventLoopGroup, logger: logger,
            adapterFactory: environment.adapterFactory
        )
        let namespace = io.of("/")
        let clock = environment.clock ?? EventLoopClock(eventLoop: environment.eventLoopGroup.any())
        let bus = EventBus()
        let jobs = BackgroundJobs(clock: clock, logger: logger)
        let services = RuntimeServices(
            database: environment.database,
            bus: EventPublisher(bus: bus),
            rooms: RoomBroadcaster(namespace: namespace),
            clock: clock,
            jobs: jobs,
            rateLimiter: environment.rateLimiterFactory?(clock) ?? InMemoryRateLimiter(clock: clock),
            cluster: environment.cluster ?? SoloCluster(),
            logger: logger,
            metrics: RuntimeMetrics(factory: PrometheusMetricsFactory(registry: environment.metricsRegistry)),
            registry: ServiceRegistry(),
            connections: LiveConnections(),
            localClients: LocalClients(engine: io.engine, eventLoopGroup: environment.eventLoopGroup)
        )
        var registrations = Registrations()
        for resolved in plugins {
            var registrar = Registrar(pluginName: resolved.name, mode: resolved.mode, services: services, bus: bus, registrations: registrations)
            try resolved.plugin.register(with: &registrar)
            registrations = registrar.registrations
        }
        try registrations.closeExtensionPoints()
        let events = try checkedEvents(registrations.events)
        try checkMigrationNames(registrations.migrations)
        guard registrations.authenticators.count <= 1 else {
            throw RuntimeError(
                description:
                    "plugins \(registrations.authenticators.map { "[\($0.0)]" }.joined(separator: " and ")) "
                    + "both authenticate connections; enable only one"
            )
        }
        try environment.database.migrate(registrations.migrations.map(\.migration))

        Dispatcher(
            namespace: namespace, services: services, events: events,
            onConnect: registrations.onConnect, onDisconnect: registrations.onDisconnect,
            authenticator: registrations.authenticators.first?.1,
            executors: io.engine.executors, limits: environment.eventLimits, trustedProxyHeader: registrations.trustedProxyHeader
        ).install()

        if let streams = registrations.orderedStreams, let host = namespace.adapter as? any OrderedStreamHost {
            host.order(streams)
        }

        let router = Router(context: ArenaRequestContext.self)
        router.add(middleware: ArenaErrorMiddleware())
        let isHealthy = environment.isHealthy
        let database = environment.database
        router.get("/health") { _, _ in
            // Asked off the event loops (a PostgreSQL ping waits for its answer, 2 s at most).
            let databaseUp = database.ping()
            return try jsonResponse([
                "status": isHealthy() && databaseUp ? "ok" : "degraded", "database": databaseUp ? "ok" : "unavailable",
            ])
        }
        let registry = environment.metricsRegistry
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
        let protocolDocument = ProtocolDocument(
            handled: registrations.events.map { ProtocolDocument.Handled($0.type, plugin: $0.plugin) }, sent: registrations.sent,
            handshakeErrors: registrations.handshakeErrors
        )
        try ProtocolDocumentRoute(protocolDocument).add(to: router)
        for addRoutes in registrations.routes { addRoutes(router) }
        return ArenaRuntime(
            plugins: plugins, io: io, services: services, bus: bus, responder: router.buildResponder(), protocolDocument: protocolDocument,
            migrations: registrations.migrations.map(\.migration), pluginServices: registrations.services, startHooks: registrations.onStart,
            environment: environment
        )
    }

    private static func checkedEvents(_ registrations: [EventRegistration]) throws -> [String: EventRegistration] {
        var events: [String: EventRegistration] = [:]
        for registration in registrations {
            if let existing = events[registration.name] {
                throw RuntimeError(description: "event '\(registration.name)' is handled by both [\(existing.plugin)] and [\(registration.plugin)]")
            }
            events[registration.name] = registration
        }
        return events
    }

    private static func checkMigrationNames(_ migrations: [MigrationRegistration]) throws {
        var seen: Set<String> = []
        for migration in migrations {
            guard migration.name.hasPrefix(migration.plugin + ".") else {
                throw RuntimeError(description: "migration '\(migration.name)' of [\(migration.plugin)] must be named '\(migration.plugin).<name>'")
            }
            guard seen.insert(migration.name).inserted else {
                throw RuntimeError(description: "migration '\(migration.name)' is registered twice")
            }
        }
    }

    /// The long-running services: the plugins' (HTTP clients, say), then the jobs, which stop
    /// first and are awaited while what they use still runs.
    public var backgroundServices: [any Service] { pluginServices + [services.jobs] }

    /// The HTTP application: the runtime's routes, and Socket.IO on the same port.
    public func application(
        host: String, port: Int, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            responder: responder,
            server: .engineIO([io.engine], limits: environment.httpLimits, tls: environment.tls),
            configuration: .init(address: .hostname(host, port: port), serverName: "moltarena"),
            onServerRunning: onServerRunning,
            eventLoopGroupProvider: .shared(environment.eventLoopGroup),
            logger: environment.logger
        )
    }

    /// Runs the plugins' start hooks (resuming persisted work). Call once, before serving.
    public func start() async throws {
        for hook in startHooks { try await hook() }
    }

    /// Starts, then runs until SIGTERM or SIGINT, then shuts down gracefully: first every client
    /// is told (`server:shutdown`) and its session closed, then the HTTP server stops, then the
    /// plugins' services, in reverse order of their start.
    public func run(host: String, port: Int, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) async throws {
        try await start()
        let app = application(host: host, port: port, onServerRunning: onServerRunning)
        let services: [any Service] = backgroundServices + [app, ShutdownNotice(io: io, rooms: self.services.rooms)]
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: environment.logger
            )
        )
        try await group.run()
    }
}
