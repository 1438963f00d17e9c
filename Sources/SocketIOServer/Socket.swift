import NIOConcurrencyHelpers
import NIOCore
import SocketIOProtocol
import Synchronization

/// One client's connection to one namespace.
///
/// Its mutable state (rooms, pending acks) lives on the Engine.IO session's event loop; methods
/// called from elsewhere hop there. Emits encode on the caller's thread, so encoding work is
/// spread over the callers rather than queued on the loop.
public final class Socket: @unchecked Sendable {
    /// The Socket.IO socket id (distinct from the Engine.IO session id, as the protocol requires).
    public let id: String
    public let namespace: Namespace
    public let handshake: SocketHandshake
    let session: EngineIOSession
    private let storage: Mutex<(any Sendable)?>

    // Confined to `eventLoop`.
    private var rooms: Set<String> = []
    private var nextAckId: UInt64 = 0
    private var pendingAcks: [UInt64: (callback: @Sendable (Result<[JSONValue], AckError>) -> Void, timer: Scheduled<Void>?)] = [:]
    private var ownHandlers: [String: EventHandler]?
    private(set) var isConnected = true
    /// Broadcasts held while the client catches up (see ``holdBroadcasts()``), in order.
    private var held: [[OutboundFrame]]?

    init(id: String, namespace: Namespace, handshake: SocketHandshake, session: EngineIOSession, data: (any Sendable)?) {
        self.id = id
        self.namespace = namespace
        self.handshake = handshake
        self.session = session
        self.storage = Mutex(data)
    }

    public var eventLoop: any EventLoop { session.eventLoop }
    public var remoteAddress: SocketAddress? { handshake.remoteAddress }
    /// The Engine.IO session id this socket rides on.
    public var engineSessionId: String { session.sid }

    /// Application data attached to the socket: who it is. Set by connect middleware.
    public var data: (any Sendable)? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }

    /// The rooms this socket joined. Read it on the socket's event loop (event handlers run there).
    public var joinedRooms: Set<String> {
        eventLoop.preconditionInEventLoop()
        return rooms
    }

    var joinedRoomsOnLoop: Set<String> { rooms }

    // MARK: Emitting

    /// Emits an event to this client.
    public func emit(_ event: String, _ args: [JSONValue] = []) {
        sendPacket(.event(event, args, namespace: namespace.name))
    }

    /// Emits an event whose arguments are already JSON text, without the enclosing brackets
    /// (`{"a":1},2`): typed payloads encoded once skip a round through ``JSONValue``.
    public func emit(_ event: String, argumentsJSON: [UInt8]) {
        deliver([namespace.encodeEvent(event, argumentsJSON: argumentsJSON)])
    }

    /// Emits an event and calls `callback` with the client's acknowledgement, or with an error
    /// when none comes within `timeout` or the socket disconnects first.
    public func emit(_ event: String, _ args: [JSONValue], timeout: Duration, callback: @escaping @Sendable (Result<[JSONValue], AckError>) -> Void) {
        onLoop {
            guard self.isConnected else { return callback(.failure(.disconnected)) }
            let id = self.nextAckId
            self.nextAckId += 1
            let timer = self.eventLoop.scheduleTask(in: .init(timeout)) {
                if let waiter = self.pendingAcks.removeValue(forKey: id) { waiter.callback(.failure(.timeout)) }
            }
            self.pendingAcks[id] = (callback, timer)
            self.sendPacket(.event(event, args, namespace: self.namespace.name, ackId: id))
        }
    }

    /// Emits an event and waits for the client's acknowledgement.
    public func emitWithAck(_ event: String, _ args: [JSONValue] = [], timeout: Duration = .seconds(10)) async throws -> [JSONValue] {
        try await withCheckedThrowingContinuation { continuation in
            emit(event, args, timeout: timeout) { continuation.resume(with: $0) }
        }
    }

    func sendPacket(_ packet: SocketIOPacket) {
        deliver(OutboundFrame.frames(for: packet))
    }

    /// Sends already encoded frames to this client at once (replies, direct emits).
    func deliver(_ frames: [OutboundFrame]) {
        session.send(frames)
    }

    /// Sends a room's broadcast (on the socket's loop), or holds it while the client catches up.
    func deliverBroadcast(_ frames: [OutboundFrame]) {
        if held != nil {
            held!.append(frames)
        } else {
            session.send(frames)
        }
    }

    // MARK: Catching up

    /// Holds the broadcasts that reach this socket, in order, until ``releaseBroadcasts(after:skipping:)``.
    /// A client that catches up on a log joins the log's room first, holding, then reads what it
    /// missed: whatever is logged after the read arrives held, and nothing falls in between.
    public func holdBroadcasts() {
        onLoop { if self.held == nil { self.held = [] } }
    }

    /// Sends `first` (each an event name and its arguments' JSON), then the held broadcasts
    /// `skip` does not refuse (those the catch-up already sent), and stops holding.
    public func releaseBroadcasts(
        after first: [(event: String, argumentsJSON: [UInt8])], skipping skip: @escaping @Sendable ([OutboundFrame]) -> Bool
    ) {
        onLoop {
            for (event, json) in first { self.emit(event, argumentsJSON: json) }
            let held = self.held ?? []
            self.held = nil
            for frames in held where !skip(frames) { self.deliver(frames) }
        }
    }

    // MARK: Rooms

    public func join(_ room: String) {
        onLoop {
            guard self.isConnected, self.rooms.insert(room).inserted else { return }
            self.namespace.adapter.join(self, room: room)
        }
    }

    public func leave(_ room: String) {
        onLoop {
            guard self.rooms.remove(room) != nil else { return }
            self.namespace.adapter.leave(self, room: room)
        }
    }

    /// Emits to the given rooms, except this socket.
    public func broadcast(to rooms: Set<String>) -> BroadcastOperator {
        BroadcastOperator(namespace: namespace, target: BroadcastTarget(rooms: rooms, exceptSocketIds: [id]))
    }

    // MARK: Handlers

    /// Registers a handler for this socket only; it takes precedence over the namespace's.
    /// Call on the socket's loop (from a connection handler).
    public func on(_ event: String, _ handler: @escaping EventHandler) {
        eventLoop.preconditionInEventLoop()
        if ownHandlers == nil { ownHandlers = [:] }
        ownHandlers![event] = handler
    }

    func dispatch(event: String, args: [JSONValue], ackId: UInt64?) {
        let ack = ackId.map { Ack(socket: self, id: $0) }
        if let handler = ownHandlers?[event] ?? namespace.handler(for: event) {
            handler(self, args, ack)
        } else {
            namespace.unhandledEvent(socket: self, event: event, args: args, ack: ack)
        }
    }

    func resolveAck(id: UInt64, args: [JSONValue]) {
        guard let waiter = pendingAcks.removeValue(forKey: id) else { return }
        waiter.timer?.cancel()
        waiter.callback(.success(args))
    }

    // MARK: Disconnection

    /// Disconnects the socket from its namespace (the client gets a DISCONNECT packet). With
    /// `closeTransport`, the whole Engine.IO session closes too.
    public func disconnect(closeTransport: Bool = false) {
        onLoop {
            guard self.isConnected else { return }
            self.sendPacket(SocketIOPacket(.disconnect, namespace: self.namespace.name))
            self.closed(reason: "server namespace disconnect")
            if closeTransport { self.session.close() }
        }
    }

    /// Cleans up once the socket is gone, whatever the cause. On the loop.
    func closed(reason: String) {
        guard isConnected else { return }
        isConnected = false
        (session.delegate as? SocketIOConnection)?.socketClosed(self)
        namespace.remove(self)
        rooms.removeAll()
        let waiters = pendingAcks
        pendingAcks.removeAll()
        for (_, waiter) in waiters {
            waiter.timer?.cancel()
            waiter.callback(.failure(.disconnected))
        }
        namespace.notifyDisconnect(self, reason: reason)
    }

    private func onLoop(_ body: @escaping @Sendable () -> Void) {
        if eventLoop.inEventLoop { body() } else { eventLoop.execute(body) }
    }
}

