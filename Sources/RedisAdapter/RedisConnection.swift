import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Why a Redis command got no reply.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// One connection to a Redis server over SwiftNIO, pipelined (replies are matched to commands in
/// order) and reconnecting by itself with backoff. A subscriber connection hands every pub/sub
/// message to `onPush`; `onConnect` runs after each (re)connection, where a subscriber
/// subscribes again.
public final class RedisConnection: Sendable {
    public let host: String
    public let port: Int
    private let group: any EventLoopGroup
    private let logger: Logger
    private let onPush: (@Sendable (RESPValue) -> Void)?
    private let onConnect: @Sendable (RedisConnection) -> Void
    private let onStateChange: @Sendable (Bool) -> Void

    private struct State {
        var channel: (any Channel)?
        var stopped = false
        var failures = 0
    }

    private let state = NIOLockedValueBox(State())

    public init(
        host: String, port: Int, group: any EventLoopGroup, logger: Logger,
        onPush: (@Sendable (RESPValue) -> Void)? = nil,
        onConnect: @escaping @Sendable (RedisConnection) -> Void = { _ in },
        onStateChange: @escaping @Sendable (Bool) -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.group = group
        self.logger = logger
        self.onPush = onPush
        self.onConnect = onConnect
        self.onStateChange = onStateChange
    }

    public var isConnected: Bool { state.withLockedValue { $0.channel?.isActive ?? false } }

    /// Connects, and keeps reconnecting until ``stop()``.
    public func start() {
        connect()
    }

    public func stop() {
        let channel = state.withLockedValue { state -> (any Channel)? in
            state.stopped = true
            defer { state.channel = nil }
            return state.channel
        }
        channel?.close(promise: nil)
    }

    /// Sends a command; the future gets its reply (a Redis error reply fails it). Fails at once
    /// while disconnected: nothing is queued for later, so the caller decides what a lost command means.
    @discardableResult
    public func send(_ arguments: [String]) -> EventLoopFuture<RESPValue> {
        send(arguments.map { Array($0.utf8) })
    }

    @discardableResult
    public func send(_ arguments: [[UInt8]], expectsReply: Bool = true) -> EventLoopFuture<RESPValue> {
        guard let channel = state.withLockedValue({ $0.channel }), channel.isActive else {
            return group.any().makeFailedFuture(RedisError("not connected to Redis at \(host):\(port)"))
        }
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        channel.writeAndFlush(RESPHandler.Outbound(bytes: RESPCommand.format(arguments), reply: expectsReply ? promise : nil), promise: nil)
        if !expectsReply { promise.succeed(.simpleString("QUEUED")) }
        return promise.futureResult
    }

    private func connect() {
        guard !state.withLockedValue({ $0.stopped }) else { return }
        let onPush = self.onPush
        ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RESPHandler(onPush: onPush))
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.connected(channel)
                case .failure(let error):
                    self.lost(error)
                }
            }
    }

    private func connected(_ channel: any Channel) {
        let (stopped, failures) = state.withLockedValue { state -> (Bool, Int) in
            defer { state.failures = 0 }
            if !state.stopped { state.channel = channel }
            return (state.stopped, state.failures)
        }
        guard !stopped else {
            channel.close(promise: nil)
            return
        }
        if failures > 0 { logger.notice("reconnected to Redis", metadata: ["redis": "\(host):\(port)"]) }
        channel.closeFuture.whenComplete { _ in self.lost(RedisError("connection closed")) }
        onStateChange(true)
        onConnect(self)
    }

    /// Logs the first failure only, then retries with backoff (0.1 s doubling up to 5 s).
    private func lost(_ error: any Error) {
        let (stopped, failures) = state.withLockedValue { state -> (Bool, Int) in
            state.channel = nil
            state.failures += 1
            return (state.stopped, state.failures)
        }
        guard !stopped else { return }
        if failures == 1 {
            logger.error("Redis unreachable; retrying", metadata: ["redis": "\(host):\(port)", "error": "\(error)"])
            onStateChange(false)
        }
        let delay = min(100 * (1 << min(failures - 1, 6)), 5000)
        group.any().scheduleTask(in: .milliseconds(Int64(delay))) { self.connect() }
    }
}

/// Encodes commands and matches replies to them in order; pub/sub messages go to `onPush`.
final class RESPHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Outbound
    typealias OutboundOut = ByteBuffer

    struct Outbound {
        var bytes: [UInt8]
        var reply: EventLoopPromise<RESPValue>?
    }

    private let reader = RESPReader()
    private var pending = CircularBuffer<EventLoopPromise<RESPValue>>()
    private let onPush: (@Sendable (RESPValue) -> Void)?

    init(onPush: (@Sendable (RESPValue) -> Void)?) {
        self.onPush = onPush
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let command = unwrapOutboundIn(data)
        if let reply = command.reply { pending.append(reply) }
        context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: command.bytes)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            try buffer.withUnsafeReadableBytes { try reader.feed($0) }
            while let reply = try reader.next() {
                if let onPush, Self.isPush(reply) {
                    onPush(reply)
                } else if let promise = pending.popFirst() {
                    if case .error(let message) = reply {
                        promise.fail(RedisError(message))
                    } else {
                        promise.succeed(reply)
                    }
                }
            }
        } catch {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        while let promise = pending.popFirst() { promise.fail(RedisError("connection to Redis lost")) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// A message or a (p)subscribe confirmation on a subscriber connection.
    static func isPush(_ reply: RESPValue) -> Bool {
        guard case .array(let items?) = reply, let kind = items.first?.string else { return false }
        return ["message", "pmessage", "subscribe", "psubscribe", "unsubscribe", "punsubscribe"].contains(kind)
    }
}
