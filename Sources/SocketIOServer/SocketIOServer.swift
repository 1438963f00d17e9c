import Logging
import NIOConcurrencyHelpers
import NIOCore
import SocketIOProtocol

/// A Socket.IO 5 server (Engine.IO 4 underneath), to be mounted on an HTTP server with
/// ``HummingbirdCore/HTTPServerBuilder/engineIO(_:configuration:limits:)``.
///
/// ```swift
/// let io = SocketIOServer(configuration: .init(), eventLoopGroup: group, logger: logger)
/// io.of("/").on("message") { socket, args, ack in ack?.send(args) }
/// let app = Application(router: router, server: .engineIO([io.engine]), eventLoopGroupProvider: .shared(group))
/// ```
public final class SocketIOServer: Sendable {
    public struct Configuration: Sendable {
        public var engine: EngineIOConfiguration
        /// How long a new Engine.IO session may go without connecting to a namespace.
        public var connectTimeout: Duration
        /// Most binary attachments one packet may announce.
        public var maxAttachments: Int
        /// How long after the CONNECT reply the connection handlers run. Zero (the default) runs
        /// them right after the reply was flushed. The official protocol suite reads the reply and
        /// the first emit as two separate WebSocket reads, which a Node server's write scheduling
        /// happens to give it; its conformance server sets a millisecond or two here.
        public var connectionHandlerDelay: Duration

        public init(
            engine: EngineIOConfiguration = .init(),
            connectTimeout: Duration = .seconds(45),
            maxAttachments: Int = 64,
            connectionHandlerDelay: Duration = .zero
        ) {
            self.engine = engine
            self.connectTimeout = connectTimeout
            self.maxAttachments = maxAttachments
            self.connectionHandlerDelay = connectionHandlerDelay
        }
    }

    public let configuration: Configuration
    public let logger: Logger
    private let namespaces = NIOLockedValueBox<[String: Namespace]>([:])
    private let makeAdapter: @Sendable (String) -> any SocketIOAdapter
    private let engineBox = NIOLockedValueBox<EngineIOServer?>(nil)

    /// - Parameter adapterFactory: builds the room adapter of each namespace; in-memory by default.
    public init(
        configuration: Configuration = .init(),
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        adapterFactory: (@Sendable (String) -> any SocketIOAdapter)? = nil
    ) {
        self.configuration = configuration
        self.logger = logger
        self.makeAdapter = adapterFactory ?? { _ in InMemoryAdapter(eventLoopGroup: eventLoopGroup) }
        let engine = EngineIOServer(configuration: configuration.engine, eventLoopGroup: eventLoopGroup, logger: logger) { [weak self] session in
            guard let self else { return ClosedDelegate() }
            return SocketIOConnection(server: self, session: session)
        }
        engineBox.withLockedValue { $0 = engine }
        _ = of("/")
    }

    /// The Engine.IO endpoint to mount on the HTTP server.
    public var engine: EngineIOServer { engineBox.withLockedValue { $0! } }

    /// The namespace with this name, created on first use (`/` always exists).
    public func of(_ name: String) -> Namespace {
        let name = name.hasPrefix("/") ? name : "/" + name
        return namespaces.withLockedValue { all in
            if let existing = all[name] { return existing }
            let namespace = Namespace(name: name, adapter: makeAdapter(name), logger: logger)
            all[name] = namespace
            return namespace
        }
    }

    func namespace(named name: String) -> Namespace? {
        namespaces.withLockedValue { $0[name] }
    }

    /// Closes every session; for graceful shutdown.
    public func closeAll() {
        engine.closeAll()
    }
}

/// Stands in when the server is gone: ignores everything.
private final class ClosedDelegate: EngineIOSessionDelegate {
    func engineSession(_ session: EngineIOSession, didReceive packet: SocketIOProtocol.EngineIOPacket) {}
    func engineSessionDidClose(_ session: EngineIOSession, reason: EngineIOCloseReason) {}
}
