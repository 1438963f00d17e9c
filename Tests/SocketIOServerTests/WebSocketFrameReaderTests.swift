import NIOCore
import Testing

@_spi(Fuzzing) @testable import SocketIOServer

@Suite struct WebSocketFrameReaderTests {
    /// A client frame: masked with `mask`, FIN as given.
    static func frame(
        opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0, mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
    ) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | rsv | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            bytes.append(maskBit | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            bytes.append(maskBit | 126)
            bytes.append(contentsOf: [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)])
        } else {
            bytes.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((payload.count >> shift) & 0xFF)) }
        }
        guard masked else { return bytes + payload }
        bytes.append(contentsOf: mask)
        for (index, byte) in payload.enumerated() { bytes.append(byte ^ mask[index % 4]) }
        return bytes
    }

    static func text(_ string: String, fin: Bool = true) -> [UInt8] { frame(opcode: 0x1, Array(string.utf8), fin: fin) }

    /// Feeds each chunk as one socket read and collects what the reader delivers.
    static func read(
        _ chunks: [[UInt8]], max: Int = 1_000_000
    ) throws(WebSocketFrameReader.ReadError) -> (messages: [WebSocketFrameReader.Message], reader: WebSocketFrameReader) {
        var reader = WebSocketFrameReader(maxMessageSize: max)
        var messages: [WebSocketFrameReader.Message] = []
        for chunk in chunks {
            try reader.read(ByteBuffer(bytes: chunk)) { messages.append($0) }
        }
        return (messages, reader)
    }

    static func text(of message: WebSocketFrameReader.Message) -> String? {
        guard case .text(let bytes) = message else { return nil }
        return String(buffer: bytes)
    }

    @Test func aFrameSplitAcrossReadsArrivesOnceWhole() throws {
        let bytes = Self.text("42[\"battle:turn\",{\"battleId\":\"b\"}]")
        let (messages, reader) = try Self.read([Array(bytes[0..<1]), Array(bytes[1..<7]), Array(bytes[7...])])
        #expect(messages.map(Self.text(of:)) == ["42[\"battle:turn\",{\"battleId\":\"b\"}]"])
        #expect(reader.bufferedBytes == 0)
    }

    @Test func severalFramesInOneReadArriveInOrder() throws {
        let (messages, _) = try Self.read([Self.text("2") + Self.text("40") + Self.frame(opcode: 0x9, [1, 2]) + Self.text("3")])
        #expect(
            messages == [
                .text(ByteBuffer(string: "2")), .text(ByteBuffer(string: "40")), .ping(ByteBuffer(bytes: [1, 2])), .text(ByteBuffer(string: "3")),
            ])
    }

    @Test(arguments: [125, 126, 65_535, 65_536, 200_000])
    func everyLengthEncodingIsRead(length: Int) throws {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        let bytes = Self.frame(opcode: 0x2, payload)
        let (messages, reader) = try Self.read([Array(bytes.prefix(bytes.count / 2)), Array(bytes.dropFirst(bytes.count / 2))])
        #expect(messages == [.binary(ByteBuffer(bytes: payload))])
        #expect(reader.bufferedBytes == 0)
    }

    @Test func aLargeFrameTricklingInSmallReadsArrivesWhole() throws {
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let bytes = Self.frame(opcode: 0x2, payload) + Self.text("3")
        let chunks = stride(from: 0, to: bytes.count, by: 1000).map { Array(bytes[$0..<min($0 + 1000, bytes.count)]) }
        let (messages, reader) = try Self.read(chunks)
        #expect(messages == [.binary(ByteBuffer(bytes: payload)), .text(ByteBuffer(string: "3"))])
        #expect(reader.bufferedBytes == 0)
    }

    @Test func fragmentsAreJoinedAndControlFramesMayComeBetween() throws {
        let (messages, _) = try Self.read([
            Self.text("4", fin: false), Self.frame(opcode: 0x9, []), Self.frame(opcode: 0x0, Array("2[\"a\"".utf8), fin: false),
            Self.frame(opcode: 0xA, []), Self.frame(opcode: 0x0, Array("]".utf8)),
        ])
        #expect(messages == [.ping(ByteBuffer()), .pong, .text(ByteBuffer(string: "42[\"a\"]"))])
    }

    @Test func closeFrameIsDelivered() throws {
        let (messages, _) = try Self.read([Self.frame(opcode: 0x8, [0x03, 0xE8])])
        #expect(messages == [.close])
    }

    @Test(arguments: [
        (frame(opcode: 0x1, Array("2".utf8), masked: false), WebSocketFrameReader.ReadError.unmaskedFrame),
        (frame(opcode: 0x1, Array("2".utf8), rsv: 0x40), .reservedBitsSet),
        (frame(opcode: 0x3, []), .unknownOpcode(0x3)),
        (frame(opcode: 0x0, Array("x".utf8)), .unexpectedContinuation),
        (frame(opcode: 0x9, [UInt8](repeating: 0, count: 126)), .invalidControlFrame),
        (frame(opcode: 0x9, [], fin: false), .invalidControlFrame),
        (text("4", fin: false) + text("2"), .unfinishedMessage),
        ([0x81, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], .messageTooLarge),
    ])
    func invalidStreamsAreRefusedWithTheirReason(bytes: [UInt8], error: WebSocketFrameReader.ReadError) {
        #expect(throws: error) { _ = try Self.read([bytes]) }
    }

    @Test func messagesOverTheLimitAreRefusedWholeOrInFragments() {
        #expect(throws: WebSocketFrameReader.ReadError.messageTooLarge) { _ = try Self.read([Self.text(String(repeating: "x", count: 11))], max: 10) }
        #expect(throws: WebSocketFrameReader.ReadError.messageTooLarge) {
            _ = try Self.read([Self.text("xxxxxx", fin: false), Self.frame(opcode: 0x0, Array("xxxxx".utf8))], max: 10)
        }
        #expect(WebSocketFrameReader.ReadError.messageTooLarge.closeCode == 1009)
        #expect(WebSocketFrameReader.ReadError.unmaskedFrame.closeCode == 1002)
    }

    @Test func acceptValueMatchesTheRFCExample() {
        // RFC 6455 §1.3.
        #expect(EngineIOWebSocketUpgrader<Int>.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }
}
