import NIOCore
import NIOWebSocket
import SocketIOProtocol

/// Lower-level sends for testing a server against input a well-behaved client never produces.
///
/// All are fire and forget, ordered with every other send of this client, and do nothing once
/// the connection is closed.
extension SocketIOClient {
    /// Sends one WebSocket text frame with exactly this text, taken as a whole Engine.IO packet
    /// (`"4garbage"`, `"2"`, `"9"`, …).
    public func sendRaw(text: String) {
        session.write([.client(.text, Array(text.utf8))])
    }

    /// Sends one WebSocket binary frame with these bytes: an Engine.IO binary message, which a
    /// server takes as the next Socket.IO attachment (or rejects when none is due).
    public func sendRaw(binary: [UInt8]) {
        session.write([.client(.binary, binary)])
    }

    /// Sends a WebSocket frame exactly as given, mask included or not, to test the server's
    /// framing rules (unmasked frames, reserved bits, odd opcodes).
    public func sendRaw(frame: WebSocketFrame) {
        session.write([frame])
    }

    /// Encodes and sends any Socket.IO packet: another namespace, an ACK for an id the server
    /// never used, a CONNECT after connecting, and so on.
    public func send(_ packet: SocketIOPacket) {
        session.send(packet)
    }
}
