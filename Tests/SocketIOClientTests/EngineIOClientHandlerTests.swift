import NIOCore
import NIOEmbedded
import NIOWebSocket
import SocketIOProtocol
import Testing

@testable import SocketIOClient

/// The client's protocol handling, driven frame by frame on an `EmbeddedChannel`: no server,
/// no sockets, virtual time for the heartbeat.
@Suite struct EngineIOClientHandlerTests {
    static let open = #"0{"sid":"E1","upgrades":[],"pingInterval":100,"pingTimeout":50,"maxPayload":1000}"#

    /// A session and handler on an embedded channel, as the connector would set them up.
    struct Harness {
        let channel = EmbeddedChannel()
        let session: ClientSession

        init(_ configuration: SocketIOClientConfiguration = .init(url: "http://127.0.0.1:1")) throws {
            session = ClientSession(configuration: configuration, eventLoop: channel.embeddedEventLoop)
            let handler = EngineIOClientHandler(session: session)
            try channel.pipeline.syncOperations.addHandler(handler)
            session.attach(channel: channel)
            session.attach(handler: handler)
            channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1), promise: nil)
        }

        func receive(_ text: String) throws {
            try channel.writeInbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
        }

        func receive(binary: [UInt8]) throws {
            try channel.writeInbound(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: binary)))
        }

        /// The next frame the client wrote; every one must be masked.
        func sent() throws -> WebSocketFrame? {
            guard let frame = try channel.readOutbound(as: WebSocketFrame.self) else { return nil }
            #expect(frame.maskKey != nil, "client frames must be masked")
            return frame
        }

        func sentText() throws -> String? {
            try sent().map { String(buffer: $0.data) }
        }

        /// Opens the Engine.IO session and answers the CONNECT.
        func connect() throws {
            try receive(EngineIOClientHandlerTests.open)
            _ = try sent()
            try receive(#"40{"sid":"S1"}"#)
        }

        var reason: SocketIODisconnectReason? { session.state.withLock { $0.isFinished ? $0.reason : nil } }

        /// The connect attempt's outcome so far (the embedded loop runs callbacks at once).
        var connectResult: Result<Void, any Error>? {
            var result: Result<Void, any Error>?
            session.connectPromise.futureResult.assumeIsolated().whenComplete { result = $0 }
            return result
        }

        func takeEvent(_ name: String? = nil) -> ReceivedEvent? {
            session.state.withLock { $0.inbox.take(named: name) }
        }
    }

    @Test func openPacketIsAnsweredWithConnectCarryingAuth() throws {
        let h = try Harness(.init(url: "http://127.0.0.1:1", namespace: "/admin", auth: .object(["token": "t"])))
        try h.receive(Self.open)
        #expect(try h.sentText() == #"40/admin,{"token":"t"}"#)
        #expect(h.session.state.withLock { $0.handshake?.pingInterval } == .milliseconds(100))
    }

    @Test func connectReplyCompletesTheConnectAttempt() throws {
        let h = try Harness()
        try h.connect()
        #expect(h.session.state.withLock { $0.sid } == "S1")
        #expect(throws: Never.self) { try #require(h.connectResult).get() }
    }

    @Test func connectErrorCarriesMessageAndData() throws {
        let h = try Harness()
        try h.receive(Self.open)
        _ = try h.sent()
        try h.receive(#"44{"message":"invalid token","data":{"code":"INVALID_TOKEN"}}"#)
        let expected = SocketIOClientError.connectError(message: "invalid token", data: .object(["code": "INVALID_TOKEN"]))
        #expect(throws: expected) { try #require(h.connectResult).get() }
        #expect(try h.sent()?.opcode == .connectionClose)
        try h.channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer(bytes: [0x03, 0xE8])))
        #expect(h.reason == .connectError(message: "invalid token", data: .object(["code": "INVALID_TOKEN"])))
    }

    @Test(arguments: [true, false]) func enginePingsAreAnsweredUnlessSilent(answers: Bool) throws {
        var configuration = SocketIOClientConfiguration(url: "http://127.0.0.1:1")
        configuration.respondsToPings = answers
        let h = try Harness(configuration)
        try h.connect()
        try h.receive("2")
        #expect(try h.sentText() == (answers ? "3" : nil))
    }

    @Test func missingPingsCloseTheConnection() throws {
        let h = try Harness()
        try h.connect()
        h.channel.embeddedEventLoop.advanceTime(by: .milliseconds(140))
        try h.receive("2")  // resets the 150 ms deadline
        _ = try h.sent()
        h.channel.embeddedEventLoop.advanceTime(by: .milliseconds(140))
        #expect(h.reason == nil)
        h.channel.embeddedEventLoop.advanceTime(by: .milliseconds(20))
        #expect(h.reason == .pingTimeout)
    }

    @Test func binaryEventCollectsItsAttachment() throws {
        let h = try Harness()
        try h.connect()
        try h.receive(#"451-["file",{"name":"a","data":{"_placeholder":true,"num":0}}]"#)
        #expect(h.takeEvent() == nil)
        try h.receive(binary: [1, 2, 3])
        let event = try #require(h.takeEvent("file"))
        #expect(event.args == [.object(["name": "a", "data": .binary([1, 2, 3])])])
    }

    @Test func serverEmitWithAckIsAnsweredById() throws {
        let h = try Harness()
        try h.connect()
        try h.receive(#"427["question",1]"#)
        let event = try #require(h.takeEvent())
        #expect(event.name == "question" && event.args == [1])
        try #require(event.ack).send(["ok", .binary([9])])
        #expect(try h.sentText() == #"461-7["ok",{"_placeholder":true,"num":0}]"#)
        #expect(try h.sent().map { Array($0.data.readableBytesView) } == [9])
    }

    @Test func eventsOfOtherNamespacesAreIgnored() throws {
        let h = try Harness()
        try h.connect()
        try h.receive(#"42/other,["x"]"#)
        try h.receive(#"42["y"]"#)
        #expect(h.takeEvent()?.name == "y")
        #expect(h.takeEvent() == nil)
    }

    @Test(arguments: [
        "4garbage", #"42["x",{]"#, "", "9", #"42{"not":"an array"}"#, "0{}", #"451-["b",{"_placeholder":true,"num":3}]"#,
    ])
    func malformedInputClosesWithProtocolError(text: String) throws {
        let h = try Harness()
        try h.connect()
        try h.receive(text)
        if text.hasPrefix("451-") { try h.receive(binary: [0]) }
        let close = try #require(try h.sent())
        #expect(close.opcode == .connectionClose)
        #expect(close.data.getInteger(at: close.data.readerIndex, as: UInt16.self) == 1002)
        guard case .protocolError = h.reason else {
            Issue.record("expected a protocol error, got \(String(describing: h.reason))")
            return
        }
    }

    @Test func binaryMessageWithoutHeaderIsAProtocolError() throws {
        let h = try Harness()
        try h.connect()
        try h.receive(binary: [1])
        guard case .protocolError = h.reason else {
            Issue.record("expected a protocol error, got \(String(describing: h.reason))")
            return
        }
    }

    @Test func serverCloseFrameIsAnsweredAndRecorded() throws {
        let h = try Harness()
        try h.connect()
        try h.channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer(bytes: [0x0F, 0xA0])))
        #expect(try h.sent()?.opcode == .connectionClose)
        #expect(h.reason == .webSocketClose(code: 4000))
    }

    @Test func webSocketPingIsAnsweredWithPong() throws {
        let h = try Harness()
        try h.connect()
        try h.channel.writeInbound(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "hi")))
        let pong = try #require(try h.sent())
        #expect(pong.opcode == .pong && String(buffer: pong.data) == "hi")
    }

    @Test func serverDisconnectClosesAfterTheClosingHandshake() throws {
        let h = try Harness()
        try h.connect()
        try h.receive("41")
        #expect(try h.sent()?.opcode == .connectionClose)
        #expect(h.reason == nil)  // waiting for the server's close frame
        h.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(h.reason == .serverDisconnect)
    }

    @Test func engineClosePacketClosesTheConnection() throws {
        let h = try Harness()
        try h.connect()
        try h.receive("1")
        #expect(h.reason == .engineClose)
    }
}
