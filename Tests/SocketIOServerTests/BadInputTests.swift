import HTTPTypes
import HummingbirdTesting
import Testing
import SocketIOClient
import SocketIOProtocol
import SocketIOServer

@Suite struct BadInputTests {
    static func echo(_ io: SocketIOServer) {
        io.of("/").on("echo") { _, args, ack in ack?.send(args) }
    }

    @Test(arguments: ["42{}", "4abc", #"42abc["echo"]"#, "9", "", #"451-["x",{"_placeholder":true,"num":9}]"#, "44{}"])
    func malformedPacketClosesOnlyItsConnection(raw: String) async throws {
        try await TestServer.run(configure: Self.echo) { server, _ in
            let offender = try await server.connect()
            let bystander = try await server.connect()
            offender.sendRaw(text: raw)
            if raw.hasPrefix("451-") {
                offender.sendRaw(binary: [1])  // the placeholder points past the one attachment
            }
            _ = try await offender.waitForDisconnect()
            #expect(try await bystander.emitWithAck("echo", ["still here"]) == ["still here"])
            await bystander.disconnect()
        }
    }

    @Test func oversizedWebSocketMessageClosesTheConnection() async throws {
        let engine = EngineIOConfiguration(maxPayload: 1000)
        try await TestServer.run(engine: engine, configure: Self.echo) { server, _ in
            let offender = try await server.connect()
            let bystander = try await server.connect()
            offender.emit("echo", [.string(String(repeating: "x", count: 5000))])
            _ = try await offender.waitForDisconnect()
            #expect(try await bystander.emitWithAck("echo", [1]) == [1])
            await bystander.disconnect()
        }
    }

    @Test func engineIOErrorsAnswerWithTheirCodes() async throws {
        try await TestServer.run(configure: Self.echo) { _, http in
            let cases: [(String, HTTPRequest.Method, String)] = [
                ("/socket.io/?EIO=4&transport=polling&sid=nope", .get, #"{"code":1,"#),
                ("/socket.io/?EIO=3&transport=polling", .get, #"{"code":5,"#),
                ("/socket.io/?EIO=4&transport=carrier-pigeon", .get, #"{"code":0,"#),
                ("/socket.io/?EIO=4&transport=polling", .post, #"{"code":2,"#),
                ("/socket.io/?EIO=4&transport=polling", .put, #"{"code":2,"#),
            ]
            for (uri, method, prefix) in cases {
                let response = try await http.execute(uri: uri, method: method, headers: [:], body: nil)
                #expect(response.status == .badRequest, "\(method) \(uri)")
                #expect(String(buffer: response.body).hasPrefix(prefix), "\(method) \(uri)")
            }
        }
    }

    @Test func oversizedPollingBodyIsRefusedAndEndsTheSession() async throws {
        let engine = EngineIOConfiguration(maxPayload: 1000)
        try await TestServer.run(engine: engine, configure: Self.echo) { _, http in
            let sid = try await PollingSession.open(http)
            let big = ByteBuffer(string: "4" + String(repeating: "x", count: 5000))
            let post = try await http.execute(uri: "/socket.io/?EIO=4&transport=polling&sid=\(sid)", method: .post, headers: [:], body: big)
            #expect(post.status == .contentTooLarge)
            let poll = try await http.execute(uri: "/socket.io/?EIO=4&transport=polling&sid=\(sid)", method: .get, headers: [:], body: nil)
            #expect(poll.status == .badRequest)
        }
    }

    @Test func pollingClientThatNeverPollsIsCutOffAtTheOutboundLimit() async throws {
        let engine = EngineIOConfiguration(maxOutboundBytes: 10_000)
        let disconnected = Observed<String>()
        try await TestServer.run(
            engine: engine,
            configure: { io in
                io.of("/").onConnection { socket in
                    for _ in 0..<20 { socket.emit("flood", [.string(String(repeating: "y", count: 1000))]) }
                }
                io.of("/").onDisconnect { _, reason in disconnected.record(reason) }
            }
        ) { _, http in
            let sid = try await PollingSession.open(http)
            let connect = try await http.execute(
                uri: "/socket.io/?EIO=4&transport=polling&sid=\(sid)", method: .post, headers: [:], body: ByteBuffer(string: "40"))
            #expect(connect.status == .ok)
            #expect(await disconnected.next() == EngineIOCloseReason.slowConsumer.rawValue)
        }
    }
}

import NIOCore

enum PollingSession {
    /// Opens a polling session over plain HTTP and returns its sid.
    static func open(_ http: any TestClientProtocol) async throws -> String {
        let response = try await http.execute(uri: "/socket.io/?EIO=4&transport=polling", method: .get, headers: [:], body: nil)
        let text = String(buffer: response.body)
        let open = try JSONParser.parse(String(text.dropFirst()))
        return try #require(open["sid"]?.stringValue)
    }
}
