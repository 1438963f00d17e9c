import NIOCore
import NIOWebSocket
import SocketIOProtocol

extension WebSocketFrame {
    /// A final frame as a client must send it: masked with a fresh random key (RFC 6455 §5.3),
    /// which `WebSocketFrameEncoder` applies on the way out.
    static func client(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)
    }

    static func client(_ opcode: WebSocketOpcode, _ bytes: [UInt8]) -> WebSocketFrame {
        client(opcode, ByteBuffer(bytes: bytes))
    }

    /// A close frame carrying a status code.
    static func clientClose(_ code: WebSocketErrorCode) -> WebSocketFrame {
        var data = ByteBuffer()
        data.write(webSocketErrorCode: code)
        return client(.connectionClose, data)
    }

    /// The frames of one Socket.IO packet: the Engine.IO message as text, then one binary frame
    /// per attachment. They must be written together, in this order.
    static func frames(for packet: SocketIOPacket) -> [WebSocketFrame] {
        let encoded = packet.encode(prefix: [EngineIOPacketType.message.asciiDigit])
        var frames = [client(.text, encoded.text)]
        for attachment in encoded.attachments { frames.append(client(.binary, attachment)) }
        return frames
    }
}

extension EngineIOPacketType {
    /// The ASCII digit that starts a text packet of this type.
    var asciiDigit: UInt8 { UInt8(ascii: "0") + rawValue }
}
