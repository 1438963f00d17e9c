@testable import BattlePlugin
import ConnectionPlugin
import Foundation
import Runtime
import RuntimeTesting
import Testing

/// The Battle plugin's store, the same on every database: the log's `seq` is unique and gap-free
/// whoever appends at once, and a stale owner's write is refused in its own transaction.
@Suite struct BattleStoreContractTests {
    struct Arena {
        let database: any SQLDatabase
        let store: BattleStore
        let battle: Battle
    }

    static func arena(_ backend: StoreBackend) throws -> Arena {
        let database = try backend.database(migrations: AgentStore.migrations + BattlePlugin.migrations)
        let agents = AgentStore(database: database, clock: WallClock())
        let ids = try (0..<2).map { try agents.create(name: "agent \($0)").id }
        let store = BattleStore(database: database, clock: WallClock())
        return Arena(database: database, store: store, battle: try store.create(title: "Contract", agentIds: ids, visibility: .public, rounds: 3))
    }

    @Test(arguments: StoreBackend.enabled)
    func seqIsUniqueAndGapFreeWhenManyAppendAtOnce(_ backend: StoreBackend) async throws {
        let arena = try Self.arena(backend)
        let (_, fence) = try #require(try arena.store.takeFence(arena.battle.id))
        let seqs = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<40 {
                group.addTask {
                    try arena.database.write { db in
                        try arena.store.checkFence(arena.battle.id, fence, in: db)
                        return try arena.store.appendLog(battleId: arena.battle.id, event: "test:event", payload: Array(#"{"n":\#(n)}"#.utf8), in: db)
                            .seq
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(seqs.sorted() == Array(1...40))
        let logged = try arena.database.read { db in try arena.store.log(battleId: arena.battle.id, after: 0, in: db) }
        #expect(logged.count == 40)
        #expect(try arena.store.battle(arena.battle.id)?.seq == 40)
    }

    @Test(arguments: StoreBackend.enabled)
    func aStaleOwnersWriteIsRefusedAndLeavesNothing(_ backend: StoreBackend) throws {
        let arena = try Self.arena(backend)
        let (_, stale) = try #require(try arena.store.takeFence(arena.battle.id))
        let (_, current) = try #require(try arena.store.takeFence(arena.battle.id))
        #expect(current == stale + 1)
        #expect(throws: FencedOut.self) {
            try arena.database.write { db in
                _ = try arena.store.appendLog(battleId: arena.battle.id, event: "test:early", payload: Array("{}".utf8), in: db)
                try arena.store.checkFence(arena.battle.id, stale, in: db)
            }
        }
        #expect(try arena.store.battle(arena.battle.id)?.seq == 0, "the refused transaction left nothing")
        try arena.database.write { db in
            try arena.store.checkFence(arena.battle.id, current, in: db)
            _ = try arena.store.appendLog(battleId: arena.battle.id, event: "test:event", payload: Array("{}".utf8), in: db)
        }
        #expect(try arena.store.battle(arena.battle.id)?.seq == 1)
    }
}
