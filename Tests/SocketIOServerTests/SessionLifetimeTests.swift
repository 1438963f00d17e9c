import NIOConcurrencyHelpers
import SocketIOClient
import SocketIOProtocol
import Testing

@testable import SocketIOServer

/// A closed session is freed: the WebSocket handler and the session hold each other while the
/// connection lives, and a server with many short connections must not keep them all.
@Suite struct SessionLifetimeTests {
    /// A weak reference, filled on a server loop and read by the test.
    final class WeakSession: Sendable {
        private let box = NIOLockedValueBox<Weak>(Weak())
        struct Weak { weak var session: EngineIOSession? }

        func set(_ session: EngineIOSession) { box.withLockedValue { $0.session = session } }
        var isSet: Bool { box.withLockedValue { $0.session != nil } }
    }

    @Test(arguments: [true, false])
    func aClosedWebSocketSessionIsFreed(clientCloses: Bool) async throws {
        let held = WeakSession()
        let reasons = Observed<String>()
        try await TestServer.run(configure: { io in
            io.of("/").onConnection { socket in held.set(socket.session) }
            io.of("/").on("hello") { _, _, ack in ack?.send([]) }
            io.of("/").on("kick-me") { socket, _, _ in socket.disconnect() }
            io.of("/").onDisconnect { _, reason in reasons.record(reason) }
        }) { server, _ in
            let client = try await server.connect()
            _ = try await client.emitWithAck("hello")  // a round trip: the connection handler ran
            #expect(held.isSet)
            if clientCloses {
                await client.disconnect()
            } else {
                client.emit("kick-me")
                _ = try await client.waitForDisconnect()
            }
            _ = await reasons.next()
            // Freed once the channel has gone and its handlers were removed, on the server's
            // loop: wait for that, bounded.
            let deadline = ContinuousClock.now + .seconds(5)
            while held.isSet && ContinuousClock.now < deadline { await Task.yield() }
            #expect(!held.isSet, "the closed session is still alive")
        }
    }
}
