import SocketIOProtocol

/// The parameters of the Engine.IO open packet (`0{"sid":…,"pingInterval":…}`).
///
/// Exposed because server tests assert on them, and because the client's own dead-connection
/// timer is derived from them.
public struct EngineIOOpenPacket: Sendable, Hashable {
    /// The Engine.IO session id (not the Socket.IO socket id).
    public var sid: String
    /// Transports the server offers to upgrade to; empty over WebSocket.
    public var upgrades: [String]
    /// How often the server promises to ping.
    public var pingInterval: Duration
    /// How long the server waits for a pong after a ping.
    public var pingTimeout: Duration
    /// The largest payload the server accepts, in bytes (0 when the server did not say).
    public var maxPayload: Int

    public init(sid: String, upgrades: [String] = [], pingInterval: Duration, pingTimeout: Duration, maxPayload: Int) {
        self.sid = sid
        self.upgrades = upgrades
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
    }

    /// Parses the payload of an open packet. Returns nil unless `sid`, `pingInterval` and
    /// `pingTimeout` are present and well-typed: without them the session cannot work.
    public init?(openPayload: some Collection<UInt8>) {
        guard let json = try? JSONParser.parse(openPayload),
            let sid = json["sid"]?.stringValue, !sid.isEmpty,
            let interval = json["pingInterval"]?.intValue, interval > 0,
            let timeout = json["pingTimeout"]?.intValue, timeout > 0
        else { return nil }
        let upgrades = json["upgrades"]?.arrayValue?.compactMap(\.stringValue) ?? []
        self.init(
            sid: sid,
            upgrades: upgrades,
            pingInterval: .milliseconds(interval),
            pingTimeout: .milliseconds(timeout),
            maxPayload: json["maxPayload"]?.intValue.map { Int(clamping: $0) } ?? 0
        )
    }
}
