import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import SocketIOServer

/// The HTTP limits against a real listening server, over raw sockets: each refused request gets
/// its status and the connection is then closed by the server.
@Suite struct HTTPLimitsTests {
    static func exchange(_ request: [UInt8], limits: HTTPLimits = .init()) async throws -> RawConnection.Outcome {
        let outcome = NIOLockedValueBox<RawConnection.Outcome?>(nil)
        try await TestServer.run(limits: limits, configure: { _ in }) { server, _ in
            let connection = try await RawConnection.open(port: server.port)
            await connection.send(request)
            let ended = try await connection.waitForClose()
            outcome.withLockedValue { $0 = ended }
        }
        return try #require(outcome.withLockedValue { $0 })
    }

    @Test(arguments: [
        ("garbage request line", "HELLO WORLD\r\n\r\n"),
        ("header without a colon", "GET /x HTTP/1.1\r\nHost: a\r\nNoColonHere\r\n\r\n"),
        ("HTTP/0.9", "GET /x\r\n\r\n"),
        (
            "both Transfer-Encoding and Content-Length",
            "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"
        ),
    ])
    func malformedRequestIs400ThenClosed(name: String, request: String) async throws {
        let outcome = try await Self.exchange(Array(request.utf8))
        #expect(outcome.status == 400, "\(name): \(outcome.text)")
        #expect(outcome.text.contains(#""code":"BAD_REQUEST""#), "\(name)")
        #expect(outcome.error == nil, "\(name): closed cleanly, not reset")
    }

    @Test func oversizedURIIs414() async throws {
        let limits = HTTPLimits(maxURIBytes: 1000)
        let outcome = try await Self.exchange(Array("GET /\(String(repeating: "a", count: 5000)) HTTP/1.1\r\nHost: a\r\n\r\n".utf8), limits: limits)
        #expect(outcome.status == 414, "\(outcome.text)")
        #expect(outcome.text.contains(#""code":"URI_TOO_LONG""#))
    }

    @Test func uriJustUnderTheLimitIsServed() async throws {
        let limits = HTTPLimits(maxURIBytes: 1000)
        let uri = "/" + String(repeating: "a", count: 999)
        let outcome = try await Self.exchange(Array("GET \(uri) HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".utf8), limits: limits)
        #expect(outcome.status == 404, "the router's answer, not a refusal: \(outcome.text)")
    }

    @Test func oversizedHeaderIs431() async throws {
        let limits = HTTPLimits(maxHeaderBytes: 4096)
        let outcome = try await Self.exchange(
            Array("GET /x HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "b", count: 20_000))\r\n\r\n".utf8), limits: limits)
        #expect(outcome.status == 431, "\(outcome.text)")
        #expect(outcome.text.contains(#""code":"HEADERS_TOO_LARGE""#))
    }

    @Test func tooManyHeadersIs431() async throws {
        let limits = HTTPLimits(maxHeaderCount: 50)
        let headers = (0..<2000).map { "X-H\($0): v\r\n" }.joined()
        let outcome = try await Self.exchange(Array("GET /x HTTP/1.1\r\nHost: a\r\n\(headers)\r\n".utf8), limits: limits)
        #expect(outcome.status == 431, "\(outcome.text)")
    }

    @Test func tooLargeContentLengthIsRefusedBeforeTheBody() async throws {
        // Only the head is sent: the answer cannot have waited for the 10 MB.
        let outcome = try await Self.exchange(Array("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n".utf8))
        #expect(outcome.status == 413, "\(outcome.text)")
        #expect(outcome.text.contains(#""code":"PAYLOAD_TOO_LARGE""#))
    }

    @Test func refusedRequestStillBeingSentGetsItsAnswerNotAReset() async throws {
        let limits = HTTPLimits(maxBodyBytes: 1000)
        try await TestServer.run(limits: limits, configure: { _ in }) { server, _ in
            let connection = try await RawConnection.open(port: server.port)
            await connection.send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3000000\r\n\r\n")
            await connection.send([UInt8](repeating: 0x61, count: 3_000_000))
            let outcome = try await connection.waitForClose()
            #expect(outcome.status == 413)
            #expect(outcome.error == nil, "the server drained and closed instead of resetting: \(String(describing: outcome.error))")
        }
    }

