import MessagePack
import NIOCore
import SocketIOProtocol
import SocketIOServer
import Testing

@testable import RedisAdapter

@Suite struct NodeAdapterWireTests {
    /// `new Emitter(redis).to("battle:btl_1").emit("turn", {seq: 7})`, byte for byte as the
    /// official emitter publishes it (on `socket.io#/#battle:btl_1#`).
    static let emitterGolden: [UInt8] =
        [0x93, 0xa7] + Array("emitter".utf8) + [0x83, 0xa4] + Array("type".utf8) + [0x02, 0xa4] + Array("data".utf8) + [0x92, 0xa4]
        + Array("turn".utf8) + [0x81, 0xa3] + Array("seq".utf8) + [0x07, 0xa3] + Array("nsp".utf8) + [0xa1] + Array("/".utf8)
        + [0x83, 0xa5] + Array("rooms".utf8) + [0x91, 0xac] + Array("battle:btl_1".utf8) + [0xa5] + Array("flags".utf8) + [0x80, 0xa6]
        + Array("except".utf8) + [0x90]

    @Test func theOfficialEmittersMessageIsRead() throws {
        let message = try #require(NodeAdapterWire.Broadcast.decode(Self.emitterGolden))
        #expect(message == .init(uid: "emitter", event: "turn", arguments: [["seq": 7]], rooms: ["battle:btl_1"]))
        #expect(message.channel == "socket.io#/#battle:btl_1#")
    }

    @Test func aBroadcastIsWrittenAsTheNodeAdapterWritesIt() throws {
        let message = NodeAdapterWire.Broadcast(
            uid: "srv_1", event: "battle:turn", arguments: [["seq": 3, "score": 0.5]], rooms: ["battle:b"], except: ["x"])
        let decoded = try MessagePackReader.decode(message.encode())
        #expect(decoded.arrayValue?[0] == .string("srv_1"))
        #expect(
            decoded.arrayValue?[1]
                == .map([
                    (.string("type"), .int(2)),
                    (.string("data"), .array([.string("battle:turn"), .map([(.string("seq"), .int(3)), (.string("score"), .double(0.5))])])),
                    (.string("nsp"), .string("/")),
                ]))
        #expect(decoded.arrayValue?[2]["rooms"] == .array([.string("battle:b")]))
        #expect(decoded.arrayValue?[2]["except"] == .array([.string("x")]))
        #expect(NodeAdapterWire.Broadcast.decode(message.encode()) == message)
        #expect(NodeAdapterWire.Broadcast(uid: "u", event: "e", arguments: [], rooms: ["a", "b"]).channel == "socket.io#/#")
    }

    @Test func whatIsNotABroadcastIsIgnored() {
        #expect(NodeAdapterWire.Broadcast.decode([0xc1]) == nil)
        #expect(NodeAdapterWire.Broadcast.decode(MessagePackWriter.encode(.array([.string("u"), .map([(.string("type"), .int(3))])]))) == nil)
    }

    @Test func theClusterMessageIsReadBackFromTheFramesEncodedForLocalSockets() throws {
        let frames = OutboundFrame.frames(for: .event("battle:turn", [["seq": 9, "content": "hi"]]))
        let message = try #require(
            RedisAdapter.message(
                from: frames, target: BroadcastTarget(rooms: ["battle:b"], exceptSocketIds: ["sock1"]), uid: "srv_1", namespace: "/"))
        #expect(
            message == .init(uid: "srv_1", event: "battle:turn", arguments: [["seq": 9, "content": "hi"]], rooms: ["battle:b"], except: ["sock1"]))
    }

    @Test func redisAddressesAreParsed() throws {
        #expect(try RedisLink.address("redis://127.0.0.1:6380") == ("127.0.0.1", 6380))
        #expect(try RedisLink.address("redis://localhost") == ("localhost", 6379))
        #expect(throws: RedisError.self) { try RedisLink.address("http://x") }
        #expect(throws: RedisError.self) { try RedisLink.address("redis://h:99999") }
    }

    @Test func commandsAreFormattedAndRepliesReadByHiredis() throws {
        #expect(RESPCommand.format([Array("SET".utf8), Array("k".utf8), []]) == Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n".utf8))
        let reader = RESPReader()
        let bytes = Array("+OK\r\n:42\r\n$-1\r\n*2\r\n$3\r\nfoo\r\n-ERR bad\r\n$5\r\nhel".utf8)
        try bytes.withUnsafeBytes { try reader.feed($0) }
        #expect(try reader.next() == .simpleString("OK"))
        #expect(try reader.next() == .integer(42))
        #expect(try reader.next() == .bulk(nil))
        #expect(try reader.next() == .array([.bulk(Array("foo".utf8)), .error("ERR bad")]))
        #expect(try reader.next() == nil, "an incomplete reply waits for more bytes")
        try Array("lo\r\n".utf8).withUnsafeBytes { try reader.feed($0) }
        #expect(try reader.next() == .bulk(Array("hello".utf8)))
        let broken = RESPReader()
        try Array("?what\r\n".utf8).withUnsafeBytes { try broken.feed($0) }
        #expect(throws: RESPReader.ProtocolError.self) { try broken.next() }
    }
}

@Suite struct RedisAdapterRelayTests {
    @Test func aLocalOnlyBroadcastIsNotRelayed() async throws {
        // No Redis behind the link: a relayed broadcast would be a failed PUBLISH, a local one
        // none at all; the link counts what it was asked to publish.
        let link = RedisLink(host: "127.0.0.1", port: 1, group: NIOSingletons.posixEventLoopGroup, logger: .init(label: "test"))
        let adapter = RedisAdapter(
            namespace: "/", uid: "srv", link: link, eventLoopGroup: NIOSingletons.posixEventLoopGroup, logger: .init(label: "test"))
        let frames = OutboundFrame.frames(for: .event("server:shutdown", [["reconnectAfterMs": 1000]]))
        adapter.broadcast(frames, to: BroadcastTarget(localOnly: true))
        #expect(link.publishedCount == 0)
        adapter.broadcast(frames, to: BroadcastTarget(rooms: ["battle:b"]))
        #expect(link.publishedCount == 1)
    }
}
