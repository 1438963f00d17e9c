import Hummingbird
import ServiceLifecycle
import SocketIOServer

/// Decides who a connecting client is. One enabled plugin provides it (the Connection plugin);
/// without one, every client is an anonymous spectator.
public typealias Authenticator = @Sendable (SocketHandshake) async -> AuthenticationResult

/// An authenticator's verdict.
public enum AuthenticationResult: Sendable {
    case accept(Identity)
    /// Refused with CONNECT_ERROR; `data.code` carries the error code for clients.
    case reject(ArenaError)
}

/// What plugins register, collected before the server starts.
///
/// Passed `inout` to ``Plugin/register(with:)``: once the server runs nothing can be added.
/// Duplicate event names and unprefixed migration names are refused at boot, naming the plugins.
public struct Registrar {
    /// The plugin registering now.
    public let pluginName: String
    public let mode: PluginMode
    /// The shared services (database, bus, rooms, clock, rate limiter, logger).
    public let services: RuntimeServices
    var registrations: Registrations
    let bus: EventBus

    init(pluginName: String, mode: PluginMode, services: RuntimeServices, bus: EventBus, registrations: Registrations) {
        self.pluginName = pluginName
        self.mode = mode
        self.services = services
        self.bus = bus
        self.registrations = registrations
    }

    /// Handles a typed client event. The payload is decoded and validated first (INVALID_PAYLOAD
    /// otherwise); with `rateLimit`, each identity gets that many of this event per window
    /// (RATE_LIMITED otherwise). The returned reply is acknowledged and emitted to the sender.
    /// `runsOn` says where the handler runs (see ``HandlerPlacement``); a connection's events are
    /// handled one at a time, in arrival order, wherever each runs.
    public mutating func on<E: ClientEvent>(
        _ type: E.Type,
        rateLimit: RateLimit? = nil,
        runsOn placement: HandlerPlacement = .sharedPool,
        _ handler: @escaping @Sendable (E, EventContext) async throws -> E.Reply
    ) {
        registrations.events.append(
            EventRegistration(
                name: E.name, plugin: pluginName, rateLimit: rateLimit, placement: placement,
                handle: AnyEventHandler(E.self, handler), type: E.self
            )
        )
    }

    /// Declares server events this plugin sends besides the replies of the events it handles
    /// (those are known from ``on(_:rateLimit:runsOn:_:)``): the protocol document
    /// (`GET /api/v1/asyncapi.json`, `moltarena schema`) lists exactly what is declared.
    public mutating func sends(_ types: any ServerEvent.Type...) {
        registrations.sent += types.map { ProtocolDocument.Sent($0, plugin: pluginName) }
    }

    /// Runs when a connection is established (after the Socket.IO CONNECT reply).
    public mutating func onConnect(_ handler: @escaping @Sendable (Connection) async -> Void) {
        registrations.onConnect.append(handler)
    }

    /// Runs when a connection goes away, with socket.io's reason string.
    public mutating func onDisconnect(_ handler: @escaping @Sendable (Connection, String) async -> Void) {
        registrations.onDisconnect.append(handler)
    }

    /// Decides the identity of connecting clients. Runs on the connection's event loop (most
    /// handshakes carry no key and are decided at once): hand blocking work, such as a
    /// synchronous database lookup, to the shared pool (`Task.detached`).
    /// `refusals`: the codes it may refuse a connection with, for the protocol document.
    public mutating func authenticate(refusals: [ErrorCode] = [], _ authenticator: @escaping Authenticator) {
        registrations.authenticators.append((pluginName, authenticator))
        registrations.handshakeErrors += refusals
    }

    /// Declares the broadcasts that form ordered streams (a battle's logged events): with several
    /// servers, each delivers a stream to its sockets in order and once, reading back a gap
    /// (``OrderedStreams``). One plugin may declare them.
    public mutating func orderStreams(_ streams: any OrderedStreams) {
        registrations.orderedStreams = streams
    }

    /// Names the header a trusted reverse proxy sets with the client's address
    /// (`X-Forwarded-For`): ``Connection/clientAddress`` and the identity that event limits count
    /// under then use its first address. Only for a proxy that overwrites the header.
    public mutating func trustProxyHeader(_ name: String) {
        registrations.trustedProxyHeader = name
    }

    /// Subscribes to a bus event.
    public mutating func subscribe<E: BusEvent>(_ type: E.Type, _ handler: @escaping @Sendable (E) async -> Void) {
        bus.subscribe(type, handler)
    }

    /// Adds HTTP routes.
    public mutating func routes(_ add: @escaping @Sendable (Router<ArenaRequestContext>) -> Void) {
        registrations.routes.append(add)
    }

    /// Adds a database migration; its name must start with the plugin's name and a dot
    /// (`battle.1-create`), so every table has a known owner.
    public mutating func migration(_ migration: SQLMigration) {
        registrations.migrations.append(MigrationRegistration(plugin: pluginName, migration: migration))
    }

    /// Runs once when the runtime starts, after migrations and before clients are served: the
    /// place to resume work persisted by an earlier run (timers, deadlines).
    public mutating func onStart(_ hook: @escaping @Sendable () async throws -> Void) {
        registrations.onStart.append(hook)
    }

    /// Adds a long-running service, started with the server and stopped in reverse order.
    public mutating func service(_ service: any Service) {
        registrations.services.append(service)
    }
}

struct EventRegistration: Sendable {
    let name: String
    let plugin: String
    let rateLimit: RateLimit?
    let placement: HandlerPlacement
    let handle: AnyEventHandler
    let type: any ClientEvent.Type
}

/// Where an event handler runs.
public enum HandlerPlacement: Sendable {
    /// Swift's global concurrent executor: for handlers that may block a thread (synchronous
    /// SQLite through GRDB, files, processes). Costs a hop to the pool and back to the socket's
    /// event loop for the replies.
    case sharedPool
    /// The connection's own event loop, as a Node or asyncio handler runs: no thread hop, and the
    /// replies and broadcasts it sends join the loop's batched flush, so a burst of events leaves
    /// in one write per recipient. Only for handlers that never block: a blocked loop stalls
    /// every connection on it. Awaiting is fine (actors, async database calls).
    case eventLoop
}

struct MigrationRegistration: Sendable {
    let plugin: String
    let migration: SQLMigration
    var name: String { migration.name }
}

/// Everything every plugin registered.
struct Registrations {
    var events: [EventRegistration] = []
    /// Server events declared with ``Registrar/sends(_:)``.
    var sent: [ProtocolDocument.Sent] = []
    var handshakeErrors: [ErrorCode] = []
    /// The header a trusted reverse proxy sets with the client's address (empty: none).
    var trustedProxyHeader = ""
    var orderedStreams: (any OrderedStreams)?
    var onConnect: [@Sendable (Connection) async -> Void] = []
    var onDisconnect: [@Sendable (Connection, String) async -> Void] = []
    var authenticators: [(String, Authenticator)] = []
    var routes: [@Sendable (Router<ArenaRequestContext>) -> Void] = []
    var migrations: [MigrationRegistration] = []
    var services: [any Service] = []
    var onStart: [@Sendable () async throws -> Void] = []
    var extensionPoints: [DeclaredExtensionPoint] = []
    var contributions: [ExtensionContribution] = []
}