    @Test func connectionsPerAddressAreCapped() async throws {
        let limits = HTTPLimits(maxConnectionsPerAddress: 2)
        try await TestServer.run(limits: limits, configure: { _ in }) { server, _ in
            let first = try await RawConnection.open(port: server.port)
            let second = try await RawConnection.open(port: server.port)
            // Both are counted once the server has answered on them.
            for connection in [first, second] {
                await connection.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
            }
            let third = try await RawConnection.open(port: server.port)
            let refused = try await third.waitForClose()
            #expect(refused.bytes.isEmpty)
            await first.close()
            _ = try await first.waitForClose()
            // The slot is free again once the server saw the close; retry until it has.
            var served: RawConnection.Outcome?
            for _ in 0..<50 where served?.status == nil {
                let next = try await RawConnection.open(port: server.port)
                await next.send("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                served = try await next.waitForClose()
            }
            #expect(served?.status == 404)
            await second.close()
        }
    }

    @Test func handshakesPerAddressAreLimited() async throws {
        var engine = EngineIOConfiguration()
        engine.maxHandshakesPerAddressPerSecond = 1
        try await TestServer.run(engine: engine, configure: { _ in }) { _, http in
            var statuses: [Int] = []
            for _ in 0..<3 {
                let response = try await http.execute(uri: "/socket.io/?EIO=4&transport=polling", method: .get, headers: [:], body: nil)
                statuses.append(Int(response.status.code))
                if response.status.code == 429 {
                    #expect(String(buffer: response.body).contains("Too many handshakes"))
                }
            }
            #expect(statuses.first == 200)
            #expect(statuses.contains(429), "\(statuses)")
        }
    }

    @Test func handshakeBucketsRefillWithTime() {
        let buckets = KeyedRateBuckets(perSecond: 2)
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        #expect(buckets.attempt("a", now: start))
        #expect(buckets.attempt("a", now: start))
        #expect(!buckets.attempt("a", now: start))
        #expect(buckets.attempt("b", now: start), "another address has its own budget")
        #expect(!buckets.attempt("a", now: start + .milliseconds(400)))
        #expect(buckets.attempt("a", now: start + .milliseconds(900)))
        #expect(KeyedRateBuckets(perSecond: 0).attempt("a", now: start), "0: no limit")
    }

    @Test func oversizedWebSocketFrameGetsClose1009NotAReset() async throws {
        let engine = EngineIOConfiguration(maxPayload: 1000)
        try await TestServer.run(engine: engine, configure: { _ in }) { server, _ in
            let connection = try await RawConnection.open(port: server.port)
            await connection.send(
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            // One masked text frame of 2 MB (mask 0: the payload goes as it is).
            let length = 2_000_000
            var frame: [UInt8] = [0x81, 0x80 | 127]
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((length >> shift) & 0xFF)) }
            frame += [0, 0, 0, 0]
            frame += [UInt8(ascii: "4")] + [UInt8](repeating: 0x78, count: length - 1)
            await connection.send(frame)
            let outcome = try await connection.waitForClose()
            #expect(outcome.text.hasPrefix("HTTP/1.1 101"))
            let close: [UInt8] = [0x88, 0x02, 0x03, 0xF1]
            #expect(outcome.bytes.suffix(4) == close[...], "ends with a close frame, status 1009")
            #expect(outcome.error == nil, "closed cleanly, not reset: \(String(describing: outcome.error))")
        }
    }

