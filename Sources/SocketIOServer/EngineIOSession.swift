import Logging
import NIOCore
import SocketIOProtocol

/// One Engine.IO 4 session: its transport (long-polling or WebSocket, and the upgrade between
/// them), its heartbeat and its bounded outbound queue.
///
/// All state is confined to `eventLoop`: every entry point either runs there or hops there first.
/// That is why the class can be `@unchecked Sendable` without locks.
public final class EngineIOSession: @unchecked Sendable {
    public let sid: String
    public let eventLoop: any EventLoop
    public let handshake: EngineIOHandshake
    let server: EngineIOServer
    /// The server's logger with this session's id: built when something is logged, so an idle
    /// session holds no metadata of its own.
    var logger: Logger {
        var logger = server.logger
        logger[metadataKey: "eio.sid"] = "\(sid)"
        return logger
    }
    /// Set by the server right after creation, on the loop; cleared on close to break the cycle.
    var delegate: (any EngineIOSessionDelegate)?

    enum Transport {
        case polling
        case websocket(EngineIOWebSocketHandler)
        case inProcess(InProcessTransport)
        /// After close: the session lets go of its handler (which holds the session), so the two
        /// are freed once the channel is gone.
        case closed
    }

    private(set) var transport: Transport
    private var upgrading: EngineIOWebSocketHandler?
    private(set) var isClosed = false

    // Long-polling state.
    private var queue: [OutboundFrame] = []
    private var queuedBytes = 0
    private var pendingPoll: EventLoopPromise<ByteBuffer>?
    /// The client sent a close packet over polling with no GET pending: the next GET gets a noop
    /// and ends the session (the client expects its pending or next poll to end cleanly).
    private var closeAwaitingPoll = false

    // Heartbeat: when the next ping is due, or, while `awaitingPong`, when the pong must have
    // come. The loop's wheel holds the timers; an entry of it counts only if it matches `heartbeatDue`.
    private var heartbeats: HeartbeatWheel?
    private var heartbeatDue: NIODeadline?
    private var awaitingPong = false

    init(sid: String, eventLoop: any EventLoop, handshake: EngineIOHandshake, transport: Transport, server: EngineIOServer) {
        self.sid = sid
        self.eventLoop = eventLoop
        self.handshake = handshake
        self.transport = transport
        self.server = server
    }

    /// Whether the session currently speaks WebSocket.
    public var isWebSocket: Bool {
        if case .websocket = transport { return true }
        return false
    }

    // MARK: Sending

