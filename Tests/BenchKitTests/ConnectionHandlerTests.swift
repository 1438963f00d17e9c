@testable import BenchKit
import NIOCore
import NIOEmbedded
import Testing

/// The connection handler through its phases, on an embedded channel: upgrade, Engine.IO open,
/// CONNECT, and joins sent in a window.
@Suite struct ConnectionHandlerTests {
    /// An unmasked server text frame.
    func serverText(_ text: String) -> ByteBuffer {
        let payload = Array(text.utf8)
        precondition(payload.count < 126)
        return ByteBuffer(bytes: [0x81, UInt8(payload.count)] + payload)
    }

    /// The Socket.IO texts the client wrote since the last call, unmasked.
    func written(_ channel: EmbeddedChannel) throws -> [String] {
        var texts: [String] = []
        while var frame = try channel.readOutbound(as: ByteBuffer.self) {
            guard frame.getInteger(at: frame.readerIndex, as: UInt8.self) == 0x81 else { continue }  // the upgrade request
            _ = frame.readInteger(as: UInt8.self)
            let length = Int(frame.readInteger(as: UInt8.self)! & 0x7F)
            let key = frame.readBytes(length: 4)!
            let masked = frame.readBytes(length: length)!
            texts.append(String(decoding: masked.enumerated().map { $0.element ^ key[$0.offset & 3] }, as: UTF8.self))
        }
        return texts
    }

    @Test func aSpectatorOfManyBattlesJoinsThemInAWindowAndIsReadyAfterTheLastAck() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        let ready = ReadySignal(loop.makePromise())
        let battles = (0..<40).map { "btl_\($0)" }
        let handler = BenchConnectionHandler(
            upgradeRequest: ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"), connect: ClientFrame.connect(token: "k"),
            joins: battles.enumerated().map { ClientFrame.join(battleId: $0.element, ackId: $0.offset) },
            role: .spectator, stats: LoopStats(), ready: ready
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3000)).wait()

        try channel.writeInbound(ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\n\r\n"))
        try channel.writeInbound(serverText(#"0{"sid":"s","pingInterval":25000}"#))
        #expect(try written(channel) == [#"40{"token":"k"}"#])
        try channel.writeInbound(serverText(#"40{"sid":"x"}"#))
        let first = try written(channel)
        #expect(first.count == BenchConnectionHandler.joinWindow)
        #expect(first.first == #"420["battle:join",{"battleId":"btl_0"}]"#)

        for ack in 0..<battles.count {
            #expect(!ready.isDone)
            try channel.writeInbound(serverText(#"43\#(ack)[{"ok":true}]"#))
            let next = try written(channel)
            let expected = ack + BenchConnectionHandler.joinWindow
            #expect(next == (expected < battles.count ? [#"42\#(expected)["battle:join",{"battleId":"btl_\#(expected)"}]"#] : []))
        }
        #expect(ready.isDone)
        try ready.futureResult.wait()
    }

    @Test func aRefusedJoinFailsTheConnection() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        let ready = ReadySignal(loop.makePromise())
        let handler = BenchConnectionHandler(
            upgradeRequest: ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"), joins: [ClientFrame.join(battleId: "btl_1")],
            role: .spectator, stats: LoopStats(), ready: ready
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3000)).wait()
        try channel.writeInbound(ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\n\r\n"))
        try channel.writeInbound(serverText(#"0{"sid":"s"}"#))
        try channel.writeInbound(serverText(#"40{"sid":"x"}"#))
        try channel.writeInbound(serverText(#"430[{"ok":false,"error":{"code":"RATE_LIMITED"}}]"#))
        #expect(throws: BenchError.self) { try ready.futureResult.wait() }
    }
}
