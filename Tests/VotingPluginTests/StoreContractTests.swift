import BattlePlugin
import ConnectionPlugin
import Foundation
import Runtime
import RuntimeTesting
import Testing

@testable import TurnsPlugin
@testable import VotingPlugin

/// The Turns and Voting plugins' stores, the same on every database (this target sees both):
/// one decision per turn and one vote per voter whoever writes at once, a client turn id taken
/// once per agent and battle, and a voting window closed once with the counts as stored.
@Suite struct StoreContractTests {
    /// A fresh database of `backend` with every table of the four plugins, and a battle of two agents.
    static func battle(on backend: StoreBackend) throws -> (any SQLDatabase, Battle) {
        let database = try backend.database(
            migrations: AgentStore.migrations + BattlePlugin.migrations + TurnsStore.migrations + VoteStore.migrations)
        let agents = AgentStore(database: database, clock: WallClock())
        let ids = try (0..<2).map { try agents.create(name: "agent \($0)").id }
        return (
            database, try BattleStore(database: database, clock: WallClock()).create(title: "Contract", agentIds: ids, visibility: .public, rounds: 1)
        )
    }

    @Test(arguments: StoreBackend.enabled)
    func twoAcceptancesOfOneTurnAtOnceStoreOne(_ backend: StoreBackend) async throws {
        let (database, battle) = try Self.battle(on: backend)
        let ids = battle.participants.map(\.id)
        let store = TurnsStore(database: database, clock: WallClock())
        try database.write { db in try TurnsStore.setProgress(battle.id, .init(nextPosition: 0), in: db) }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<8 {
                group.addTask {
                    let turn = TurnStateMachine.NewTurn(
                        turnId: "trn_\(n)", position: 0, round: 1, agentId: ids[0], content: "attempt \(n)", clientTurnId: "c-\(n)")
                    return (try? database.write { db in try store.accept(turn, battleId: battle.id, next: .init(nextPosition: 1), in: db) }) != nil
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try store.turns(battle.id).count == 1)
        #expect(try store.progress(battle.id)?.nextPosition == 1)
        let kept = try #require(try store.turns(battle.id).first)
        #expect(try store.turn(battleId: battle.id, agentId: ids[0], clientTurnId: "c-\(kept.turnId.dropFirst(4))")?.turnId == kept.turnId)
        // The same client turn id again, at the next position, is refused by its unique index.
        #expect(throws: SQLError.self) {
            try database.write { db in
                try store.accept(
                    .init(
                        turnId: "trn_again", position: 1, round: 1, agentId: ids[0], content: "again", clientTurnId: "c-\(kept.turnId.dropFirst(4))"),
                    battleId: battle.id, next: .init(nextPosition: 2), in: db)
            }
        }
    }

    @Test(arguments: StoreBackend.enabled)
    func oneVotePerVoterAndOneClose(_ backend: StoreBackend) async throws {
        let (database, battle) = try Self.battle(on: backend)
        let ids = battle.participants.map(\.id)
        let store = VoteStore(database: database, clock: WallClock())
        try database.write { db in try VoteStore.open(battle.id, endsAt: Date().addingTimeInterval(60), in: db) }
        try database.write { db in try VoteStore.open(battle.id, endsAt: Date().addingTimeInterval(600), in: db) }  // opened once
        let outcomes = await withTaskGroup(of: VoteStore.Outcome?.self) { group in
            for n in 0..<8 {
                group.addTask {
                    try? database.write { db in try store.record(battleId: battle.id, voter: "voter-1", choice: ids[n % 2], in: db) }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .recorded }.count == 1)
        #expect(outcomes.filter { $0 == .alreadyVoted }.count == 7)
        _ = try database.write { db in try store.record(battleId: battle.id, voter: "voter-2", choice: ids[1], in: db) }
        let closed = try database.write { db in try VoteStore.close(battle.id, choices: ids, in: db) }
        #expect(closed.map { $0.values.reduce(0, +) } == 2)
        #expect(try database.write { db in try VoteStore.close(battle.id, choices: ids, in: db) } == nil, "closed once")
        #expect(try database.write { db in try store.record(battleId: battle.id, voter: "voter-3", choice: ids[0], in: db) } == .closed)
        #expect(try store.window(battle.id)?.closed == true)
    }
}
