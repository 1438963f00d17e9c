import ConnectionPlugin
import HTTPTypes
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

/// `ping` allows 20 per 10 seconds per connection; an identity gets 4 times as much.
@Suite struct EventLimitTests {
    static let catalog = PluginCatalog([ConnectionPlugin.self])

    func ping(_ client: TestConnection) async throws -> JSONValue {
        try await client.emit("ping", ["n": 1])
    }

    /// Pings until refused; how many were allowed.
    func pingUntilLimited(_ client: TestConnection) async throws -> Int {
        var allowed = 0
        while try await ping(client)["ok"] == true { allowed += 1 }
        return allowed
    }

    @Test func aFlooderHurtsOnlyItselfNotItsNeighboursOnTheSameAddress() async throws {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\n", catalog: Self.catalog)
        let flooder = try await arena.connect(remoteAddress: "10.0.0.7")
        let neighbour = try await arena.connect(remoteAddress: "10.0.0.7")
        #expect(try await pingUntilLimited(flooder) == 20)
        #expect(try await ping(flooder)["error"]?["code"] == "RATE_LIMITED")
        #expect(try await ping(neighbour)["ok"] == true)
    }

    @Test func spectatorsBehindOneProxyAreToldApartByTheTrustedHeader() async throws {
        let arena = try await ArenaTestHarness.start(
            pluginsConf: "[connection]\ntrusted_proxy_header = \"X-Forwarded-For\"\n", catalog: Self.catalog)
        let header = HTTPField.Name("X-Forwarded-For")!
        // Five connections of one forwarded client exhaust that client's budget (4 x 20)...
        var sameClient: [TestConnection] = []
        for _ in 0..<5 { sameClient.append(try await arena.connect(headers: [header: "203.0.113.9, 10.0.0.1"], remoteAddress: "10.0.0.1")) }
        var allowed = 0
        for client in sameClient { allowed += try await pingUntilLimited(client) }
        #expect(allowed == 80)
        // ...while another client behind the same proxy is unaffected.
        let other = try await arena.connect(headers: [header: "198.51.100.4"], remoteAddress: "10.0.0.1")
        #expect(try await pingUntilLimited(other) == 20)
    }

    @Test func anAgentsConnectionsShareItsHigherBudget() async throws {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\n", catalog: Self.catalog)
        let agent = try AgentStore(database: arena.database, clock: arena.clock).create(name: "Ada")
        var allowed = 0
        for index in 0..<5 {
            let client = try await arena.connect(auth: ["token": .string(agent.apiKey)], remoteAddress: "10.0.1.\(index)")
            allowed += try await pingUntilLimited(client)
        }
        #expect(allowed == 80)
        // A spectator is another identity.
        #expect(try await ping(try await arena.connect(remoteAddress: "10.0.1.0"))["ok"] == true)
    }

    @Test func persistentAbuseDisconnectsWithAReason() async throws {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\n", catalog: Self.catalog)
        let flooder = try await arena.connect()
        let neighbour = try await arena.connect()
        #expect(try await pingUntilLimited(flooder) == 20)
        // 50 refusals within 10 seconds: the last is followed by the reason and the disconnect.
        for _ in 0..<48 { #expect(try await ping(flooder)["error"]?["code"] == "RATE_LIMITED") }
        #expect(!flooder.isClosed)
        flooder.send("ping", ["n": 1])
        var codes: [String] = []
        while codes.last != "RATE_LIMIT_ABUSE" { codes.append(try await flooder.expect("error")["code"]?.stringValue ?? "") }
        #expect(codes.suffix(2) == ["RATE_LIMITED", "RATE_LIMIT_ABUSE"])
        await #expect(throws: TestConnectionError.self) { _ = try await flooder.expect("never sent") }
        #expect(flooder.isClosed)
        #expect(try await ping(neighbour)["ok"] == true)
    }

    @Test func refusalsSpreadOverTimeDoNotDisconnect() async throws {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\n", catalog: Self.catalog)
        let client = try await arena.connect()
        for _ in 0..<3 {
            _ = try await pingUntilLimited(client)
            for _ in 0..<30 { _ = try await ping(client) }
            await arena.advanceClock(by: .seconds(11))
        }
        #expect(!client.isClosed)
        #expect(try await ping(client)["ok"] == true)
    }

    @Test func unknownEventsCountAgainstTheConnection() async throws {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\n", catalog: Self.catalog)
        let client = try await arena.connect()
        for _ in 0..<10 { #expect(try await client.emit("teleport", ["to": "mars"])["error"]?["code"] == "UNKNOWN_EVENT") }
        let limited = try await client.emit("teleport", ["to": "mars"])
        #expect(limited["error"]?["code"] == "RATE_LIMITED")
        #expect(limited["error"]?["retryAfterMs"]?.intValue ?? 0 > 0)
        // Known events have budgets of their own.
        #expect(try await ping(client)["ok"] == true)
        #expect(try await arena.connect().emit("teleport", [:])["error"]?["code"] == "UNKNOWN_EVENT")
    }
}
