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

    @Test func anOwnerTakenAgainAfterItsBattleEndedIsLetGoWhenThatWorkIsDone() async throws {
        let f = try await BattleFixture.start()
        _ = try await f.battles.owners.run(f.publicBattle.id) { owner in try owner.setStatus(.cancelled, round: 0) }
        #expect(f.battles.owners.owned.isEmpty, "a finished battle with an empty room needs no owner")
        // Late work on the finished battle (a commentary, a refused vote, a read) takes it again.
        #expect(try await f.battles.presentAgents(f.publicBattle.id).isEmpty)
        _ = try await f.battles.owners.run(f.publicBattle.id) { owner in try owner.log(LogWriterPlugin.Logged(battleId: f.publicBattle.id, n: 1)) }
        #expect(f.battles.owners.owned.isEmpty)
    }
}

/// One report per battle in flight, the newest delivered last.
@Suite struct PresenceReporterTests {
    func report(_ version: UInt64, connectionId: String? = nil) -> PresenceReport {
        PresenceReport(
            battleId: "btl_1", instance: "i", epoch: "ep", version: version, agents: [], spectators: Int(version), connectionId: connectionId)
    }

    /// Delivers reports in order, the first one held until `open()`.
    actor Recorder {
        var delivered: [PresenceReport] = []
        var gate: CheckedContinuation<Void, Never>?
        var started = false

        func deliver(_ report: PresenceReport) async {
            if delivered.isEmpty && !started {
                started = true
                await withCheckedContinuation { gate = $0 }
            }
            delivered.append(report)
        }

        func open() { gate?.resume() }
        var holding: Bool { gate != nil }
    }

    @Test func reportsThatCameDuringOneInFlightAreSentAsTheNewestOnlyAfterIt() async throws {
        let reporter = PresenceReporter()
        let recorder = Recorder()
        let first = Task { await reporter.send(report(1, connectionId: "c1")) { await recorder.deliver($0) } }
        while await !recorder.holding { await Task.yield() }
        let newest = Task { await reporter.send(report(3)) { await recorder.deliver($0) } }
        let older = Task { await reporter.send(report(2, connectionId: "c2")) { await recorder.deliver($0) } }
        while reporter.waiting(for: "btl_1") < 2 { await Task.yield() }
        await recorder.open()
        await first.value
        await newest.value
        await older.value
        let delivered = await recorder.delivered
        #expect(delivered.map(\.version) == [1, 3], "the older report is superseded, the newest goes last")
        #expect(delivered.last?.connectionId == "c2", "the arriving connection stays named")
        #expect(reporter.waiting(for: "btl_1") == 0)
    }
}
