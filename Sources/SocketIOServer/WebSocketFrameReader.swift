import NIOCore
import SocketIOProtocol

/// Reads the frames a WebSocket client sends (RFC 6455 §5) straight from the bytes the socket
/// delivers, and hands on whole messages.
///
/// It replaces NIO's frame decoder, aggregator and encoder in the connection's pipeline, which
/// each cost a handler, a context and buffers for every connection held. It keeps no reference
/// to a read buffer once its frames are complete (so the channel reuses its one receive buffer),
/// copies only the tail of a frame that arrived in parts, and unmasks each payload once.
///
/// Public only as SPI, for the fuzz targets (fuzz/), which build as a separate package.
@_spi(Fuzzing) public struct WebSocketFrameReader {
    /// A complete message or control frame.
    public enum Message: Equatable, Sendable {
        case text(ByteBuffer)
        case binary(ByteBuffer)
        case ping(ByteBuffer)
        case pong
        case close
    }

    /// Why the client's bytes are not a valid WebSocket stream; the connection is closed with
    /// ``closeCode``.
    public enum ReadError: Error, Equatable, Sendable {
        case unmaskedFrame
        case reservedBitsSet
        case unknownOpcode(UInt8)
        case invalidControlFrame
        case unexpectedContinuation
        case unfinishedMessage
        case messageTooLarge

        /// The close status code (RFC 6455 §7.4.1): 1009 for size, 1002 for the rest.
        var closeCode: UInt16 { self == .messageTooLarge ? 1009 : 1002 }
    }

    /// Largest message accepted, fragments together.
    let maxMessageSize: Int
    /// The start of a frame whose remaining bytes have not arrived yet (our own copy).
    private var partial: ByteBuffer?
    /// A fragmented message being collected: its opcode and the data so far.
    private var fragmented: (opcode: UInt8, data: ByteBuffer)?

    public init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Bytes held for a frame or message that is not complete yet.
    var bufferedBytes: Int { (partial?.readableBytes ?? 0) + (fragmented?.data.readableBytes ?? 0) }

    /// Reads every complete frame in `bytes` (after what an earlier call left over) and passes
    /// each complete message to `deliver`, in order.
    public mutating func read(_ bytes: ByteBuffer, _ deliver: (Message) -> Void) throws(ReadError) {
        var buffer: ByteBuffer
        let isOwn: Bool
        if var partial = self.partial {
            self.partial = nil
            partial.writeImmutableBuffer(bytes)
            buffer = partial
            isOwn = true
        } else {
            buffer = bytes
            isOwn = false
        }
        while let frame = try Self.nextFrame(from: &buffer, maxPayload: maxMessageSize) {
            if let message = try assemble(frame) { deliver(message) }
        }
        guard buffer.readableBytes > 0 else { return }
        if isOwn {
            // Already ours: keep it (a large frame trickling in is appended to, not copied again).
            buffer.discardReadBytes()
            partial = buffer
        } else {
            var own = ByteBufferAllocator().buffer(capacity: max(buffer.readableBytes, 64))
            own.writeImmutableBuffer(buffer)
            partial = own
        }
    }

    private struct Frame {
        var fin: Bool
        var opcode: UInt8
        var payload: ByteBuffer
    }

    /// Joins fragments and checks the rules on control frames; nil while a message is unfinished.
    private mutating func assemble(_ frame: Frame) throws(ReadError) -> Message? {
        switch frame.opcode {
        case 0x1, 0x2:
            guard fragmented == nil else { throw .unfinishedMessage }
            if frame.fin { return Self.message(opcode: frame.opcode, frame.payload) }
            fragmented = (frame.opcode, frame.payload)
            return nil
        case 0x0:
            guard let (opcode, collected) = fragmented else { throw .unexpectedContinuation }
            fragmented = nil
            var data = collected
            guard data.readableBytes + frame.payload.readableBytes <= maxMessageSize else { throw .messageTooLarge }
            data.writeImmutableBuffer(frame.payload)
            if frame.fin { return Self.message(opcode: opcode, data) }
            fragmented = (opcode, data)
            return nil
        case 0x8, 0x9, 0xA:
            guard frame.fin, frame.payload.readableBytes <= 125 else { throw .invalidControlFrame }
            switch frame.opcode {
            case 0x8: return .close
            case 0x9: return .ping(frame.payload)
            default: return .pong
            }
        default:
            throw .unknownOpcode(frame.opcode)
        }
    }

    private static func message(opcode: UInt8, _ data: ByteBuffer) -> Message {
        opcode == 0x1 ? .text(data) : .binary(data)
    }

    /// Takes one complete frame off the front of `buffer`, unmasked; nil (consuming nothing)
    /// when the frame is not all there yet.
    private static func nextFrame(from buffer: inout ByteBuffer, maxPayload: Int) throws(ReadError) -> Frame? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self),
            let second = buffer.getInteger(at: start + 1, as: UInt8.self)
        else { return nil }
        guard first & 0x70 == 0 else { throw .reservedBitsSet }
        guard second & 0x80 != 0 else { throw .unmaskedFrame }
        var headerLength = 2
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = buffer.getInteger(at: start + 2, as: UInt16.self) else { return nil }
            length = Int(extended)
            headerLength = 4
        } else if length == 127 {
            guard let extended = buffer.getInteger(at: start + 2, as: UInt64.self) else { return nil }
            guard extended <= UInt64(maxPayload) else { throw .messageTooLarge }
            length = Int(extended)
            headerLength = 10
        }
        guard length <= maxPayload else { throw .messageTooLarge }
        guard buffer.readableBytes >= headerLength + 4 + length,
            let mask = buffer.getInteger(at: start + headerLength, as: UInt32.self)
        else { return nil }
        var payload = ByteBufferAllocator().buffer(capacity: length)
        buffer.withUnsafeReadableBytes { bytes in
            let masked = UnsafeRawBufferPointer(rebasing: bytes[(headerLength + 4)..<(headerLength + 4 + length)])
            payload.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { out in
                let key = (
                    UInt8(truncatingIfNeeded: mask >> 24), UInt8(truncatingIfNeeded: mask >> 16),
                    UInt8(truncatingIfNeeded: mask >> 8), UInt8(truncatingIfNeeded: mask)
                )
                WebSocketMask.apply(key, from: masked, to: out)
                return length
            }
        }
        buffer.moveReaderIndex(forwardBy: headerLength + 4 + length)
        return Frame(fin: first & 0x80 != 0, opcode: first & 0x0F, payload: payload)
    }
}
