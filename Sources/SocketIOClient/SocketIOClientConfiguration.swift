import SocketIOProtocol

/// Where and how a ``SocketIOClient`` connects.
///
/// A plain value so that a test or a load generator can build one configuration and open many
/// clients from it. Only `ws://` over plain TCP is supported: the client exists to drive the
/// project's own server on a trusted network, not to reach the internet.
public struct SocketIOClientConfiguration: Sendable {
    /// The server, as `http://host:port` (or `ws://host:port`). A path in the URL is ignored;
    /// ``path`` says where the Engine.IO endpoint is.
    public var url: String
    /// The Engine.IO endpoint path. Socket.IO servers mount it at `/socket.io/` unless told
    /// otherwise, so this only changes when the server's `path` option does.
    public var path: String
    /// The namespace to join with the Socket.IO CONNECT packet.
    public var namespace: String
    /// The CONNECT payload (`socket.handshake.auth` on the server); must be an object or nil.
    public var auth: JSONValue?
    /// Extra headers on the WebSocket upgrade request, e.g. cookies or an `Authorization`
    /// header, or a bogus `Origin` to test the server's CORS checks.
    public var extraHeaders: [(String, String)]
    /// Extra query parameters after `EIO=4&transport=websocket` (`socket.handshake.query`).
    public var extraQuery: [(String, String)]
    /// How long ``SocketIOClient/connect(_:eventLoopGroup:)`` may take in total: TCP connect,
    /// upgrade, Engine.IO open and Socket.IO CONNECT reply.
    public var connectTimeout: Duration
    /// The largest WebSocket message accepted from the server, after reassembly of fragments.
    /// Larger messages close the connection (WebSocket close 1009) instead of exhausting memory.
    public var maxFrameSize: Int
    /// Whether Engine.IO pings are answered with pongs. Turning this off makes a silent client,
    /// so a test can watch the server's heartbeat timeout close it.
    public var respondsToPings: Bool
    /// How many received events are kept for ``SocketIOClient/events`` and
    /// ``SocketIOClient/next(_:timeout:)`` before the oldest are dropped. Bounds memory for a
    /// client (a load generator, say) that never reads its events.
    public var maxBufferedEvents: Int

    /// - Parameter url: `http://host:port` of the server.
    public init(
        url: String,
        path: String = "/socket.io/",
        namespace: String = "/",
        auth: JSONValue? = nil,
        extraHeaders: [(String, String)] = [],
        extraQuery: [(String, String)] = [],
        connectTimeout: Duration = .seconds(10),
        maxFrameSize: Int = 1 << 20,
        respondsToPings: Bool = true,
        maxBufferedEvents: Int = 10_000
    ) {
        self.url = url
        self.path = path
        self.namespace = namespace
        self.auth = auth
        self.extraHeaders = extraHeaders
        self.extraQuery = extraQuery
        self.connectTimeout = connectTimeout
        self.maxFrameSize = maxFrameSize
        self.respondsToPings = respondsToPings
        self.maxBufferedEvents = maxBufferedEvents
    }

    /// A configuration for a server on `host:port`, for callers that already have the two apart
    /// (tests binding port 0, for one).
    public init(host: String, port: Int, namespace: String = "/", auth: JSONValue? = nil) {
        let authority = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        self.init(url: "http://\(authority):\(port)", namespace: namespace, auth: auth)
    }
}
