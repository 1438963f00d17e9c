import Testing
@testable import SocketIOProtocol

@Suite struct EngineIOCodecTests {
    @Test(arguments: EngineIOPacketType.allCases)
    func everyPacketTypeRoundTrips(type: EngineIOPacketType) throws {
        let packet = EngineIOPacket(type, text: type == .message ? "hello" : "")
        var text: [UInt8] = []
        packet.webSocketText(into: &text)
        #expect(try EngineIOPacket.decode(text: text) == packet)
    }

    @Test func pollingPayloadJoinsWithRecordSeparatorAndBase64() throws {
        let packets = [EngineIOPacket(.message, text: "hello"), EngineIOPacket(binary: [1, 2, 3, 4])]
        let body = EngineIOPayload.encode(packets)
        #expect(String(decoding: body, as: UTF8.self) == "4hello\u{1e}bAQIDBA==")
        #expect(try EngineIOPayload.decode(body) == packets)
    }

    @Test func pollingPayloadWithSeveralTextPackets() throws {
        let decoded = try EngineIOPayload.decode(Array("4test1\u{1e}4test2\u{1e}4test3".utf8))
        #expect(decoded.map(\.text) == ["test1", "test2", "test3"])
    }

    @Test(arguments: ["abc", "", "4a\u{1e}", "9x", "b!!!"])
    func malformedPollingPayloadsAreRejected(body: String) {
        #expect(throws: EngineIOProtocolError.self) { try EngineIOPayload.decode(Array(body.utf8)) }
    }

    @Test func tooManyPacketsInOnePayloadAreRejected() {
        let body = Array(repeating: "6", count: 20).joined(separator: "\u{1e}")
        #expect(throws: EngineIOProtocolError.payloadTooLarge(limit: 10)) {
            try EngineIOPayload.decode(Array(body.utf8), maxPackets: 10)
        }
    }
}
