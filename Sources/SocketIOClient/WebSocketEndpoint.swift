/// Where the WebSocket upgrade request goes, worked out from a configuration.
///
/// Parsed by hand rather than with Foundation's URL types: the accepted form is tiny
/// (`http://host:port` or `ws://host:port`), and a wrong URL should fail with a clear
/// ``SocketIOClientError/invalidURL(_:)`` before any socket is opened.
struct WebSocketEndpoint: Equatable {
    var host: String
    var port: Int
    /// The `Host` header value: the authority exactly as configured.
    var authority: String
    /// Path and query of the upgrade request.
    var requestURI: String

    init(_ configuration: SocketIOClientConfiguration) throws(SocketIOClientError) {
        let url = configuration.url
        let remainder: Substring
        if url.hasPrefix("http://") {
            remainder = url.dropFirst(7)
        } else if url.hasPrefix("ws://") {
            remainder = url.dropFirst(5)
        } else {
            throw .invalidURL(url)  // https and wss included: this client has no TLS
        }
        let authority = remainder.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        let hostPart: Substring
        let portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL(url) }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw .invalidURL(url) }
            portPart = after.isEmpty ? nil : after.dropFirst()
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
            portPart = nil
        }
        guard !hostPart.isEmpty, !hostPart.contains("@") else { throw .invalidURL(url) }
        let port = portPart.map { Int($0) } ?? 80
        guard let port, (1...65535).contains(port) else { throw .invalidURL(url) }

        var path = configuration.path.hasPrefix("/") ? configuration.path : "/" + configuration.path
        path += "?EIO=4&transport=websocket"
        for (name, value) in configuration.extraQuery {
            path += "&" + Self.percentEncoded(name) + "=" + Self.percentEncoded(value)
        }
        self.host = String(hostPart)
        self.port = port
        self.authority = String(authority)
        self.requestURI = path
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
