import HTTPTypes
import NIOCore
import SocketIOProtocol

/// Why an Engine.IO session ended; the strings are the ones socket.io reports as disconnect
/// reasons, so application code can match on them.
public enum EngineIOCloseReason: String, Sendable {
    case transportClose = "transport close"
    case transportError = "transport error"
    case pingTimeout = "ping timeout"
    case parseError = "parse error"
    case forcedClose = "forced close"
    case slowConsumer = "slow consumer"
    case serverShutdown = "server shutting down"
}

/// What the HTTP request that opened a session carried: the connect middleware sees it.
public struct EngineIOHandshake: Sendable {
    /// The request's header fields (rebuilt from a packed copy on every read: read them once).
    public var headers: HTTPFields { packedHeaders.fields }
    private let packedHeaders: PackedHeaders
    public let path: String
    /// The application's query parameters: Engine.IO's own (`EIO`, `transport`, `sid`, `t`) are
    /// left out, so a session whose client sent no others holds no query at all.
    public let query: [String: String]
    public let remoteAddress: SocketAddress?
    /// The transport the session started on.
    public let transport: String

    init(headers: HTTPFields, path: String, query: [String: String], remoteAddress: SocketAddress?, transport: String) {
        self.packedHeaders = PackedHeaders(headers)
        self.path = path
        let own = query.filter { !Self.engineIOParameters.contains($0.key) }
        self.query = own.isEmpty ? [:] : own
        self.remoteAddress = remoteAddress
        self.transport = transport
    }

    static let engineIOParameters: Set<String> = ["EIO", "transport", "sid", "t"]
}

/// Receives what one Engine.IO session delivers. Called on the session's event loop only.
public protocol EngineIOSessionDelegate: AnyObject {
    /// A message packet (text or binary) arrived.
    func engineSession(_ session: EngineIOSession, didReceive packet: EngineIOPacket)
    /// The session ended; no further calls follow.
    func engineSessionDidClose(_ session: EngineIOSession, reason: EngineIOCloseReason)
}
