import HTTPTypes
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SocketIOProtocol

/// One Engine.IO 4 endpoint (`/socket.io/` for Socket.IO, or a raw Engine.IO path): the session
/// store, the handshake, and the rules that decide which HTTP request or WebSocket belongs to
/// which session.
///
/// Sessions live on the event loop of the connection that opened them; the store is the only
/// shared structure and is touched once per handshake, poll request or upgrade, never per message.
public final class EngineIOServer: Sendable {
    public let configuration: EngineIOConfiguration
    let logger: Logger
    let batchers: FlushBatchers
    /// The sessions' ping and pong timers, one wheel per event loop.
    let heartbeats: HeartbeatWheels
    /// Runs async work of a session on the session's own event loop (connect middleware).
    public let executors: EventLoopTaskExecutors
    private let sessions = NIOLockedValueBox<[String: EngineIOSession]>([:])
    /// Handshakes per client address (``EngineIOConfiguration/maxHandshakesPerAddressPerSecond``).
    let handshakes: KeyedRateBuckets
    private let makeDelegate: @Sendable (EngineIOSession) -> any EngineIOSessionDelegate

    /// - Parameters:
    ///   - eventLoopGroup: the group the HTTP server runs on (flush batching is per loop of it).
    ///   - onOpen: called on the session's loop for every new session; returns the object that
    ///     receives its messages (the Socket.IO layer, or an application's raw handler).
    public init(
        configuration: EngineIOConfiguration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        onOpen: @escaping @Sendable (EngineIOSession) -> any EngineIOSessionDelegate
    ) {
        self.configuration = configuration
        self.logger = logger
        self.batchers = FlushBatchers(group: eventLoopGroup)
        self.heartbeats = HeartbeatWheels(pingInterval: configuration.pingInterval, pingTimeout: configuration.pingTimeout)
        self.executors = EventLoopTaskExecutors(group: eventLoopGroup, enqueuesFromOutsideTheLoop: configuration.enqueuesFromOutsideTheLoop)
        self.makeDelegate = onOpen
        self.handshakes = KeyedRateBuckets(perSecond: configuration.maxHandshakesPerAddressPerSecond)
    }

    /// Whether `address` may open another session now (on `eventLoop`'s clock).
    func admitsHandshake(from address: SocketAddress?, on eventLoop: any EventLoop) -> Bool {
        handshakes.attempt(address?.clientKey ?? "", now: eventLoop.now)
    }

    static let pingFrame = OutboundFrame(.ping, text: [])
    static let probeReplyFrame = OutboundFrame(.pong, text: Array("probe".utf8))
    static let closeFrame = OutboundFrame(.close, text: [])

    /// Number of open sessions.
    public var sessionCount: Int { sessions.withLockedValue { $0.count } }

    func session(_ sid: String) -> EngineIOSession? {
        sessions.withLockedValue { $0[sid] }
    }

    func removeSession(_ sid: String) {
        sessions.withLockedValue { _ = $0.removeValue(forKey: sid) }
    }

    /// Closes every session (graceful shutdown).
    public func closeAll() {
        let all = sessions.withLockedValue { Array($0.values) }
        for session in all {
            session.eventLoop.execute { session.close(reason: .serverShutdown) }
        }
    }

    // MARK: Session creation

