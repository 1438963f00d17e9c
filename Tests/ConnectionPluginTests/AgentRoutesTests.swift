import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing
@testable import ConnectionPlugin

@Suite struct AgentRoutesTests {
    @Test func createdAgentReadsItselfBackWithItsKey() async throws {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\n", catalog: PluginCatalog([ConnectionPlugin.self]))
        try await arena.withHTTP { http in
            let created = try await http.execute(
                uri: "/api/v1/agents", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"name":"Ada"}"#))
            #expect(created.status == .created)
            let agent = try JSONParser.parse(String(buffer: created.body))
            #expect(agent["status"] == "active")
            #expect(agent["name"] == "Ada")
            let key = try #require(agent["apiKey"]?.stringValue)

            let me = try await http.execute(uri: "/api/v1/agents/me", method: .get, headers: [.authorization: "Bearer \(key)"], body: nil)
            #expect(me.status == .ok)
            let read = try JSONParser.parse(String(buffer: me.body))
            #expect(read["id"] == agent["id"])
            #expect(read["apiKey"] == nil)

            let bad = try await http.execute(uri: "/api/v1/agents/me", method: .get, headers: [.authorization: "Bearer nope"], body: nil)
            #expect(bad.status == .unauthorized)
            #expect(try JSONParser.parse(String(buffer: bad.body))["error"]?["code"] == "INVALID_API_KEY")

            let missing = try await http.execute(uri: "/api/v1/agents/me", method: .get, headers: [:], body: nil)
            #expect(missing.status == .unauthorized)
        }
    }

    @Test func oversizedBodyIsPayloadTooLarge() async throws {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\n", catalog: PluginCatalog([ConnectionPlugin.self]))
        try await arena.withHTTP { http in
            let body = ByteBuffer(string: #"{"name":""# + String(repeating: "x", count: 70_000) + #""}"#)
            let response = try await http.execute(uri: "/api/v1/agents", method: .post, headers: [:], body: body)
            #expect(response.status == .contentTooLarge)
            #expect(try JSONParser.parse(String(buffer: response.body))["error"]?["code"] == "PAYLOAD_TOO_LARGE")
        }
    }

    @Test(arguments: [#"{}"#, #"{"name":""}"#, #"{"name":5}"#, "not json"])
    func badCreateBodiesAreInvalidPayload(body: String) async throws {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\n", catalog: PluginCatalog([ConnectionPlugin.self]))
        try await arena.withHTTP { http in
            let response = try await http.execute(uri: "/api/v1/agents", method: .post, headers: [:], body: ByteBuffer(string: body))
            #expect(response.status == .badRequest)
            #expect(try JSONParser.parse(String(buffer: response.body))["error"]?["code"] == "INVALID_PAYLOAD")
        }
    }
}