    /// Sends pre-encoded frames (a broadcast passes the same frames to every session).
    public func send(_ frames: [OutboundFrame]) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.send(frames) }
            return
        }
        guard !isClosed else { return }
        switch transport {
        case .websocket(let handler):
            handler.write(frames)
            return
        case .inProcess(let direct):
            direct.deliver(frames)
            return
        case .polling:
            break
        case .closed:
            return
        }
        for frame in frames {
            queue.append(frame)
            queuedBytes += frame.pollingSize
        }
        if queuedBytes > server.configuration.maxOutboundBytes {
            logger.notice("closing session: client does not read", metadata: ["queued.bytes": "\(queuedBytes)"])
            close(reason: .slowConsumer)
            return
        }
        if upgrading == nil, let promise = pendingPoll {
            pendingPoll = nil
            promise.succeed(drainQueue())
        }
    }

    /// Sends one Engine.IO packet.
    public func send(_ packet: EngineIOPacket) {
        let frame = packet.isBinary ? OutboundFrame(binary: packet.payload) : OutboundFrame(packet.type, text: packet.payload)
        send([frame])
    }

    /// Flushes what the WebSocket transport holds now, instead of at the end of the loop tick.
    func flushNow() {
        if case .websocket(let handler) = transport { handler.flushNow() }
    }

    private func drainQueue() -> ByteBuffer {
        var body = ByteBufferAllocator().buffer(capacity: queuedBytes + queue.count)
        for (i, frame) in queue.enumerated() {
            if i > 0 { body.writeInteger(EngineIOPayload.recordSeparator) }
            frame.appendPolling(to: &body)
        }
        queue.removeAll(keepingCapacity: false)
        queuedBytes = 0
        return body
    }

    // MARK: Heartbeat

    func startHeartbeat() {
        heartbeats = server.heartbeats.wheel(for: eventLoop)
        schedulePing()
    }

    private func schedulePing() {
        guard let heartbeats else { return }
        awaitingPong = false
        heartbeatDue = heartbeats.schedulePing(self)
    }

    /// The wheel's ping entry `due` came up: sends a ping unless the entry is stale.
    func pingDue(_ due: NIODeadline) {
        guard !isClosed, !awaitingPong, heartbeatDue == due, let heartbeats else { return }
        // Arm the timeout before sending: a transport may deliver the pong before send returns.
        awaitingPong = true
        heartbeatDue = heartbeats.schedulePongTimeout(self)
        send([EngineIOServer.pingFrame])
    }

    /// The wheel's pong entry `due` came up: closes the session unless the entry is stale.
    func pongTimedOut(_ due: NIODeadline) {
        guard !isClosed, awaitingPong, heartbeatDue == due else { return }
        close(reason: .pingTimeout)
    }

    // MARK: Receiving

    /// Handles a packet that arrived on the active transport.
    func receive(_ packet: EngineIOPacket) {
        guard !isClosed else { return }
        switch packet.type {
        case .pong:
            // Only the answer to a ping restarts the interval: an unsolicited pong changes
            // nothing (and queues nothing on the wheel).
            if awaitingPong { schedulePing() }
        case .message:
            delegate?.engineSession(self, didReceive: packet)
        case .close:
            if case .polling = transport, pendingPoll == nil {
                closeAwaitingPoll = true
                eventLoop.scheduleTask(in: .init(server.configuration.pingTimeout)) { [weak self] in
                    self?.close(reason: .transportClose)
                }
            } else {
                close(reason: .transportClose)
            }
        case .open, .ping, .upgrade, .noop:
            break  // not sent by v4 clients on an established transport; ignored as the Node server does
        }
    }

    /// A polling POST body: packets in order.
    func receivePolling(body: ByteBuffer) -> Result<Void, EngineIOHTTPError> {
        guard !isClosed, !closeAwaitingPoll else { return .failure(.unknownSession) }
        guard case .polling = transport else { return .failure(.badRequest("session was upgraded to WebSocket")) }
        let packets: [EngineIOPacket]
        do {
            packets = try EngineIOPayload.decode(body.readableBytesView)
        } catch {
            logger.debug("closing session: invalid polling payload", metadata: ["error": "\(error)"])
            close(reason: .parseError)
            return .failure(.badRequest("invalid packet format"))
        }
        for packet in packets where !isClosed {
            receive(packet)
        }
        return .success(())
    }

    /// A polling GET: answered at once when packets wait, else when the next one is sent.
    func poll() -> EventLoopFuture<ByteBuffer> {
        guard !isClosed else { return eventLoop.makeFailedFuture(EngineIOHTTPError.unknownSession) }
        guard case .polling = transport else {
            return eventLoop.makeFailedFuture(EngineIOHTTPError.badRequest("session was upgraded to WebSocket"))
        }
        if closeAwaitingPoll {
            close(reason: .transportClose)
            return eventLoop.makeSucceededFuture(Self.noopPacketBody)
        }
        if let existing = pendingPoll {
            // Two concurrent GETs: the protocol answers the first with a close packet and ends the session.
            pendingPoll = nil
            existing.succeed(Self.closePacketBody)
            logger.debug("closing session: overlapping poll requests")
            close(reason: .transportError)
            return eventLoop.makeFailedFuture(EngineIOHTTPError.badRequest("overlapping poll requests"))
        }
        if upgrading != nil {
            return eventLoop.makeSucceededFuture(Self.noopPacketBody)
        }
        if !queue.isEmpty {
            return eventLoop.makeSucceededFuture(drainQueue())
        }
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        pendingPoll = promise
        return promise.futureResult
    }

    static let noopPacketBody = ByteBuffer(string: "6")
    static let closePacketBody = ByteBuffer(string: "1")

    // MARK: WebSocket transport and upgrade

    /// A WebSocket for this sid connected while the session polls: it becomes the upgrade
    /// candidate. Returns false when the session cannot upgrade (closed, upgraded, or upgrading).
    func attachUpgradeCandidate(_ handler: EngineIOWebSocketHandler) -> Bool {
        guard !isClosed, case .polling = transport, upgrading == nil else {
            logger.debug("refusing a second WebSocket for this session")
            return false
        }
        upgrading = handler
        logger.trace("WebSocket attached as upgrade candidate")
        return true
    }

    /// A text or binary frame from one of this session's WebSockets.
    func receiveWebSocket(_ packet: EngineIOPacket, from handler: EngineIOWebSocketHandler) {
        guard !isClosed else { return }
        if handler === upgrading {
            receiveDuringUpgrade(packet, from: handler)
            return
        }
        guard case .websocket(let active) = transport, active === handler else { return }
        receive(packet)
    }

    private func receiveDuringUpgrade(_ packet: EngineIOPacket, from handler: EngineIOWebSocketHandler) {
        switch packet.type {
        case .ping where packet.payload == Array("probe".utf8):
            handler.write([EngineIOServer.probeReplyFrame])
            if let promise = pendingPoll {
                pendingPoll = nil
                promise.succeed(Self.noopPacketBody)
            }
        case .upgrade:
            upgrading = nil
            transport = .websocket(handler)
            if let promise = pendingPoll {
                pendingPoll = nil
                promise.succeed(Self.noopPacketBody)
            }
            let waiting = queue
            queue.removeAll()
            queuedBytes = 0
            if !waiting.isEmpty { handler.write(waiting) }
            logger.trace("upgraded to WebSocket")
        default:
            logger.debug("closing upgrade candidate: unexpected packet during upgrade")
            upgrading = nil
            handler.close()
        }
    }

    /// One of this session's WebSockets went away.
    func webSocketClosed(_ handler: EngineIOWebSocketHandler) {
        if handler === upgrading {
            upgrading = nil
            return
        }
        if case .websocket(let active) = transport, active === handler {
            close(reason: .transportClose)
        }
    }

    /// One of this session's WebSockets failed (invalid bytes, or an I/O error): the session
    /// ends if it was the active transport; a failed upgrade candidate is just dropped.
    func webSocketFailed(_ handler: EngineIOWebSocketHandler, reason: EngineIOCloseReason) {
        if handler === upgrading {
            upgrading = nil
            handler.close()
            return
        }
        if case .websocket(let active) = transport, active === handler {
            close(reason: reason)
        }
    }

    // MARK: Closing

    /// Closes the session from the server side.
    public func close() {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.close() }
            return
        }
        close(reason: .forcedClose)
    }

    func close(reason: EngineIOCloseReason) {
        eventLoop.assertInEventLoop()
        guard !isClosed else { return }
        isClosed = true
        heartbeatDue = nil
        heartbeats = nil
        server.removeSession(sid)
        if let promise = pendingPoll {
            pendingPoll = nil
            // A client that asked to close gets a noop; otherwise deliver what was queued, then close.
            if reason == .transportClose {
                promise.succeed(Self.noopPacketBody)
            } else {
                queue.append(EngineIOServer.closeFrame)
                promise.succeed(drainQueue())
            }
        }
        queue.removeAll()
        upgrading?.close()
        upgrading = nil
        switch transport {
        case .websocket(let handler): handler.close()
        case .inProcess(let direct): direct.onClose(reason)
        case .polling, .closed: break
        }
        transport = .closed
        logger.debug("session closed", metadata: ["reason": "\(reason.rawValue)"])
        let delegate = self.delegate
        self.delegate = nil
        delegate?.engineSessionDidClose(self, reason: reason)
    }
}
