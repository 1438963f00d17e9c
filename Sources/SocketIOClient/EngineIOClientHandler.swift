import NIOCore
import NIOWebSocket
import SocketIOProtocol

/// Speaks Engine.IO 4 over the WebSocket frames of one connection, on its event loop.
///
/// It owns everything that is about the transport: the open packet, answering pings, the
/// dead-connection timer, WebSocket ping and close frames, and turning text and binary frames
/// into Socket.IO packets (with ``SocketIOPacketDecoder`` collecting attachments). What a packet
/// means is for ``ClientSession`` to decide. Anything malformed from the server closes the
/// connection with ``SocketIODisconnectReason/protocolError(_:)``, never traps.
final class EngineIOClientHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let session: ClientSession
    private var decoder = SocketIOPacketDecoder()
    private var context: ChannelHandlerContext?
    private var handshake: EngineIOOpenPacket?
    private var heartbeat: Scheduled<Void>?
    /// After our close frame nothing else may be sent (RFC 6455 §5.5.1).
    private var closeFrameSent = false

    init(session: ClientSession) {
        self.session = session
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        heartbeat?.cancel()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        heartbeat?.cancel()
        session.transportDidClose()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case NIOWebSocketError.invalidFrameLength, NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge:
            close(.protocolError("message larger than maxFrameSize"), code: .messageTooLarge)
        case is NIOWebSocketError, is NIOWebSocketFrameAggregator.Error:
            close(.protocolError("invalid WebSocket framing: \(error)"), code: .protocolError)
        default:
            session.record(.transportError(String(describing: error)))
            context.channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.maskKey == nil, !frame.rsv1, !frame.rsv2, !frame.rsv3 else {
            return fail("masked frame or reserved bits from the server")
        }
        switch frame.opcode {
        case .text: receivedText(frame.data)
        case .binary: receivedBinary(Array(frame.data.readableBytesView))
        case .ping: write([.client(.pong, frame.data)])
        case .pong: break
        case .connectionClose: receivedClose(frame.data)
        default: fail("unexpected WebSocket opcode \(frame.opcode)")
        }
    }

    // MARK: Engine.IO

    private func receivedText(_ buffer: ByteBuffer) {
        let packet: EngineIOPacket
        do {
            packet = try EngineIOPacket.decode(text: buffer.readableBytesView)
        } catch {
            return fail("invalid Engine.IO packet: \(error)")
        }
        if packet.isBinary { return receivedBinary(packet.payload) }  // `b` + base64
        guard handshake != nil || packet.type == .open else {
            return fail("Engine.IO \(packet.type) packet before the open packet")
        }
        switch packet.type {
        case .open:
            guard handshake == nil else { return fail("second Engine.IO open packet") }
            guard let handshake = EngineIOOpenPacket(openPayload: packet.payload) else {
                return fail("invalid Engine.IO open packet")
            }
            self.handshake = handshake
            scheduleHeartbeat()
            write(WebSocketFrame.frames(for: session.engineDidOpen(handshake)))
        case .close:
            close(.engineClose, code: .normalClosure)
        case .ping:
            scheduleHeartbeat()
            if session.configuration.respondsToPings {
                write([.client(.text, [EngineIOPacketType.pong.asciiDigit] + packet.payload)])
            }
        case .message:
            do {
                if let socketPacket = try decoder.decode(text: packet.payload) { apply(socketPacket) }
            } catch {
                fail("invalid Socket.IO packet: \(error)")
            }
        case .pong, .upgrade, .noop:
            break
        }
    }

    private func receivedBinary(_ bytes: [UInt8]) {
        guard handshake != nil else { return fail("binary message before the open packet") }
        do {
            if let socketPacket = try decoder.decode(binary: bytes) { apply(socketPacket) }
        } catch {
            fail("invalid Socket.IO attachment: \(error)")
        }
    }

    private func apply(_ packet: SocketIOPacket) {
        switch session.received(packet) {
        case .none: break
        case .close(let reason): close(reason, code: .normalClosure, awaitPeer: true)
        }
    }

    /// No ping within pingInterval + pingTimeout means the server (or the path to it) is dead,
    /// the same rule the reference client applies.
    private func scheduleHeartbeat() {
        guard let handshake, let context else { return }
        heartbeat?.cancel()
        let deadline = TimeAmount(handshake.pingInterval + handshake.pingTimeout)
        heartbeat = context.eventLoop.assumeIsolated().scheduleTask(in: deadline) { [self] in
            close(.pingTimeout, code: .goingAway)
        }
    }

    // MARK: Writing and closing

    func write(_ frames: [WebSocketFrame]) {
        guard let context, !closeFrameSent else { return }
        for frame in frames { context.write(wrapOutboundOut(frame), promise: nil) }
        context.flush()
    }

    private func fail(_ message: String) {
        close(.protocolError(message), code: .protocolError)
    }

    /// Starts the closing handshake: records the reason, sends a close frame, and closes the
    /// channel once it is written, or, with `awaitPeer`, once the server answers (at most a
    /// second later), which is the orderly way for a client to end a WebSocket.
    func close(_ reason: SocketIODisconnectReason, code: WebSocketErrorCode, awaitPeer: Bool = false) {
        session.record(reason)
        guard let context, !closeFrameSent else { return }
        closeFrameSent = true
        heartbeat?.cancel()
        let channel = context.channel
        let written = context.writeAndFlush(wrapOutboundOut(.clientClose(code)))
        if awaitPeer {
            context.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        } else {
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func receivedClose(_ data: ByteBuffer) {
        var data = data
        session.record(.webSocketClose(code: data.readInteger(as: UInt16.self)))
        guard let context else { return }
        if closeFrameSent {
            context.channel.close(promise: nil)
        } else {
            close(.transportClosed, code: .normalClosure)  // reason already recorded above
        }
    }
}
