import SocketIOProtocol
import SocketIOServer

/// Raw Engine.IO echo, as the Engine.IO protocol suite expects at `/engine.io/`.
final class EchoDelegate: EngineIOSessionDelegate {
    func engineSession(_ session: EngineIOSession, didReceive packet: EngineIOPacket) {
        session.send(packet)
    }

    func engineSessionDidClose(_ session: EngineIOSession, reason: EngineIOCloseReason) {}
}
