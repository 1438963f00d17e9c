import Logging
import NIOConcurrencyHelpers
import NIOCore

/// One instance's two connections to Redis: a publisher for its broadcasts and a subscriber that
/// receives the cluster's. The subscriber pattern-subscribes to every broadcast channel of each
/// namespace and subscribes to the request channel, so the Node adapter counts this instance
/// (`PUBSUB NUMSUB`); both reconnect and resubscribe by themselves.
public final class RedisLink: Sendable {
    public let host: String
    public let port: Int
    private let logger: Logger
    private let adapters = NIOLockedValueBox<[String: RedisAdapter]>([:])
    /// Channels of this instance's own (the cluster's requests and replies) and their handlers.
    private let channels = NIOLockedValueBox<[String: @Sendable ([UInt8]) -> Void]>([:])
    private let connectedState = NIOLockedValueBox<(publisher: Bool, subscriber: Bool)>((false, false))
    private let published = NIOLockedValueBox(0)
    private let publisher: RedisConnection
    private let subscriber: RedisConnection

    /// Parses `redis://HOST:PORT` (port 6379 when absent).
    public static func address(_ url: String) throws -> (host: String, port: Int) {
        guard url.hasPrefix("redis://") else { throw RedisError("expected redis://HOST:PORT, not \(url)") }
        let rest = url.dropFirst("redis://".count).split(separator: "/").first.map(String.init) ?? ""
        let parts = rest.split(separator: ":")
        guard let host = parts.first, !host.isEmpty, parts.count <= 2 else { throw RedisError("expected redis://HOST:PORT, not \(url)") }
        guard let port = parts.count == 2 ? Int(parts[1]) : 6379, (1...65535).contains(port) else {
            throw RedisError("invalid port in \(url)")
        }
        return (String(host), port)
    }

    /// - Parameter onStateChange: told when a connection (`publisher`, `subscriber`) goes up or down.
    public init(
        host: String, port: Int, group: any EventLoopGroup, logger: Logger,
        onStateChange: @escaping @Sendable (_ connection: String, _ up: Bool) -> Void = { _, _ in }
    ) {
        self.host = host
        self.port = port
        self.logger = logger
        let state = connectedState
        let adapters = self.adapters
        let channels = self.channels
        publisher = RedisConnection(
            host: host, port: port, group: group, logger: logger,
            onStateChange: { up in
                state.withLockedValue { $0.publisher = up }
                onStateChange("publisher", up)
            }
        )
        subscriber = RedisConnection(
            host: host, port: port, group: group, logger: logger,
            onPush: { reply in RedisLink.deliver(reply, to: adapters, channels: channels) },
            onConnect: { connection in
                for namespace in adapters.withLockedValue({ Array($0.keys) }) {
                    RedisLink.subscribe(connection, namespace: namespace)
                }
                for channel in channels.withLockedValue({ Array($0.keys) }) {
                    connection.send([Array("SUBSCRIBE".utf8), Array(channel.utf8)], expectsReply: false)
                }
            },
            onStateChange: { up in
                state.withLockedValue { $0.subscriber = up }
                onStateChange("subscriber", up)
            }
        )
    }

    /// How many messages this instance has asked Redis to publish.
    public var publishedCount: Int { published.withLockedValue { $0 } }

    /// Both connections are up: broadcasts cross instances.
    public var isHealthy: Bool { connectedState.withLockedValue { $0.publisher && $0.subscriber } }

    public func start() {
        publisher.start()
        subscriber.start()
    }

    public func stop() {
        publisher.stop()
        subscriber.stop()
    }

    /// Publishes; while Redis is down the message is dropped (local delivery already happened,
    /// and what is logged is in the database for clients to replay with `sinceSeq`).
    /// The reply is the number of subscribers that got the message.
    @discardableResult
    func publish(_ message: [UInt8], on channel: String) -> EventLoopFuture<RESPValue> {
        published.withLockedValue { $0 += 1 }
        let sent = publisher.send([Array("PUBLISH".utf8), Array(channel.utf8), message])
        sent.whenFailure { _ in }
        return sent
    }

    /// Sends a command on the publisher connection (rate-limit scripts).
    public func command(_ arguments: [String]) -> EventLoopFuture<RESPValue> {
        publisher.send(arguments)
    }

    /// Subscribes to `channel` (again after each reconnection); `handler` gets each message, in
    /// the order Redis delivers them.
    func subscribe(_ channel: String, handler: @escaping @Sendable ([UInt8]) -> Void) {
        channels.withLockedValue { $0[channel] = handler }
        if subscriber.isConnected { subscriber.send([Array("SUBSCRIBE".utf8), Array(channel.utf8)], expectsReply: false) }
    }

    func register(_ adapter: RedisAdapter) {
        adapters.withLockedValue { $0[adapter.namespace] = adapter }
        if subscriber.isConnected { Self.subscribe(subscriber, namespace: adapter.namespace) }
    }

    private static func subscribe(_ connection: RedisConnection, namespace: String) {
        connection.send(
            [Array("PSUBSCRIBE".utf8), Array((NodeAdapterWire.broadcastChannel(namespace: namespace, room: nil) + "*").utf8)], expectsReply: false)
        connection.send([Array("SUBSCRIBE".utf8), Array(NodeAdapterWire.requestChannel(namespace: namespace).utf8)], expectsReply: false)
    }

    /// `pmessage <pattern> <channel> <payload>` on a broadcast channel, or `message <channel>
    /// <payload>` on a namespace's request channel: to the namespace's adapter.
    private static func deliver(
        _ reply: RESPValue, to adapters: NIOLockedValueBox<[String: RedisAdapter]>,
        channels: NIOLockedValueBox<[String: @Sendable ([UInt8]) -> Void]>
    ) {
        if case .array(let items?) = reply, items.count == 3, items[0].string == "message", let channel = items[1].string,
            let payload = items[2].bytes
        {
            if let handler = channels.withLockedValue({ $0[channel] }) {
                handler(payload)
                return
            }
            let adapter = adapters.withLockedValue { all in
                all.values.first { NodeAdapterWire.requestChannel(namespace: $0.namespace) == channel }
            }
            if let adapter { Task { await adapter.handleRequest(payload) } }
            return
        }
        guard case .array(let items?) = reply, items.count == 4, items[0].string == "pmessage",
            let channel = items[2].string, let payload = items[3].bytes,
            let message = NodeAdapterWire.Broadcast.decode(payload)
        else { return }
        // A single-room channel names its room; the message's rooms say the same.
        guard channel.hasPrefix("socket.io#\(message.namespace)#") else { return }
        adapters.withLockedValue { $0[message.namespace] }?.received(message)
    }
}
