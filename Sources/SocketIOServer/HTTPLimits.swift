/// What the HTTP server accepts from a connection before the application sees a request: how long
/// a client may take to send a request's head and body, how long an idle keep-alive connection
/// stays open, how large a request may be, and how many connections one client address may hold.
///
/// A request over a limit is answered (400, 408, 413, 414 or 431, with
/// ``HTTPRejection`` naming why) and its connection closed; a connection over the per-address cap
/// is closed at once. A nil timeout or a zero cap turns that limit off.
public struct HTTPLimits: Sendable, Equatable {
    /// From the connection's start (or the first byte of a later request) to the end of the
    /// request's head. A client that has sent part of a head by then gets 408.
    public var headTimeout: Duration?
    /// From the end of a request's head to the end of its body: a body shorter than its
    /// `Content-Length` gets 408 when it runs out.
    public var bodyTimeout: Duration?
    /// How long a keep-alive connection may wait between a response and the next request.
    public var idleTimeout: Duration?
    /// Longest request target (path and query), in bytes; longer gets 414.
    public var maxURIBytes: Int
    /// Largest request head besides its request line (every header line together), in bytes;
    /// larger gets 431. One header line alone may be as large.
    public var maxHeaderBytes: Int
    /// Most header lines in one request; more gets 431.
    public var maxHeaderCount: Int
    /// Largest request body, declared (`Content-Length`, refused before any of it is read) or
    /// received (chunked), in bytes; larger gets 413.
    public var maxBodyBytes: Int
    /// Most connections open at once from one client address; 0: no cap.
    public var maxConnectionsPerAddress: Int
    /// How long a refused request's connection keeps reading (and dropping) what the client still
    /// sends after the answer, so the answer is not lost to a TCP reset, before it is closed.
    public var lingerTimeout: Duration

    public init(
        headTimeout: Duration? = .seconds(10),
        bodyTimeout: Duration? = .seconds(30),
        idleTimeout: Duration? = .seconds(60),
        maxURIBytes: Int = 8 * 1024,
        maxHeaderBytes: Int = 16 * 1024,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 1_000_000,
        maxConnectionsPerAddress: Int = 256,
        lingerTimeout: Duration = .seconds(2)
    ) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxURIBytes = maxURIBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.lingerTimeout = lingerTimeout
    }

    /// No timeouts and no caps beyond NIO's own decoder limits: for tests that measure something
    /// else, and for the protocol conformance server.
    public static let unlimited = HTTPLimits(
        headTimeout: nil, bodyTimeout: nil, idleTimeout: nil, maxURIBytes: 80 * 1024, maxHeaderBytes: 80 * 1024, maxHeaderCount: 1000,
        maxBodyBytes: Int.max, maxConnectionsPerAddress: 0
    )
}

/// Why the HTTP layer refused a request before the application saw it. The answer's body is
/// `{"error":{"code","message"}}`, the API's error shape, with `code` one of these.
public enum HTTPRejection: Sendable, Equatable {
    /// Not an HTTP/1.x request this server can read: a garbage request line, a header line
    /// without a colon, HTTP/0.9, both `Transfer-Encoding` and `Content-Length`.
    case malformed
    /// The head or the body did not arrive in time.
    case timeout
    /// The body is (or says it will be) larger than ``HTTPLimits/maxBodyBytes``.
    case bodyTooLarge
    /// The request target is longer than ``HTTPLimits/maxURIBytes``.
    case uriTooLong
    /// Too many header lines, or too many bytes of them.
    case headersTooLarge
    /// Plain HTTP on a port that speaks only TLS (``TransportSecurity``).
    case tlsRequired

    public var status: (code: Int, reason: String) {
        switch self {
        case .malformed: (400, "Bad Request")
        case .timeout: (408, "Request Timeout")
        case .bodyTooLarge: (413, "Content Too Large")
        case .uriTooLong: (414, "URI Too Long")
        case .headersTooLarge: (431, "Request Header Fields Too Large")
        case .tlsRequired: (400, "Bad Request")
        }
    }

    /// The error code in the answer's body.
    public var code: String {
        switch self {
        case .malformed: "BAD_REQUEST"
        case .timeout: "REQUEST_TIMEOUT"
        case .bodyTooLarge: "PAYLOAD_TOO_LARGE"
        case .uriTooLong: "URI_TOO_LONG"
        case .headersTooLarge: "HEADERS_TOO_LARGE"
        case .tlsRequired: "TLS_REQUIRED"
        }
    }

    var message: String {
        switch self {
        case .malformed: "malformed HTTP request"
        case .timeout: "the request did not arrive in time"
        case .bodyTooLarge: "request body is too large"
        case .uriTooLong: "request target is too long"
        case .headersTooLarge: "request headers are too large"
        case .tlsRequired: "this port speaks HTTPS only: use https:// or wss://"
        }
    }
}
