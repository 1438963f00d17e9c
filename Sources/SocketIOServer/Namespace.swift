import Logging
import NIOConcurrencyHelpers
import NIOCore
import SocketIOProtocol

/// A Socket.IO namespace: its connect middleware, its event handlers, its sockets and its rooms.
///
/// Handlers are registered once for the namespace, not per socket, so a connected socket carries
/// no closures of its own.
public final class Namespace: Sendable {
    public let name: String
    public let adapter: any SocketIOAdapter
    let logger: Logger

    private struct Handlers: Sendable {
        var middlewares: [ConnectMiddleware] = []
        var onConnection: [@Sendable (Socket) -> Void] = []
        var onDisconnect: [@Sendable (Socket, String) -> Void] = []
        var events: [String: EventHandler] = [:]
        var fallback: (@Sendable (Socket, String, [JSONValue], Ack?) -> Void)?
    }

    private let handlers = NIOLockedValueBox(Handlers())
    private let sockets = NIOLockedValueBox<[String: Socket]>([:])

    init(name: String, adapter: any SocketIOAdapter, logger: Logger) {
        self.name = name
        self.adapter = adapter
        self.logger = logger
    }

    // MARK: Registration

    /// Adds a connect middleware; they run in order and the first rejection wins.
    public func use(_ middleware: @escaping ConnectMiddleware) {
        handlers.withLockedValue { $0.middlewares.append(middleware) }
    }

    /// Called on the socket's loop once the CONNECT reply is sent.
    public func onConnection(_ handler: @escaping @Sendable (Socket) -> Void) {
        handlers.withLockedValue { $0.onConnection.append(handler) }
    }

    /// Called on the socket's loop when the socket leaves, with socket.io's reason string
    /// (`client namespace disconnect`, `transport close`, `ping timeout`, ...).
    public func onDisconnect(_ handler: @escaping @Sendable (Socket, String) -> Void) {
        handlers.withLockedValue { $0.onDisconnect.append(handler) }
    }

    /// Handles a named client event for every socket of the namespace.
    public func on(_ event: String, _ handler: @escaping EventHandler) {
        handlers.withLockedValue { $0.events[event] = handler }
    }

    /// Handles events no handler is registered for (the runtime answers UNKNOWN_EVENT here).
    public func onUnhandledEvent(_ handler: @escaping @Sendable (Socket, String, [JSONValue], Ack?) -> Void) {
        handlers.withLockedValue { $0.fallback = handler }
    }

    // MARK: Emitting

    /// Emits to every socket of the namespace.
    public func emit(_ event: String, _ args: [JSONValue] = []) {
        to([]).emit(event, args)
    }

    /// Emits to the sockets in any of `rooms` (all sockets when empty).
    public func to(_ rooms: Set<String>) -> BroadcastOperator {
        BroadcastOperator(namespace: self, target: BroadcastTarget(rooms: rooms))
    }

    /// A connected socket of this process by id.
    public func socket(id: String) -> Socket? {
        sockets.withLockedValue { $0[id] }
    }

    /// Number of sockets connected to this namespace in this process.
    public var socketCount: Int { sockets.withLockedValue { $0.count } }

    func encodeEvent(_ event: String, argumentsJSON: [UInt8]) -> OutboundFrame {
        var text: [UInt8] = [UInt8(ascii: "2")]
        if name != "/" {
            text.append(contentsOf: name.utf8)
            text.append(UInt8(ascii: ","))
        }
        text.append(UInt8(ascii: "["))
        JSONWriter.writeString(event, into: &text)
        if !argumentsJSON.isEmpty {
            text.append(UInt8(ascii: ","))
            text.append(contentsOf: argumentsJSON)
        }
        text.append(UInt8(ascii: "]"))
        return OutboundFrame(.message, text: text)
    }

    // MARK: Internals used by the connection

    var middlewares: [ConnectMiddleware] { handlers.withLockedValue { $0.middlewares } }

    func handler(for event: String) -> EventHandler? {
        handlers.withLockedValue { $0.events[event] }
    }

    func unhandledEvent(socket: Socket, event: String, args: [JSONValue], ack: Ack?) {
        if let fallback = handlers.withLockedValue({ $0.fallback }) {
            fallback(socket, event, args, ack)
        } else {
            logger.trace("unhandled event", metadata: ["event": "\(event)"])
        }
    }

    func add(_ socket: Socket) {
        sockets.withLockedValue { $0[socket.id] = socket }
        adapter.addSocket(socket)
    }

    func runConnectionHandlers(_ socket: Socket) {
        guard socket.isConnected else { return }
        for handler in handlers.withLockedValue({ $0.onConnection }) { handler(socket) }
    }

    func remove(_ socket: Socket) {
        sockets.withLockedValue { _ = $0.removeValue(forKey: socket.id) }
        adapter.removeSocket(socket)
    }

    func notifyDisconnect(_ socket: Socket, reason: String) {
        for handler in handlers.withLockedValue({ $0.onDisconnect }) { handler(socket, reason) }
    }
}
