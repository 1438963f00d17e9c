import Runtime
import RuntimeTesting
import Testing

@testable import BattlePlugin

/// Reports of one instance run concurrently and may reach the owner out of order.
@Suite struct PresenceReportOrderTests {
    func report(_ f: BattleFixture, version: UInt64, agents: [String], spectators: Int) async throws {
        let report = PresenceReport(
            battleId: f.publicBattle.id, instance: "instance-2", epoch: "ep-1", version: version, agents: agents, spectators: spectators,
            connectionId: nil)
        _ = try await f.battles.owners.run(f.publicBattle.id) { owner in owner.report(report) }
    }

    @Test func anOlderReportArrivingAfterTheRoomEmptiedIsIgnored() async throws {
        let f = try await BattleFixture.start()
        try await report(f, version: 2, agents: [], spectators: 0)
        try await report(f, version: 1, agents: [f.alpha.id], spectators: 3)
        #expect(try await f.battles.presentAgents(f.publicBattle.id).isEmpty)
    }

    @Test func aFinishedBattleIsReleasedDespiteAnOvertakenReport() async throws {
        let f = try await BattleFixture.start()
        try await report(f, version: 1, agents: [], spectators: 1)
        _ = try await f.battles.owners.run(f.publicBattle.id) { owner in try owner.setStatus(.cancelled, round: 0) }
        try await report(f, version: 3, agents: [], spectators: 0)
        try await report(f, version: 2, agents: [], spectators: 1)
        await f.arena.advanceClock(by: .seconds(2))  // the last presence update goes out
        await f.arena.runtime.services.jobs.idle()
        #expect(f.battles.owners.owned.isEmpty)
    }
}