    /// A random id for a session or a socket: 11 random bytes (88 bits, beyond guessing) make
    /// 15 characters, the most a Swift string holds without a heap allocation of its own; every
    /// connection keeps two ids, in several dictionaries.
    static func makeSid() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<11).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Base64URL.encode(bytes)
    }

    func openPacket(sid: String, upgrades: [String]) -> OutboundFrame {
        let value: JSONValue = .object([
            "sid": .string(sid),
            "upgrades": .array(upgrades.map(JSONValue.string)),
            "pingInterval": .int(configuration.pingInterval.milliseconds),
            "pingTimeout": .int(configuration.pingTimeout.milliseconds),
            "maxPayload": .int(Int64(configuration.maxPayload)),
        ])
        var text: [UInt8] = []
        JSONWriter.write(value, into: &text)
        return OutboundFrame(.open, text: text)
    }

    /// Creates and registers a session; on `eventLoop`.
    func createSession(handshake: EngineIOHandshake, transport: EngineIOSession.Transport, eventLoop: any EventLoop) -> EngineIOSession {
        let sid = Self.makeSid()
        let session = EngineIOSession(sid: sid, eventLoop: eventLoop, handshake: handshake, transport: transport, server: self)
        sessions.withLockedValue { $0[sid] = session }
        session.delegate = makeDelegate(session)
        session.startHeartbeat()
        return session
    }

    func openWebSocketSession(handler: EngineIOWebSocketHandler, handshake: EngineIOHandshake, eventLoop: any EventLoop) -> EngineIOSession {
        let session = createSession(handshake: handshake, transport: .websocket(handler), eventLoop: eventLoop)
        handler.write([openPacket(sid: session.sid, upgrades: [])])
        return session
    }

    func openPollingSession(handshake: EngineIOHandshake, eventLoop: any EventLoop) -> (EngineIOSession, ByteBuffer) {
        let session = createSession(handshake: handshake, transport: .polling, eventLoop: eventLoop)
        let upgrades = configuration.transports.contains(.websocket) ? ["websocket"] : []
        return (session, openPacket(sid: session.sid, upgrades: upgrades).payload)
    }

    // MARK: Query validation shared by polling and WebSocket

    struct ValidatedQuery {
        var transport: String
        var sid: String?
        var query: [String: String]
    }

    func validate(query: [String: String]) -> Result<ValidatedQuery, EngineIOHTTPError> {
        guard query["EIO"] == "4" else { return .failure(.unsupportedProtocolVersion) }
        guard let transport = query["transport"], transport == "polling" || transport == "websocket" else {
            return .failure(.unknownTransport)
        }
        let allowed: EngineIOConfiguration.Transports = transport == "polling" ? .polling : .websocket
        guard configuration.transports.contains(allowed) else { return .failure(.unknownTransport) }
        return .success(ValidatedQuery(transport: transport, sid: query["sid"], query: query))
    }

    /// Whether `path` (without query) is this endpoint's.
    public func matches(path: Substring) -> Bool {
        path == configuration.path || path + "/" == configuration.path
    }

    // MARK: WebSocket upgrade

    /// The handshake headers a WebSocket session keeps: all but those of the upgrade itself,
    /// which mean nothing once it is done and would be held for the connection's lifetime.
    static func keptAfterUpgrade(_ headers: HTTPFields) -> HTTPFields {
        var kept = HTTPFields()
        for field in headers {
            switch field.name {
            case .connection, .upgrade, .secWebSocketKey, .secWebSocketVersion, .secWebSocketExtensions: continue
            default: kept.append(field)
            }
        }
        return kept
    }

    /// Decides what a WebSocket upgrade request to this endpoint becomes, or why it is refused
    /// (the HTTP layer answers with the error's status).
    func upgradeRole(
        query: [String: String], headers: HTTPFields, path: String, remoteAddress: SocketAddress?, eventLoop: any EventLoop
    ) -> Result<EngineIOWebSocketHandler.Role, EngineIOHTTPError> {
        let valid: ValidatedQuery
        switch validate(query: query) {
        case .success(let v): valid = v
        case .failure(let error): return .failure(error)
        }
        guard valid.transport == "websocket" else { return .failure(.badRequest("WebSocket upgrade refused")) }
        guard let sid = valid.sid else {
            guard admitsHandshake(from: remoteAddress, on: eventLoop) else { return .failure(.tooManyHandshakes) }
            return .success(
                .newSession(
                    EngineIOHandshake(
                        headers: Self.keptAfterUpgrade(headers), path: path, query: query, remoteAddress: remoteAddress, transport: "websocket")
                ))
        }
        guard let session = session(sid) else { return .failure(.unknownSession) }
        // Accept-then-close for a second socket on an upgraded session (the `ws` client throws on
        // an HTTP error); the session decides on its loop whether it can upgrade.
        return .success(.upgrade(session))
    }
}

/// URL-safe base64 without padding, for session ids.
enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        if i < bytes.count {
            let rest = bytes.count - i
            let n = UInt32(bytes[i]) << 16 | (rest > 1 ? UInt32(bytes[i + 1]) << 8 : 0)
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)]]
            if rest > 1 { out.append(alphabet[Int(n >> 6 & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
