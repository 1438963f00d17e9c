import NIOCore

/// TLS on the server's port: https for the routes and Engine.IO polling, wss for WebSocket.
///
/// A module that links a TLS implementation provides it (`ServerTLS`, over swift-nio-ssl), so
/// that this one, and what only decodes or tests the protocol, does not.
public protocol TransportSecurity: Sendable {
    /// Adds the handler that terminates TLS at the front of a newly accepted connection's
    /// pipeline, before every HTTP handler.
    func addServerHandler(to pipeline: ChannelPipeline.SynchronousOperations) throws
}

/// First in a TLS connection's pipeline: lets a TLS client through and answers a plain-HTTP
/// request with 400 `TLS_REQUIRED` instead of a TLS alert the client cannot read, then closes.
///
/// It looks at the first byte only: a TLS connection starts with a handshake record (0x16) and an
/// HTTP/1 request with its method, an upper-case ASCII letter. Anything else is left to TLS to
/// refuse. Once it has decided, a TLS connection's handler leaves the pipeline. A refused
/// connection's output is shut after the answer and what the client still sends is dropped until
/// it closes its side or `linger` passes, as ``HTTPRequestGuard`` does, so the client reads the
/// answer instead of a TCP reset.
final class PlainHTTPRefusal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let linger: Duration
    private var refused = false

    init(linger: Duration) {
        self.linger = linger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }  // what a refused client still sends is dropped
        let buffer = unwrapInboundIn(data)
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return }
        guard (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) else {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        refused = true
        let answer = HTTPRequestGuard.answer(.tlsRequired, allocator: context.channel.allocator)
        context.writeAndFlush(NIOAny(answer), promise: nil)
        // From this handler's context, not the channel's tail: the TLS handler behind it would
        // take a close for its own (and wait for a handshake that never comes).
        context.close(mode: .output).assumeIsolated().whenFailure { _ in context.close(promise: nil) }
        context.eventLoop.assumeIsolated().scheduleTask(in: .init(linger)) { context.close(promise: nil) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if refused, let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
