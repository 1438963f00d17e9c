import Foundation
import HTTPTypes
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing
@testable import ConnectionPlugin

@Suite struct HandshakeTests {
    static let catalog = PluginCatalog([ConnectionPlugin.self])

    func arena(_ conf: String = "[connection]\n") async throws -> (ArenaTestHarness, AgentStore) {
        let arena = try await ArenaTestHarness.start(pluginsConf: conf, catalog: Self.catalog)
        return (arena, AgentStore(database: arena.database, clock: arena.clock))
    }

    @Test func agentWithAValidKeyIsGreetedAsAnAgent() async throws {
        let (arena, store) = try await arena()
        let agent = try store.create(name: "Ada")
        let client = try await arena.connect(auth: ["token": .string(agent.apiKey)])
        let connected = try await client.expect("connected")
        #expect(connected["role"] == "agent")
        #expect(connected["agent"] == .object(["id": .string(agent.id), "name": "Ada"]))
        #expect(connected["socketId"] == .string(client.socketId))
        #expect(connected["serverTime"] == .string(ArenaJSON.formatDate(ArenaTestHarness.startDate)))
    }

    @Test func bearerHeaderWorksLikeTheAuthPayload() async throws {
        let (arena, store) = try await arena()
        let agent = try store.create(name: "Grace")
        let client = try await arena.connect(headers: [.authorization: "Bearer \(agent.apiKey)"])
        #expect(try await client.expect("connected")["role"] == "agent")
    }

    @Test func anEmptyBearerIsRefusedLikeAnEmptyToken() async throws {
        let (arena, _) = try await arena()
        for header in ["Bearer ", "Bearer    ", "bearer"] {
            await #expect(throws: TestConnectionError.rejected(code: "INVALID_API_KEY", message: "invalid API key")) {
                _ = try await arena.connect(headers: [.authorization: header == "bearer" ? "bearer " : header])
            }
        }
    }

    @Test func badKeyIsRefusedWithInvalidApiKey() async throws {
        let (arena, _) = try await arena()
        await #expect(throws: TestConnectionError.rejected(code: "INVALID_API_KEY", message: "invalid API key")) {
            _ = try await arena.connect(auth: ["token": .string(ApiKey.generate())])
        }
        await #expect(throws: TestConnectionError.rejected(code: "INVALID_API_KEY", message: "invalid API key")) {
            _ = try await arena.connect(auth: ["token": "not-even-a-key"])
        }
        for malformed: JSONValue in [123, "", ["nested": "x"], true] {
            await #expect(throws: TestConnectionError.rejected(code: "INVALID_API_KEY", message: "invalid API key")) {
                _ = try await arena.connect(auth: ["token": malformed])
            }
        }
    }

    @Test func inactiveAgentIsRefusedWithAgentInactive() async throws {
        let (arena, store) = try await arena()
        let agent = try store.create(name: "Linus")
        _ = try store.deactivate(id: agent.id)
        await #expect {
            _ = try await arena.connect(auth: ["token": .string(agent.apiKey)])
        } throws: { error in
            guard case .rejected(let code, _) = error as? TestConnectionError else { return false }
            return code == "AGENT_INACTIVE"
        }
    }

    @Test func clientWithoutKeyIsAnAnonymousSpectator() async throws {
        let (arena, _) = try await arena()
        let client = try await arena.connect()
        let connected = try await client.expect("connected")
        #expect(connected["role"] == "spectator")
        #expect(connected["agent"] == .null)
    }

    @Test func anonymousSpectatorsCanBeForbidden() async throws {
        let (arena, _) = try await arena("[connection]\nanonymous_spectators = false\n")
        await #expect(throws: TestConnectionError.rejected(code: "AUTH_REQUIRED", message: "an API key is required")) {
            _ = try await arena.connect()
        }
    }

    @Test func pingGetsPongWithServerTimeAndItsFields() async throws {
        let (arena, _) = try await arena()
        let client = try await arena.connect()
        await arena.advanceClock(by: .seconds(90))
        let ack = try await client.emit("ping", ["n": 7, "note": "hi"])
        #expect(ack["ok"] == true)
        let pong = try await client.expect("pong")
        #expect(pong["n"] == 7)
        #expect(pong["note"] == "hi")
        #expect(pong["serverTime"] == .string(ArenaJSON.formatDate(ArenaTestHarness.startDate.addingTimeInterval(90))))
        #expect(try await client.emit("ping", "not an object")["error"]?["code"] == "INVALID_PAYLOAD")
    }

    @Test func disconnectIsPublishedOnTheBus() async throws {
        let (arena, _) = try await arena()
        let (reasons, continuation) = AsyncStream<String>.makeStream()
        arena.runtime.bus.subscribe(ClientDisconnected.self) { event in continuation.yield(event.reason) }
        let client = try await arena.connect()
        _ = try await client.expect("connected")
        client.disconnect()
        var iterator = reasons.makeAsyncIterator()
        #expect(await iterator.next() == "client namespace disconnect")
    }
}
