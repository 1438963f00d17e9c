import Testing
import SocketIOClient
import SocketIOProtocol
import SocketIOServer

@Suite struct ConnectionTests {
    @Test func connectsWithAuthAndGetsTheConnectionHandlersEmit() async throws {
        try await TestServer.run(configure: { io in
            io.of("/").onConnection { socket in socket.emit("welcome", [socket.handshake.auth, .string(socket.id)]) }
        }) { server, _ in
            let client = try await server.connect(auth: .object(["token": "t-1"]))
            let welcome = try await client.next("welcome")
            #expect(welcome.args.first == .object(["token": "t-1"]))
            #expect(welcome.args.last == .string(client.sid))
            #expect(client.sid != client.engineSid)
            await client.disconnect()
        }
    }

    @Test func middlewareRejectionReachesTheClientWithMessageAndData() async throws {
        try await TestServer.run(configure: { io in
            io.of("/").use { handshake in
                handshake.auth["token"] == .string("good")
                    ? .accept(data: "agent-7") : .reject(message: "invalid key", data: .object(["code": "INVALID_API_KEY"]))
            }
            io.of("/").on("who") { socket, _, ack in ack?.send([.string(socket.data as? String ?? "?")]) }
        }) { server, _ in
            await #expect(throws: SocketIOClientError.connectError(message: "invalid key", data: .object(["code": "INVALID_API_KEY"]))) {
                _ = try await server.connect(auth: .object(["token": "bad"]))
            }
            let accepted = try await server.connect(auth: .object(["token": "good"]))
            #expect(try await accepted.emitWithAck("who") == [.string("agent-7")])
            await accepted.disconnect()
        }
    }

    @Test func unknownNamespaceIsRefused() async throws {
        try await TestServer.run(configure: { _ in }) { server, _ in
            await #expect(throws: SocketIOClientError.connectError(message: "Invalid namespace", data: nil)) {
                _ = try await server.connect(namespace: "/nowhere")
            }
        }
    }

    @Test func clientDisconnectRunsTheServersDisconnectHandler() async throws {
        let reasons = Observed<String>()
        try await TestServer.run(configure: { io in
            io.of("/").onDisconnect { _, reason in reasons.record(reason) }
        }) { server, _ in
            let client = try await server.connect()
            await client.disconnect()
            #expect(await reasons.next() == "client namespace disconnect")
        }
    }

    @Test func serverDisconnectReachesTheClient() async throws {
        let reasons = Observed<String>()
        try await TestServer.run(configure: { io in
            io.of("/").on("kick-me") { socket, _, _ in socket.disconnect() }
            io.of("/").onDisconnect { _, reason in reasons.record(reason) }
        }) { server, _ in
            let client = try await server.connect()
            client.emit("kick-me")
            #expect(try await client.waitForDisconnect() == .serverDisconnect)
            #expect(await reasons.next() == "server namespace disconnect")
        }
    }

    @Test func silentClientIsClosedByTheHeartbeat() async throws {
        let reasons = Observed<String>()
        // Long enough for the silent client to finish connecting on a loaded machine before its
        // first unanswered ping (interval + timeout) closes it.
        let engine = EngineIOConfiguration(pingInterval: .milliseconds(400), pingTimeout: .milliseconds(400))
        try await TestServer.run(
            engine: engine,
            configure: { io in
                io.of("/").onDisconnect { _, reason in reasons.record(reason) }
            }
        ) { server, _ in
            let silent = try await server.connect(respondsToPings: false)
            let lively = try await server.connect()
            #expect(await reasons.next() == "ping timeout")
            _ = try await silent.waitForDisconnect()
            // The client that answers pings outlives several heartbeats.
            #expect(lively.disconnectReason == nil)
            await lively.disconnect()
        }
    }
}
