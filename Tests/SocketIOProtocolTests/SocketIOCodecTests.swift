import Testing
@testable import SocketIOProtocol

@Suite struct SocketIOCodecTests {
    func decodeOne(_ text: String) throws -> SocketIOPacket? {
        var decoder = SocketIOPacketDecoder()
        return try decoder.decode(text: Array(text.utf8))
    }

    func encoded(_ packet: SocketIOPacket) -> String {
        String(decoding: packet.encode().text, as: UTF8.self)
    }

    @Test(arguments: [
        "0", "0/custom,", #"0{"token":"123"}"#, #"0/admin,{"token":"abc"}"#, "1", "1/admin,",
        #"2["hello",1]"#, #"2/admin,456["project:delete",123]"#, #"3/admin,456[]"#, #"4{"message":"Not authorized"}"#,
        #"4/random,{"message":"Invalid namespace"}"#, #"2["message",1,"2",{"3":[true]}]"#, #"312["ok"]"#,
    ])
    func textPacketsRoundTrip(text: String) throws {
        let packet = try #require(try decodeOne(text))
        #expect(encoded(packet) == text)
    }

    @Test func namespaceWithoutCommaIsRead() throws {
        let packet = try #require(try decodeOne("0/random"))
        #expect(packet.namespace == "/random")
        #expect(packet.data == nil)
    }

    @Test func binaryEventRoundTripsWithPlaceholders() throws {
        let packet = SocketIOPacket.event("upload", [.binary([1, 2, 3]), .object(["nested": .binary([4, 5, 6])])], ackId: 7)
        let wire = packet.encode()
        #expect(
            String(decoding: wire.text, as: UTF8.self)
                == #"52-7["upload",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}}]"#)
        #expect(wire.attachments == [[1, 2, 3], [4, 5, 6]])

        var decoder = SocketIOPacketDecoder()
        #expect(try decoder.decode(text: wire.text) == nil)
        #expect(decoder.isAwaitingAttachments)
        #expect(try decoder.decode(binary: wire.attachments[0]) == nil)
        let complete = try #require(try decoder.decode(binary: wire.attachments[1]))
        #expect(complete.type == .binaryEvent)
        #expect(complete.ackId == 7)
        #expect(complete.eventNameAndArguments?.arguments == packet.eventNameAndArguments?.arguments)
    }

    @Test func binaryAckRoundTrips() throws {
        let packet = SocketIOPacket.ack(789, [.binary([9])], namespace: "/custom")
        let wire = packet.encode()
        #expect(String(decoding: wire.text, as: UTF8.self) == #"61-/custom,789[{"_placeholder":true,"num":0}]"#)
        var decoder = SocketIOPacketDecoder()
        _ = try decoder.decode(text: wire.text)
        let complete = try #require(try decoder.decode(binary: [9]))
        #expect(complete == SocketIOPacket(.binaryAck, namespace: "/custom", ackId: 789, data: [.binary([9])]))
    }

    @Test func placeholdersInEitherKeyOrderAreAccepted() throws {
        var decoder = SocketIOPacketDecoder()
        _ = try decoder.decode(text: Array(#"51-["x",{"num":0,"_placeholder":true}]"#.utf8))
        let packet = try #require(try decoder.decode(binary: [42]))
        #expect(packet.eventNameAndArguments?.arguments == [.binary([42])])
    }

    @Test(arguments: [
        ("", SocketIOProtocolError.empty),
        ("abc", .unknownPacketType(UInt8(ascii: "a"))),
        ("9", .unknownPacketType(UInt8(ascii: "9"))),
        ("2{}", .invalidPayload(.event)),
        ("2[]", .invalidPayload(.event)),
        ("2[null]", .invalidPayload(.event)),
        ("2[{}]", .invalidPayload(.event)),
        (#"2["connect"]"#, .invalidPayload(.event)),
        ("0[]", .invalidPayload(.connect)),
        ("1{}", .invalidPayload(.disconnect)),
        ("3{}", .invalidPayload(.ack)),
        ("4", .invalidPayload(.connectError)),
        ("5[", .illegalAttachments),
        ("5x-[]", .illegalAttachments),
        ("51234567-[]", .illegalAttachments),
        ("5999-[\"a\"]", .tooManyAttachments(limit: 64)),
        ("21234567890123456[\"a\"]", .invalidAckId),
    ])
    func malformedPacketsAreRejectedWithTypedErrors(text: String, expected: SocketIOProtocolError) {
        #expect(throws: expected) { try decodeOne(text) }
    }

    @Test func invalidJSONAfterAckIdIsRejected() {
        #expect {
            try decodeOne(#"2abc["message-with-ack",1]"#)
        } throws: { error in
            if case .invalidJSON = error as? SocketIOProtocolError { return true }
            return false
        }
    }

    @Test func placeholderOutOfRangeIsRejected() throws {
        var decoder = SocketIOPacketDecoder()
        _ = try decoder.decode(text: Array(#"51-["x",{"_placeholder":true,"num":3}]"#.utf8))
        #expect(throws: SocketIOProtocolError.illegalAttachments) { try decoder.decode(binary: [1]) }
    }

    @Test func unexpectedBinaryAndTextDuringAttachmentsAreRejected() throws {
        var decoder = SocketIOPacketDecoder()
        #expect(throws: SocketIOProtocolError.unexpectedBinary) { try decoder.decode(binary: [1]) }
        _ = try decoder.decode(text: Array(#"52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#.utf8))
        #expect(throws: SocketIOProtocolError.illegalAttachments) { try decoder.decode(text: Array("2[\"y\"]".utf8)) }
    }
}
