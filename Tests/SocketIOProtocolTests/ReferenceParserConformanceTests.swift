import SocketIOProtocol
import Testing

/// Inputs the reference parsers (engine.io-parser, socket.io-parser) accept and that the codecs
/// must therefore accept too.
@Suite struct ReferenceParserConformanceTests {
    @Test func base64TextPacketIsABinaryMessageOnAnyTransport() throws {
        let packet = try EngineIOPacket.decode(text: Array("bAQID".utf8))
        #expect(packet == EngineIOPacket(binary: [1, 2, 3]))
        #expect(throws: EngineIOProtocolError.invalidBase64) { try EngineIOPacket.decode(text: Array("b%%".utf8)) }
        let payload = try EngineIOPayload.decode(Array("4hi\u{1e}bAQID".utf8))
        #expect(payload == [EngineIOPacket(.message, text: "hi"), EngineIOPacket(binary: [1, 2, 3])])
    }

    @Test func numericEventNamesAreAcceptedUnderTheirStringForm() throws {
        var decoder = SocketIOPacketDecoder()
        let packet = try #require(try decoder.decode(text: Array(#"2[1,"x"]"#.utf8)))
        #expect(packet.eventNameAndArguments?.name == "1")
        #expect(packet.eventNameAndArguments?.arguments == ["x"])
        let double = try #require(try decoder.decode(text: Array("2[2.5]".utf8)))
        #expect(double.eventNameAndArguments?.name == "2.5")
    }

    @Test(arguments: [#"2["connect"]"#, "2[null]", "2[[1]]", "2[]"])
    func otherEventNamesAreStillRefused(text: String) {
        var decoder = SocketIOPacketDecoder()
        #expect(throws: SocketIOProtocolError.self) { try decoder.decode(text: Array(text.utf8)) }
    }
}