    /// A client that sends its first frames in the same write as the upgrade request: NIO's
    /// decoder hands them on as raw bytes while the upgrade completes (this once stopped the
    /// process: the request guard took them for HTTP parts).
    @Test func framesSentWithTheUpgradeRequestAreTheWebSocketsFirst() async throws {
        try await TestServer.run(configure: { _ in }) { server, _ in
            let connection = try await RawConnection.open(port: server.port)
            let request =
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            // Masked (mask 0) text frame "40" (Socket.IO CONNECT), then a close frame.
            let connect: [UInt8] = [0x81, 0x82, 0, 0, 0, 0, UInt8(ascii: "4"), UInt8(ascii: "0")]
            let close: [UInt8] = [0x88, 0x80, 0, 0, 0, 0]
            await connection.send(Array(request.utf8) + connect + close)
            let outcome = try await connection.waitForClose()
            #expect(outcome.text.hasPrefix("HTTP/1.1 101"))
            #expect(outcome.text.contains(#"40{"sid":"#), "the CONNECT in the upgrade's write was answered: \(outcome.text)")
        }
    }
}

/// The timeouts, on an embedded channel whose clock the test moves.
@Suite struct HTTPTimeoutTests {
    /// NIO's decoder and encoder between the guard's two sides, as the server arranges them.
    static func channel(_ limits: HTTPLimits) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let requestGuard = HTTPRequestGuard(limits: limits)
        let pipeline = channel.pipeline.syncOperations
        try requestGuard.addRawSide(to: pipeline)
        try pipeline.addHandler(HTTPResponseEncoder())
        let decoder = ByteToMessageHandler(HTTPRequestDecoder())
        try pipeline.addHandler(decoder)
        let end = Responder()
        try pipeline.addHandler(end)
        try requestGuard.addPartSide(to: pipeline, before: end)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    /// Answers every complete request with 204 (stands in for the application).
    final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .noContent))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    static func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    @Test func partialHeadGets408WhenTheHeadTimeoutPasses() throws {
        let channel = try Self.channel(HTTPLimits(headTimeout: .seconds(10)))
        try channel.writeInbound(ByteBuffer(string: "GET /x HTTP/1.1\r\nHost: a\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(try Self.written(channel).isEmpty)
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try Self.written(channel).hasPrefix("HTTP/1.1 408 Request Timeout"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(!channel.isActive)
    }

    @Test func silentConnectionIsClosedWithoutAnAnswer() throws {
        let channel = try Self.channel(HTTPLimits(headTimeout: .seconds(10)))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(try Self.written(channel).isEmpty)
        #expect(!channel.isActive)
    }

    @Test func bodyShorterThanItsContentLengthGets408() throws {
        let channel = try Self.channel(HTTPLimits(bodyTimeout: .seconds(30)))
        try channel.writeInbound(ByteBuffer(string: "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n{\"na"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try Self.written(channel).hasPrefix("HTTP/1.1 408"))
    }

    @Test func idleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws {
        let channel = try Self.channel(HTTPLimits(headTimeout: .seconds(10), idleTimeout: .seconds(60)))
        try channel.writeInbound(ByteBuffer(string: "GET /x HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(try Self.written(channel).hasPrefix("HTTP/1.1 204"))
        // Longer than the head timeout, shorter than the idle one: still open.
        channel.embeddedEventLoop.advanceTime(by: .seconds(59))
        #expect(channel.isActive)
        try channel.writeInbound(ByteBuffer(string: "GET /y HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(try Self.written(channel).hasPrefix("HTTP/1.1 204"), "the kept-alive connection serves the next request")
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(try Self.written(channel).isEmpty)
        #expect(!channel.isActive)
    }

    @Test func slowRequestAfterAnIdlePauseGetsTheHeadTimeoutFromItsFirstByte() throws {
        let channel = try Self.channel(HTTPLimits(headTimeout: .seconds(10), idleTimeout: .seconds(60)))
        try channel.writeInbound(ByteBuffer(string: "GET /x HTTP/1.1\r\nHost: a\r\n\r\n"))
        _ = try Self.written(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        try channel.writeInbound(ByteBuffer(string: "GET /y HTT"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(try Self.written(channel).hasPrefix("HTTP/1.1 408"))
    }
}
