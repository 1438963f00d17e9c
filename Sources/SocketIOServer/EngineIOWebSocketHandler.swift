import Logging
import NIOCore
import SocketIOProtocol

/// The Engine.IO WebSocket transport as a plain synchronous channel handler: no task and no
/// async stream per connection, so an idle connection costs little more than its channel.
///
/// It is the only handler in the upgraded connection's pipeline: it reads WebSocket frames itself
/// (``WebSocketFrameReader``) and writes frames that arrive pre-encoded (``OutboundFrame``, one
/// encoding shared by every recipient of a broadcast); flushes are coalesced per event loop by
/// ``FlushBatcher``.
final class EngineIOWebSocketHandler: ChannelInboundHandler, RemovableChannelHandler, BatchFlushable, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Role {
        /// A WebSocket-only client: the handler opens a new session.
        case newSession(EngineIOHandshake)
        /// A polling session upgrading to this socket.
        case upgrade(EngineIOSession)
        /// A duplicate for an already upgraded session: accepted, then closed.
        case reject
    }

    private let server: EngineIOServer
    private var role: Role?
    private var session: EngineIOSession?
    private var context: ChannelHandlerContext?
    private var batcher: FlushBatcher?
    private var isClosing = false
    var isFlushQueued = false
    /// Frames written since the last flush.
    private var pending = PendingFrames()
    private var reader: WebSocketFrameReader

    init(server: EngineIOServer, role: Role) {
        self.server = server
        self.role = role
        self.reader = WebSocketFrameReader(maxMessageSize: server.configuration.maxPayload)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.batcher = server.batchers.batcher(for: context.eventLoop)
        guard let role else { return }
        self.role = nil
        switch role {
        case .newSession(let handshake):
            session = server.openWebSocketSession(handler: self, handshake: handshake, eventLoop: context.eventLoop)
        case .upgrade(let session):
            self.session = session
            session.eventLoop.execute {
                if !session.attachUpgradeCandidate(self) { self.close() }
            }
        case .reject:
            close()
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // The session holds this handler as its transport until it closes: let go of it here
        // too, so that neither keeps the other alive once the channel is gone.
        session = nil
    }

    // MARK: Outbound, called from the session's loop

    func write(_ frames: [OutboundFrame]) {
        guard let context, context.eventLoop.inEventLoop else {
            let loop = context?.eventLoop
            loop?.execute { self.write(frames) }
            return
        }
        guard !isClosing else { return }
        guard let batcher else {
            for frame in frames { context.write(wrapOutboundOut(frame.frame), promise: nil) }
            context.flush()
            return
        }
        for frame in frames {
            pending.append(frame.frame) { full in context.write(wrapOutboundOut(full), promise: nil) }
        }
        batcher.markDirty(self)
    }

    func flushNow() {
        guard let context else { return }
        guard context.eventLoop.inEventLoop else {
            context.eventLoop.execute { self.flushNow() }
            return
        }
        writePending(to: context)
        context.flush()
    }

    /// Hands what this tick queued to the channel: a lone frame as it is (shared with the other
    /// recipients, no copy), several copied into one buffer, so NIO keeps one pending write per
    /// connection per flush instead of one per frame.
    private func writePending(to context: ChannelHandlerContext) {
        pending.drain { buffer in context.write(wrapOutboundOut(buffer), promise: nil) }
    }

    /// Sends a close frame (RFC 6455 status `code`) after what is queued, then closes the
    /// connection.
    func close(code: UInt16 = 1000) {
        guard let context else { return }
        guard context.eventLoop.inEventLoop else {
            context.eventLoop.execute { self.close(code: code) }
            return
        }
        guard !isClosing else { return }
        isClosing = true
        var status = ByteBuffer()
        status.writeInteger(code)
        writePending(to: context)
        context.write(wrapOutboundOut(WebSocketFrameHeader.control(opcode: 0x8, payload: status, allocator: context.channel.allocator)), promise: nil)
        context.flush()
        guard code != 1000 else {
            context.close(promise: nil)
            return
        }
        // Closed for bad input: the client may still be sending (the rest of an oversized
        // frame). Closing now, with those bytes unread, would answer them with a TCP reset that
        // can destroy the close frame before the client reads it. Shut the output instead (the
        // close frame, then FIN), drop what still comes, and close when the client closes its
        // side or the linger time is over.
        let channel = context.channel
        channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
        context.eventLoop.scheduleTask(in: .init(server.configuration.closeLinger)) {
            channel.close(promise: nil)
        }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isClosing else { return }
        do {
            try reader.read(unwrapInboundIn(data)) { message in
                guard !isClosing else { return }
                receive(message, context: context)
            }
        } catch {
            server.logger.debug("closing WebSocket: invalid frame", metadata: ["error": "\(error)"])
            failed(.parseError, code: error.closeCode)
        }
    }

    private func receive(_ message: WebSocketFrameReader.Message, context: ChannelHandlerContext) {
        switch message {
        case .text(let bytes):
            do {
                deliver(try EngineIOPacket.decode(text: bytes.readableBytesView))
            } catch {
                server.logger.debug("closing WebSocket: invalid Engine.IO packet", metadata: ["error": "\(error)"])
                failed(.parseError)
            }
        case .binary(let bytes):
            deliver(EngineIOPacket(binary: Array(bytes.readableBytesView)))
        case .ping(let payload):
            let pong = WebSocketFrameHeader.control(opcode: 0xA, payload: payload, allocator: context.channel.allocator)
            if let batcher {
                pending.append(pong) { full in context.write(wrapOutboundOut(full), promise: nil) }
                batcher.markDirty(self)
            } else {
                context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
            }
        case .pong:
            break
        case .close:
            close()
        }
    }

    private func deliver(_ packet: EngineIOPacket) {
        guard let session else { return }
        if session.eventLoop.inEventLoop {
            session.receiveWebSocket(packet, from: self)
        } else {
            session.eventLoop.execute { session.receiveWebSocket(packet, from: self) }
        }
    }

    private func failed(_ reason: EngineIOCloseReason, code: UInt16 = 1000) {
        if let session {
            session.eventLoop.execute { session.webSocketFailed(self, reason: reason) }
        }
        close(code: code)
    }

    func channelInactive(context: ChannelHandlerContext) {
        isClosing = true
        if let session {
            session.eventLoop.execute { session.webSocketClosed(self) }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Frames that do not parse are failed where they are read; what arrives here comes from
        // below (the socket, TLS): the transport failed.
        server.logger.debug("WebSocket error", metadata: ["error": "\(error)"])
        failed(.transportError)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable, let session {
            session.logger.notice("closing session: client does not read (outbound buffer full)")
            session.eventLoop.execute { session.close(reason: .slowConsumer) }
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed = event as? ChannelEvent, isClosing {
            context.close(promise: nil)  // the client closed its side after our close frame
            return
        }
        if case .inputClosed = event as? ChannelEvent {
            // The peer closed its side without a close frame (its process died): the
            // connection is over. Half-closure is allowed by the HTTP server, so EOF comes here.
            failed(.transportClose)
            return
        }
        if event is ChannelShouldQuiesceEvent {
            if let session {
                session.eventLoop.execute { session.close(reason: .serverShutdown) }
            }
            close()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
