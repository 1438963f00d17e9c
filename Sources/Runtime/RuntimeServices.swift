import Logging

/// What the runtime hands every plugin at registration: storage, the bus, rooms, time, jobs, the
/// rate limiter and a logger. One value, no singletons.
public struct RuntimeServices: Sendable {
    public let database: any SQLDatabase
    /// Publish only: subscriptions are made at boot through the ``Registrar``.
    public let bus: EventPublisher
    public let rooms: RoomBroadcaster
    public let clock: any RuntimeClock
    /// Work that follows a reply (judging, commentary), timed on `clock`, awaited on shutdown.
    public let jobs: BackgroundJobs
    public let rateLimiter: any RateLimiter
    /// The other instances of the arena, and leases among them (a cluster of one by default).
    public let cluster: any Cluster
    public let logger: Logger
    public let metrics: RuntimeMetrics
    /// Values plugins provide to the plugins that require them.
    public let registry: ServiceRegistry
    /// The agents' open connections on this instance.
    public let connections: LiveConnections
    /// Socket.IO clients in the process, for plugins that speak for a client over another protocol.
    public let localClients: LocalClients
}

/// What a handler gets with its decoded payload.
public struct EventContext: Sendable {
    public let connection: Connection
    public let services: RuntimeServices
    public let logger: Logger
    /// The wire name of the event being handled.
    public let event: String
}
