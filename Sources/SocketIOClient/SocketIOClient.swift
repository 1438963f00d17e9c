import NIOCore
import NIOPosix
import SocketIOProtocol

/// A Socket.IO v4 client (Engine.IO 4 over WebSocket only) joined to one namespace.
///
/// Built for driving a server from tests, command-line tools and load generators: every call
/// is safe from any task, sends never block, and everything the server does (events, acks,
/// disconnects, malformed input) is observable rather than swallowed. A client is connected when
/// ``connect(_:eventLoopGroup:)`` returns and is finished once closed; it does not reconnect.
/// The connection belongs to the event loop, not to this object: releasing the client does not
/// close it, ``disconnect()`` does (or the server).
public final class SocketIOClient: Sendable {
    let session: ClientSession
    /// The Engine.IO open packet's parameters.
    public let handshake: EngineIOOpenPacket
    /// The Socket.IO socket id from the server's CONNECT reply.
    public let sid: String

    /// The Engine.IO session id (from the open packet), distinct from ``sid``.
    public var engineSid: String { handshake.sid }

    public var configuration: SocketIOClientConfiguration { session.configuration }

    init(session: ClientSession, handshake: EngineIOOpenPacket, sid: String) {
        self.session = session
        self.handshake = handshake
        self.sid = sid
    }

    /// Connects (WebSocket transport, `EIO=4`), waits for the Engine.IO open packet, sends
    /// CONNECT with the configured auth, and returns once the server's CONNECT reply arrives.
    ///
    /// - Throws: ``SocketIOClientError/connectError(message:data:)`` when the server refuses the
    ///   namespace, ``SocketIOClientError/connectTimeout`` when the whole exchange takes longer
    ///   than the configured timeout, ``SocketIOClientError/upgradeRejected(status:body:)`` when
    ///   the HTTP upgrade is refused, and ``SocketIOClientError/transportFailed(_:)`` or
    ///   ``SocketIOClientError/disconnected(_:)`` when the connection fails on the way.
    public static func connect(
        _ configuration: SocketIOClientConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> SocketIOClient {
        let endpoint = try WebSocketEndpoint(configuration)
        let session = ClientSession(configuration: configuration, eventLoop: eventLoopGroup.next())
        let timer = session.eventLoop.scheduleTask(in: TimeAmount(configuration.connectTimeout)) {
            session.abortConnect(SocketIOClientError.connectTimeout)
        }
        defer { timer.cancel() }
        WebSocketConnector.start(endpoint, session: session)
        try await withTaskCancellationHandler {
            try await session.connectPromise.futureResult.get()
        } onCancel: {
            session.abortConnect(CancellationError())
        }
        guard let (handshake, sid) = session.state.withLock({ state in state.handshake.flatMap { h in state.sid.map { (h, $0) } } })
        else {
            session.abortConnect(SocketIOClientError.disconnected(.protocolError("CONNECT before open")))
            throw SocketIOClientError.disconnected(.protocolError("CONNECT before open"))
        }
        return SocketIOClient(session: session, handshake: handshake, sid: sid)
    }

    /// Emits an event, fire and forget. Arguments holding ``JSONValue/binary(_:)`` go as a
    /// BINARY_EVENT with attachments. Nothing is sent once the connection is closed: check
    /// ``disconnectReason`` or use ``emitWithAck(_:_:timeout:)`` when delivery matters.
    public func emit(_ event: String, _ args: [JSONValue] = []) {
        session.send(.event(event, args, namespace: configuration.namespace))
    }

    /// Emits an event with an acknowledgement id and waits for the server's ACK.
    ///
    /// - Returns: the arguments the server passed to its ack callback.
    /// - Throws: ``SocketIOClientError/timeout`` when no ACK came in time (a late one is then
    ///   ignored), ``SocketIOClientError/disconnected(_:)`` when the connection closes first.
    public func emitWithAck(
        _ event: String, _ args: [JSONValue] = [], timeout: Duration = .seconds(5)
    ) async throws
        -> [JSONValue]
    {
        try await session.emitWithAck(event, args, timeout: timeout)
    }

    /// Every event the server emits, in arrival order; the stream ends when the connection is
    /// closed and the buffered events are consumed (or when the iterating task is cancelled).
    ///
    /// All consumers share one buffer with ``next(_:timeout:)``: an event is delivered once, to
    /// whichever consumer takes it. Events arriving while nobody listens are kept (up to
    /// ``SocketIOClientConfiguration/maxBufferedEvents``).
    public var events: AsyncStream<ReceivedEvent> {
        let session = self.session
        return AsyncStream {
            (try? await session.nextEvent(named: nil, timeout: nil)) ?? nil
        }
    }

    /// Takes the next event with this name, from the buffer or as it arrives. Events of other
    /// names stay buffered, in order, for ``events``.
    ///
    /// - Throws: ``SocketIOClientError/timeout``, or ``SocketIOClientError/disconnected(_:)``
    ///   once the connection is closed with no such event buffered.
    public func next(_ name: String, timeout: Duration = .seconds(5)) async throws -> ReceivedEvent {
        guard let event = try await session.nextEvent(named: name, timeout: timeout) else {
            throw SocketIOClientError.disconnected(disconnectReason ?? .transportClosed)
        }
        return event
    }

    /// Sends a Socket.IO DISCONNECT, then closes the WebSocket (waiting up to a second for the
    /// server's close frame), and returns once the connection is closed.
    public func disconnect() async {
        session.send(SocketIOPacket(.disconnect, namespace: configuration.namespace))
        session.closeTransport(.clientDisconnect, code: .normalClosure, awaitPeer: true)
        _ = try? await session.waitUntilClosed(timeout: nil)
    }

    /// How many events were dropped because nobody took them and the buffer was full
    /// (``SocketIOClientConfiguration/maxBufferedEvents``).
    public var droppedEventCount: Int {
        session.state.withLock { $0.inbox.droppedCount }
    }

    /// Why the connection closed; nil while it is open (or still closing).
    public var disconnectReason: SocketIODisconnectReason? {
        session.state.withLock { $0.isFinished ? $0.reason : nil }
    }

    /// Waits until the connection is closed, for whatever reason, and returns the reason:
    /// how a test awaits "the server disconnected me".
    ///
    /// - Parameter timeout: how long to wait; nil waits indefinitely.
    /// - Throws: ``SocketIOClientError/timeout`` when still connected after `timeout`.
    @discardableResult
    public func waitForDisconnect(timeout: Duration? = .seconds(5)) async throws -> SocketIODisconnectReason {
        try await session.waitUntilClosed(timeout: timeout)
    }
}
