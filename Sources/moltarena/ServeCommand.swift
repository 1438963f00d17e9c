import ArgumentParser
import Logging
import NIOPosix
import CoreMetrics
import Prometheus
import RedisAdapter
import Runtime
import ServerTLS

/// `moltarena serve`: the server, with the plugins plugins.conf enables.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the MoltArena server.")

    @Option(help: "The plugins file.") var config = "plugins.conf"
    @Option(help: ArenaDatabase.help) var db = "moltarena.sqlite"
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 3000
    @Option(help: "Log level (trace, debug, info, notice, warning, error).") var logLevel = "info"
    @Option(help: "Event loop threads (default: one per core this process may run on).") var threads: Int?
    @Option(help: "Redis for several instances behind one address (redis://HOST:PORT): rooms, rate limits and battles span them.") var redis: String?
    @Option(help: "This instance's id in the cluster (default: a random one).") var instanceId: String?
    @Option(help: "TLS certificate chain, PEM (with --tls-key: the port speaks only https and wss).") var tlsCert: String?
    @Option(help: "The TLS certificate's private key, PEM.") var tlsKey: String?
    @OptionGroup(title: "Limits") var limits: LimitOptions

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    func run() async throws {
        EventLoopThreads.configure(requested: threads)
        var logger = Logger(label: "moltarena")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        // Each client is a descriptor: the soft limit (often 1,024) would run out long before
        // the per-address caps matter. The hard limit is the operator's to set.
        let files = raiseOpenFileLimit()
        logger.info("open files", metadata: ["limit": "\(files)"])
        let runtime = try CommandFailure.reporting {
            let file = try PluginsFile.load(path: config)
            let server = try limits.applied(to: PluginCatalog.serverOptions(file))
            let database = try ArenaDatabase.open(db, logger: logger)
            var environment = RuntimeEnvironment(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, database: database, logger: logger)
            environment.httpLimits = server.httpLimits
            if let tlsCert, let tlsKey {
                environment.tls = try PEMServerTLS(certificatePath: tlsCert, privateKeyPath: tlsKey)
            }
            environment.eventLimits = server.eventLimits
            environment.socketIO.engine.maxHandshakesPerAddressPerSecond = server.maxHandshakesPerAddressPerSecond
            if let redis {
                let (host, port) = try RedisLink.address(redis)
                let metrics = PrometheusMetricsFactory(registry: environment.metricsRegistry)
                let link = RedisLink(host: host, port: port, group: MultiThreadedEventLoopGroup.singleton, logger: logger) { connection, up in
                    Gauge(label: "moltarena_redis_connected", dimensions: [("connection", connection)], factory: metrics).record(up ? 1 : 0)
                }
                let uid = instanceId ?? ArenaID.make("srv")
                let logger = logger
                environment.adapterFactory = { namespace in
                    RedisAdapter(namespace: namespace, uid: uid, link: link, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
                }
                environment.isHealthy = { link.isHealthy }
                environment.rateLimiterFactory = { clock in RedisRateLimiter(link: link, fallback: InMemoryRateLimiter(clock: clock)) }
                environment.cluster = RedisCluster(instanceId: uid, link: link, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
                link.start()
                logger.notice("joining the cluster over Redis", metadata: ["redis": "\(host):\(port)", "instance": "\(uid)"])
            }
            return try ArenaRuntime.build(plugins: Plugins.catalog.resolve(file), environment: environment)
        }
        let host = self.host
        let scheme = tlsCert == nil ? "http" : "https"
        try await runtime.run(host: host, port: port) { channel in
            ListeningAnnouncer.announce(scheme: scheme, host: host, channel: channel)
        }
    }
}
