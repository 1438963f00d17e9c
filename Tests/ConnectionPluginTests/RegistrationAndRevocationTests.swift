import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

@testable import ConnectionPlugin

/// Sign-up gated by `registration`, and deactivation reaching an agent's open connections.
@Suite struct RegistrationAndRevocationTests {
    static let catalog = PluginCatalog([ConnectionPlugin.self])

    /// An operator key in an environment variable of this test's own (so tests never share one).
    static func operatorKey() -> (variable: String, key: String) {
        let variable = "MOLTARENA_TEST_OPERATOR_KEY_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        let key = "op-" + UUID().uuidString + UUID().uuidString
        setenv(variable, key, 1)
        return (variable, key)
    }

    static func create(_ http: any TestClientProtocol, name: String, headers: HTTPFields = [:]) async throws -> (HTTPResponse.Status, JSONValue) {
        let response = try await http.execute(
            uri: "/api/v1/agents", method: .post, headers: headers, body: ByteBuffer(string: #"{"name":"\#(name)"}"#))
        return (response.status, try JSONParser.parse(String(buffer: response.body)))
    }

    @Test func closedRegistrationRefusesEveryone() async throws {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\nregistration = \"closed\"\n", catalog: Self.catalog)
        try await arena.withHTTP { http in
            let (status, body) = try await Self.create(http, name: "Ada")
            #expect(status == .forbidden)
            #expect(body["error"]?["code"] == "REGISTRATION_CLOSED")
        }
    }

    @Test func operatorRegistrationNeedsTheOperatorKey() async throws {
        let (variable, key) = Self.operatorKey()
        let conf = "[connection]\nregistration = \"operator\"\noperator_key_env = \"\(variable)\"\n"
        let arena = try await ArenaTestHarness.start(pluginsConf: conf, catalog: Self.catalog)
        try await arena.withHTTP { http in
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong-\(key)"]] {
                let (status, body) = try await Self.create(http, name: "Ada", headers: headers)
                #expect(status == .unauthorized)
                #expect(body["error"]?["code"] == "OPERATOR_KEY_REQUIRED")
            }
            let (status, body) = try await Self.create(http, name: "Ada", headers: [.authorization: "Bearer \(key)"])
            #expect(status == .created)
            #expect(body["name"] == "Ada")
        }
    }

    @Test func operatorRegistrationWithoutAKeyStopsStartUp() async throws {
        let conf = "[connection]\nregistration = \"operator\"\noperator_key_env = \"MOLTARENA_TEST_UNSET_\(UUID().uuidString.prefix(8))\"\n"
        await #expect {
            _ = try await ArenaTestHarness.start(pluginsConf: conf, catalog: Self.catalog)
        } throws: { error in
            "\(error)".contains("registration") && "\(error)".contains("operator key")
        }
    }

    @Test func openRegistrationIsLimitedPerAddress() async throws {
        let conf = """
            [connection]
            registrations_per_address = 2
            registration_window_seconds = 60
            trusted_proxy_header = "X-Forwarded-For"

            """
        let arena = try await ArenaTestHarness.start(pluginsConf: conf, catalog: Self.catalog)
        let forwarded = HTTPField.Name("X-Forwarded-For")!
        try await arena.withHTTP { http in
            for i in 0..<2 {
                #expect(try await Self.create(http, name: "a\(i)", headers: [forwarded: "203.0.113.7"]).0 == .created)
            }
            let limited = try await http.execute(
                uri: "/api/v1/agents", method: .post, headers: [forwarded: "203.0.113.7, 10.0.0.1"], body: ByteBuffer(string: #"{"name":"a2"}"#))
            #expect(limited.status == .tooManyRequests)
            let body = try JSONParser.parse(String(buffer: limited.body))
            #expect(body["error"]?["code"] == "RATE_LIMITED")
            // When to try again, exactly in the body and in whole seconds in the header.
            let retryAfterMs = try #require(body["error"]?["retryAfterMs"]?.intValue)
            #expect(retryAfterMs > 0 && retryAfterMs <= 60_000)
            #expect(limited.headers[.retryAfter] == String((retryAfterMs + 999) / 1000))
            #expect(try await Self.create(http, name: "b0", headers: [forwarded: "198.51.100.9"]).0 == .created, "another address has its own budget")
            await arena.advanceClock(by: .seconds(30))
            #expect(try await Self.create(http, name: "a3", headers: [forwarded: "203.0.113.7"]).0 == .created, "refilled with the clock")
        }
    }

    @Test func deactivationThroughTheOperatorRouteDisconnectsAtOnce() async throws {
        let (variable, key) = Self.operatorKey()
        let conf = "[connection]\noperator_key_env = \"\(variable)\"\nrevocation_check_seconds = 0\n"
        let arena = try await ArenaTestHarness.start(pluginsConf: conf, catalog: Self.catalog)
        let store = AgentStore(database: arena.database, clock: arena.clock)
        let agent = try store.create(name: "Ada")
        let other = try store.create(name: "Grace")
        let client = try await arena.connect(auth: ["token": .string(agent.apiKey)])
        let bystander = try await arena.connect(auth: ["token": .string(other.apiKey)])
        try await arena.withHTTP { http in
            let refused = try await http.execute(uri: "/api/v1/agents/\(agent.id)/deactivate", method: .post, headers: [:], body: nil)
            #expect(refused.status == .unauthorized)
            #expect(try await client.emit("ping", [:])["ok"] == true, "a refused request changes nothing")

            let done = try await http.execute(
                uri: "/api/v1/agents/\(agent.id)/deactivate", method: .post, headers: [.authorization: "Bearer \(key)"], body: nil)
            #expect(done.status == .ok)
            #expect(try JSONParser.parse(String(buffer: done.body))["status"] == "inactive")
            let missing = try await http.execute(
                uri: "/api/v1/agents/agt_nope/deactivate", method: .post, headers: [.authorization: "Bearer \(key)"], body: nil)
            #expect(missing.status == .notFound)
        }
        let notice = try await client.expect("agent:deactivated")
        #expect(notice["agentId"] == .string(agent.id))
        await #expect(throws: TestConnectionError.disconnected) { _ = try await client.emit("ping", [:]) }
        await #expect(throws: TestConnectionError.rejected(code: "AGENT_INACTIVE", message: "agent \(agent.id) is inactive")) {
            _ = try await arena.connect(auth: ["token": .string(agent.apiKey)])
        }
        #expect(try await bystander.emit("ping", [:])["ok"] == true, "other agents stay connected")
    }

    @Test func deactivationElsewhereIsFoundByThePeriodicCheck() async throws {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\nrevocation_check_seconds = 5\n", catalog: Self.catalog)
        let store = AgentStore(database: arena.database, clock: arena.clock)
        let agent = try store.create(name: "Ada")
        let client = try await arena.connect(auth: ["token": .string(agent.apiKey)])
        // As `moltarena agents deactivate` does: the database only.
        _ = try store.deactivate(id: agent.id)
        await arena.advanceClock(by: .seconds(4))
        await arena.runtime.services.jobs.idle()
        #expect(try await client.emit("ping", [:])["ok"] == true, "not yet checked")
        await arena.advanceClock(by: .seconds(1))
        #expect(try await client.expect("agent:deactivated")["agentId"] == .string(agent.id))
        await #expect(throws: TestConnectionError.disconnected) { _ = try await client.emit("ping", [:]) }
    }
}
