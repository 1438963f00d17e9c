import NIOCore
import NIOWebSocket
import SocketIOProtocol
import Synchronization

/// Sends frames through the connection's ``EngineIOClientHandler`` from any thread.
///
/// Kept apart from ``ClientSession`` so that a ``ClientAck`` can send without holding the session:
/// buffered events carry their `ClientAck`, and a `ClientAck` holding the session that buffers it would be
/// a reference cycle outliving the connection.
final class ClientWriter: Sendable {
    let eventLoop: any EventLoop
    private let handler = Mutex<NIOLoopBound<EngineIOClientHandler>?>(nil)

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Called on the event loop when the WebSocket is ready.
    func attach(_ handler: EngineIOClientHandler) {
        self.handler.withLock { $0 = NIOLoopBound(handler, eventLoop: eventLoop) }
    }

    /// Called when the channel is gone: later sends do nothing.
    func detach() {
        handler.withLock { $0 = nil }
    }

    var isAttached: Bool { handler.withLock { $0 != nil } }

    /// Encodes a packet as one text frame plus one binary frame per attachment, written together
    /// so that concurrent senders can never interleave the frames of two packets.
    func send(_ packet: SocketIOPacket) {
        write(WebSocketFrame.frames(for: packet))
    }

    func write(_ frames: [WebSocketFrame]) {
        onHandler { $0.write(frames) }
    }

    /// Runs `body` with the handler on its event loop (at once when already there, which keeps
    /// writes made from inside the pipeline in order); does nothing once the handler is gone.
    func onHandler(_ body: @escaping @Sendable (EngineIOClientHandler) -> Void) {
        guard let handler = handler.withLock({ $0 }) else { return }
        if eventLoop.inEventLoop {
            body(handler.value)
        } else {
            eventLoop.execute { body(handler.value) }
        }
    }
}
