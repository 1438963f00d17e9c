/// The server under test: `http://HOST:PORT[/PATH/]`, reached over Engine.IO 4's WebSocket
/// transport (`/socket.io/?EIO=4&transport=websocket`), with no TLS.
public struct BenchTarget: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The Engine.IO path, with leading and trailing slash (`/socket.io/`).
    public var path: String

    public struct InvalidURL: Error, CustomStringConvertible {
        public let url: String
        public var description: String { "invalid target URL '\(url)': expected http://HOST:PORT[/PATH]" }
    }

    /// Parses `http://127.0.0.1:3000`, `ws://localhost:8080/socket.io/` and the like. A URL
    /// without a path (or with `/`) uses `/socket.io/`.
    public init(url: String) throws(InvalidURL) {
        let rest: Substring
        if url.hasPrefix("http://") {
            rest = url.dropFirst(7)
        } else if url.hasPrefix("ws://") {
            rest = url.dropFirst(5)
        } else {
            throw InvalidURL(url: url)
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        var path = String(rest.dropFirst(authority.count).prefix { $0 != "?" })
        let host: Substring
        let port: Int?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            port = after.isEmpty ? 80 : (after.hasPrefix(":") ? Int(after.dropFirst()) : nil)
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            port = Int(authority[authority.index(after: colon)...])
        } else {
            host = authority
            port = 80
        }
        guard !host.isEmpty, let port, (1...65535).contains(port) else { throw InvalidURL(url: url) }
        if path.isEmpty || path == "/" { path = "/socket.io/" }
        if !path.hasPrefix("/") { path = "/" + path }
        if !path.hasSuffix("/") { path += "/" }
        self.host = String(host)
        self.port = port
        self.path = path
    }

    /// `host:port` for the Host header.
    var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The WebSocket upgrade request, the same bytes for every connection. The key is fixed: a
    /// load generator does not need to check the server's `Sec-WebSocket-Accept`.
    var upgradeRequest: [UInt8] {
        Array(
            ("GET \(path)?EIO=4&transport=websocket HTTP/1.1\r\n"
                + "Host: \(authority)\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: bW9sdGFyZW5hLWJlbmNoLQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").utf8)
    }
}
