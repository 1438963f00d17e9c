import Foundation
import Runtime
import RuntimeTesting
import Testing
@testable import ConnectionPlugin

@Suite struct AgentStoreTests {
    func store() async throws -> AgentStore {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\n", catalog: PluginCatalog([ConnectionPlugin.self]))
        return AgentStore(database: arena.database, clock: arena.clock)
    }

    @Test func createdAgentIsFoundByItsKeyOnly() async throws {
        let store = try await store()
        let created = try store.create(name: "  Ada  ")
        #expect(created.name == "Ada")
        #expect(created.status == .active)
        let found = try #require(try store.agent(forKey: created.apiKey))
        #expect(found.id == created.id)
        #expect(try store.agent(forKey: ApiKey.generate()) == nil)
        #expect(try store.agent(forKey: created.apiKey + "x") == nil)
    }

    @Test func onlyTheDigestIsStored() async throws {
        let store = try await store()
        let created = try store.create(name: "Grace")
        let stored = try store.database.read { db in try Data.fetchOne(db, sql: "SELECT key_digest FROM agents") }
        #expect(stored == ApiKey.digest(created.apiKey))
        let everything = try store.database.read { db in
            try String.fetchAll(db, sql: "SELECT id || name || status FROM agents")
        }
        #expect(!everything.joined().contains(created.apiKey))
    }

    @Test func deactivateMarksInactiveAndUnknownIdsAreNil() async throws {
        let store = try await store()
        let created = try store.create(name: "Linus")
        #expect(try store.deactivate(id: created.id)?.status == .inactive)
        #expect(try store.agent(forKey: created.apiKey)?.status == .inactive)
        #expect(try store.deactivate(id: "agt_missing") == nil)
        #expect(try store.list().map(\.id) == [created.id])
    }

    @Test(arguments: [
        "", "   ", String(repeating: "n", count: 65), "nul\u{0}byte", "two\nlines", "tab\there", "evil\u{202E}txt.exe",
        "iso\u{2066}late", "mark\u{200F}",
    ])
    func badNamesAreInvalidPayload(name: String) async throws {
        let store = try await store()
        #expect(throws: ArenaError.self) { try store.create(name: name) }
    }
}

@Suite struct AgentNameTests {
    @Test func namesInOtherScriptsAndWithEmojiAreFine() async throws {
        let store = try await AgentStoreTests().store()
        for name in ["Ada Lovelace", "Jürgen", "李雷", "مرحبا", "🤖 bot"] {
            #expect(try store.create(name: name).name == name)
        }
    }
}
