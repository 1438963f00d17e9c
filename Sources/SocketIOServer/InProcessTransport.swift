import HTTPTypes
import NIOCore
import SocketIOProtocol

/// An Engine.IO transport with no network under it: frames go to a closure and packets come in
/// through ``EngineIOSession/receiveInProcess(_:)``. It lets tests (and tools) drive the whole
/// Socket.IO stack, encoding and rooms included, in-process and deterministically.
public final class InProcessTransport: Sendable {
    let deliver: @Sendable ([OutboundFrame]) -> Void
    let onClose: @Sendable (EngineIOCloseReason) -> Void

    public init(deliver: @escaping @Sendable ([OutboundFrame]) -> Void, onClose: @escaping @Sendable (EngineIOCloseReason) -> Void) {
        self.deliver = deliver
        self.onClose = onClose
    }
}

extension EngineIOSession {
    /// A packet from an in-process client, as if it had arrived on the wire.
    public func receiveInProcess(_ packet: EngineIOPacket) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.receiveInProcess(packet) }
            return
        }
        guard case .inProcess = transport else { return }
        receive(packet)
    }
}

extension EngineIOServer {
    /// Opens a session on an in-process transport; the open packet is delivered first, like on
    /// the wire.
    public func openInProcessSession(
        handshake: EngineIOHandshake, eventLoop: any EventLoop, transport: InProcessTransport
    ) -> EventLoopFuture<EngineIOSession> {
        eventLoop.submit {
            let session = self.createSession(handshake: handshake, transport: .inProcess(transport), eventLoop: eventLoop)
            transport.deliver([self.openPacket(sid: session.sid, upgrades: [])])
            return session
        }
    }
}

extension OutboundFrame {
    /// The Engine.IO packet this frame carries.
    public var packet: EngineIOPacket {
        let bytes = Array(payload.readableBytesView)
        if isBinary { return EngineIOPacket(binary: bytes) }
        return (try? EngineIOPacket.decode(text: bytes)) ?? EngineIOPacket(.noop)
    }
}

extension EngineIOHandshake {
    /// A handshake for sessions that do not come from an HTTP request (in-process clients).
    public init(headers: HTTPFields = [:], query: [String: String] = [:], remoteAddress: SocketAddress? = nil, transport: String = "in-process") {
        self.init(headers: headers, path: "", query: query, remoteAddress: remoteAddress, transport: transport)
    }
}
