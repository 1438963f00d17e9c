import NIOCore
import SocketIOProtocol

/// WebSocket frames as a client sends them (RFC 6455 §5.2): final, masked, text. Frames that are
/// the same for every connection are encoded once and written as the same `ByteBuffer`.
enum ClientFrame {
    /// Any mask key is valid; the server unmasks every byte whatever the key, so a fixed non-zero
    /// key costs it the same work as a random one and lets frames be encoded once.
    static let maskKey: (UInt8, UInt8, UInt8, UInt8) = (0x3a, 0x5c, 0xa7, 0x1e)

    /// Bytes needed to frame `payloadCount` bytes.
    static func headerSize(_ payloadCount: Int) -> Int {
        (payloadCount < 126 ? 2 : payloadCount <= 0xFFFF ? 4 : 10) + 4
    }

    /// Writes a masked text frame carrying `payload` into `buffer`.
    static func writeText(_ payload: UnsafeRawBufferPointer, into buffer: inout ByteBuffer, opcode: UInt8 = 0x1) {
        let count = payload.count
        buffer.writeInteger(0x80 | opcode)
        if count < 126 {
            buffer.writeInteger(UInt8(0x80 | count))
        } else if count <= 0xFFFF {
            buffer.writeInteger(UInt8(0x80 | 126))
            buffer.writeInteger(UInt16(count))
        } else {
            buffer.writeInteger(UInt8(0x80 | 127))
            buffer.writeInteger(UInt64(count))
        }
        let key = maskKey
        buffer.writeBytes([key.0, key.1, key.2, key.3])
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { out in
            WebSocketMask.apply(key, from: payload, to: out)
            return count
        }
    }

    static func text(_ payload: [UInt8], opcode: UInt8 = 0x1) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(payload.count + headerSize(payload.count))
        payload.withUnsafeBytes { writeText($0, into: &buffer, opcode: opcode) }
        return buffer
    }

    static func text(_ payload: String) -> ByteBuffer { text(Array(payload.utf8)) }

    /// Engine.IO pong, the answer to the server's heartbeat ping.
    static let engineIOPong = text("3")
    /// Socket.IO CONNECT to the main namespace, no auth payload (an anonymous client).
    static let connect = text("40")
    /// A WebSocket close frame with status 1000.
    static let close = text([0x03, 0xE8], opcode: 0x8)

    /// Socket.IO CONNECT with the auth payload `{"token":KEY}`: an agent's connection.
    static func connect(token: String) -> ByteBuffer {
        var packet: [UInt8] = Array(#"40{"token":"#.utf8)
        TurnPayload.appendJSONString(token, to: &packet)
        packet.append(UInt8(ascii: "}"))
        return text(packet)
    }

    /// `battle:join {"battleId"}` with an ack id: the ack tells when the room has been joined.
    static func join(battleId: String, ackId: Int = 0) -> ByteBuffer {
        var json: [UInt8] = Array("42\(ackId)".utf8) + Array(#"["battle:join",{"battleId":"#.utf8)
        TurnPayload.appendJSONString(battleId, to: &json)
        json += Array("}]".utf8)
        return text(json)
    }
}
