/// Settings of one Engine.IO endpoint. The defaults are those of the Node server, so clients that
/// rely on them behave the same against us.
public struct EngineIOConfiguration: Sendable {
    /// The transports a client may use.
    public struct Transports: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let polling = Transports(rawValue: 1)
        public static let websocket = Transports(rawValue: 2)
        public static let all: Transports = [.polling, .websocket]
    }

    /// Where the endpoint is mounted, with leading and trailing slash (`/socket.io/`).
    public var path: String
    /// How often the server sends a ping. Advertised in the open packet in whole milliseconds.
    public var pingInterval: Duration
    /// How long the server waits for the pong before closing the session.
    public var pingTimeout: Duration
    /// Largest message or polling body accepted, in bytes (Engine.IO `maxPayload`, 1 MB by default).
    public var maxPayload: Int
    /// Bytes a session may have queued for a client that does not read before it is cut off. The
    /// client recovers what it missed through the application's own log (never an unbounded queue).
    public var maxOutboundBytes: Int
    /// Allowed `Origin` values for cross-origin polling; `["*"]` allows every origin. Empty sends no
    /// CORS headers.
    public var allowedOrigins: [String]
    public var transports: Transports
    /// New sessions (handshakes, polling or WebSocket) one client address may open per second,
    /// in bursts of as many; more are answered 429. 0 (the default, as in the Node server): no
    /// limit.
    public var maxHandshakesPerAddressPerSecond = 0
    /// After a WebSocket is closed for bad input (an invalid or oversized frame: close code 1002 or
    /// 1009), how long the connection still reads and drops what the client sends, waiting for it
    /// to close its side, so the close frame reaches it instead of a TCP reset.
    public var closeLinger: Duration = .seconds(2)
    /// Hands work for an event loop (async handlers placed on it) to the loop from another
    /// thread, even when the caller is on the loop already. Only for NIO's
    /// `NIOAsyncTestingEventLoop`, which runs a task scheduled from inside it only when it next
    /// spins, so such a task could wait for ever; test harnesses set it, servers leave it off.
    public var enqueuesFromOutsideTheLoop = false

    public init(
        path: String = "/socket.io/",
        pingInterval: Duration = .seconds(25),
        pingTimeout: Duration = .seconds(20),
        maxPayload: Int = 1_000_000,
        maxOutboundBytes: Int = 2 * 1024 * 1024,
        allowedOrigins: [String] = [],
        transports: Transports = .all
    ) {
        var path = path.hasPrefix("/") ? path : "/" + path
        if !path.hasSuffix("/") { path += "/" }
        self.path = path
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.maxOutboundBytes = maxOutboundBytes
        self.allowedOrigins = allowedOrigins
        self.transports = transports
    }
}

extension Duration {
    /// Whole milliseconds, as the protocol advertises them (never truncated to seconds).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
