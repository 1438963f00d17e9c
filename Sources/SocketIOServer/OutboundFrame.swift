import NIOCore
import SocketIOProtocol

/// One Engine.IO packet encoded once for every recipient: the complete WebSocket frame (header
/// included), from which the polling form is a slice. A broadcast builds these once and hands the
/// same bytes to every channel.
public struct OutboundFrame: Sendable {
    /// The unmasked server WebSocket frame: header then payload.
    public let frame: ByteBuffer
    /// Where the Engine.IO payload starts inside `frame`.
    let payloadOffset: Int
    public let isBinary: Bool

    /// A text packet: type digit then `text`.
    public init(_ type: EngineIOPacketType, text: some Collection<UInt8>, allocator: ByteBufferAllocator = .init()) {
        let length = text.count + 1
        var buffer = allocator.buffer(capacity: length + 10)
        let offset = WebSocketFrameHeader.write(opcode: 0x1, length: length, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "0") + type.rawValue)
        buffer.writeBytes(text)
        self.frame = buffer
        self.payloadOffset = offset
        self.isBinary = false
    }

    /// A binary message packet.
    public init(binary bytes: some Collection<UInt8>, allocator: ByteBufferAllocator = .init()) {
        var buffer = allocator.buffer(capacity: bytes.count + 10)
        let offset = WebSocketFrameHeader.write(opcode: 0x2, length: bytes.count, into: &buffer)
        buffer.writeBytes(bytes)
        self.frame = buffer
        self.payloadOffset = offset
        self.isBinary = true
    }

    /// The Engine.IO packet bytes without the frame header (text form): what an adapter that
    /// relays a broadcast to other servers reads the Socket.IO packet from.
    public var payload: ByteBuffer {
        frame.getSlice(at: frame.readerIndex + payloadOffset, length: frame.readableBytes - payloadOffset)!
    }

    /// Bytes this frame occupies in a polling response.
    var pollingSize: Int {
        isBinary ? 1 + (frame.readableBytes - payloadOffset + 2) / 3 * 4 : frame.readableBytes - payloadOffset
    }

    /// Appends the polling form (`b` + base64 for binary) to a response body.
    func appendPolling(to output: inout ByteBuffer) {
        if isBinary {
            var packet = EngineIOPacket(binary: [])
            packet.payload = Array(payload.readableBytesView)
            var bytes: [UInt8] = []
            EngineIOPayload.append(packet, to: &bytes)
            output.writeBytes(bytes)
        } else {
            output.writeImmutableBuffer(payload)
        }
    }

    /// Encodes a Socket.IO packet into its Engine.IO message frames: the text packet, then one
    /// binary frame per attachment.
    public static func frames(for packet: SocketIOPacket, allocator: ByteBufferAllocator = .init()) -> [OutboundFrame] {
        let encoded = packet.encode()
        var frames = [OutboundFrame(.message, text: encoded.text, allocator: allocator)]
        for attachment in encoded.attachments {
            frames.append(OutboundFrame(binary: attachment, allocator: allocator))
        }
        return frames
    }
}

/// RFC 6455 frame headers for server frames (never masked, always final).
enum WebSocketFrameHeader {
    /// Writes the header and returns its length.
    @discardableResult
    static func write(opcode: UInt8, length: Int, into buffer: inout ByteBuffer) -> Int {
        buffer.writeInteger(0x80 | opcode)
        if length < 126 {
            buffer.writeInteger(UInt8(length))
            return 2
        } else if length <= Int(UInt16.max) {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
            return 4
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
            return 10
        }
    }

    /// A control frame (pong or close) with a small payload.
    static func control(opcode: UInt8, payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: payload.readableBytes + 2)
        write(opcode: opcode, length: payload.readableBytes, into: &buffer)
        buffer.writeImmutableBuffer(payload)
        return buffer
    }
}

extension OutboundFrame {
    /// The event a broadcast's frames carry, decoded back (one parse): for relaying it to other
    /// servers, or recognising it. Nil for anything but an event packet.
    public static func event(in frames: [OutboundFrame]) -> (name: String, arguments: [JSONValue])? {
        var decoder = SocketIOPacketDecoder()
        var packet: SocketIOPacket?
        for (index, frame) in frames.enumerated() {
            let payload = Array(frame.payload.readableBytesView)
            if index == 0 {
                guard payload.first == UInt8(ascii: "4") else { return nil }  // an Engine.IO message
                packet = try? decoder.decode(text: payload.dropFirst())
            } else {
                packet = try? decoder.decode(binary: payload)
            }
        }
        guard let packet, let (name, arguments) = packet.eventNameAndArguments else { return nil }
        return (name, arguments)
    }
}