/// Emits to a set of rooms through the namespace's adapter, encoding once.
public struct BroadcastOperator: Sendable {
    let namespace: Namespace
    var target: BroadcastTarget

    /// Also excludes these sockets.
    public func exceptSockets(_ ids: Set<String>) -> BroadcastOperator {
        var copy = self
        copy.target.exceptSocketIds.formUnion(ids)
        return copy
    }

    /// To this server's sockets only (not relayed to other servers of a cluster).
    public var local: BroadcastOperator {
        var copy = self
        copy.target.localOnly = true
        return copy
    }

    /// Also excludes sockets in these rooms.
    public func except(_ rooms: Set<String>) -> BroadcastOperator {
        var copy = self
        copy.target.exceptRooms.formUnion(rooms)
        return copy
    }

    public func emit(_ event: String, _ args: [JSONValue] = []) {
        let frames = OutboundFrame.frames(for: .event(event, args, namespace: namespace.name))
        namespace.adapter.broadcast(frames, to: target)
    }

    /// Emits a pre-encoded event: `argumentsJSON` is the JSON text of the arguments, without
    /// the enclosing brackets (`{"a":1},2`). Lets callers that already hold JSON (typed payloads
    /// encoded once) skip building a ``JSONValue``.
    public func emit(_ event: String, argumentsJSON: [UInt8]) {
        namespace.adapter.broadcast([namespace.encodeEvent(event, argumentsJSON: argumentsJSON)], to: target)
    }

    /// Emits several pre-encoded events, in order, as one batch: a recipient gets them together
    /// (see ``SocketIOAdapter/broadcast(batch:to:)``).
    public func emit(events: [(event: String, argumentsJSON: [UInt8])]) {
        namespace.adapter.broadcast(batch: events.map { [namespace.encodeEvent($0.event, argumentsJSON: $0.argumentsJSON)] }, to: target)
    }
}
