@testable import BenchKit
import Foundation
import Testing

@Suite struct ConcurrentBattlesTests {
    /// A battle's log as `GET /api/v1/battles/{id}/log` answers it: only the `battle:turn`
    /// entries are read, whatever the other events carry.
    @Test func theLogCheckReadsTheTurnEntriesOnly() throws {
        let body = #"""
            {"battleId":"btl_1","seq":4,"events":[
              {"event":"battle:state","data":{"seq":1,"status":"ACTIVE"},"loggedAt":"2026-12-06T00:00:00Z"},
              {"event":"battle:turn","data":{"seq":2,"battleId":"btl_1","turnId":"trn_1","round":1,"agentId":"agt_1","content":"bench-n=0 bench-ts=5 tabs"},"loggedAt":"2026-12-06T00:00:01Z"},
              {"event":"battle:commentary","data":{"seq":3,"text":"nice"},"loggedAt":"2026-12-06T00:00:02Z"},
              {"event":"battle:turn","data":{"seq":4,"battleId":"btl_1","turnId":"trn_2","round":1,"agentId":"agt_2","content":"bench-n=1 bench-ts=9 tabs"},"loggedAt":"2026-12-06T00:00:03Z"}
            ]}
            """#
        let log = try JSONDecoder().decode(LoggedBattle.self, from: Data(body.utf8))
        #expect(log.events.count == 4)
        #expect(log.events.compactMap(\.turn).map(\.turnId) == ["trn_1", "trn_2"])
    }

    /// Spectators of different battles are each measured against their own battle's turns.
    @Test func eachSpectatorIsMeasuredAgainstItsOwnBattle() {
        let first = SpectatorTally(battle: 0)
        let second = SpectatorTally(battle: 1)
        for n: UInt64 in 0..<3 { first.turn(n) }
        for n: UInt64 in 0..<3 { second.turn(n) }
        let accepted: [UInt64] = [3, 5]
        var summary = SpectatorSummary()
        for tally in [first, second] { summary.add(tally, acceptedTurns: accepted[tally.battle], endedBattles: 0) }
        #expect(summary == SpectatorSummary(spectators: 2, turns: 6, missingTurns: 2, spectatorsMissingTurns: 1, outOfOrder: 0, sawEveryEnd: 2))
    }

    /// utime and stime are the 14th and 15th fields, counted after the command name, which may
    /// hold spaces and parentheses.
    @Test func cpuTimeIsReadAfterTheCommandName() {
        let stat = "4242 (moltarena (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 123 0 0"
        #expect(ProcessCPU.parseStat(stat, ticksPerSecond: 100) == 3.0)
        #expect(ProcessCPU.parseStat("garbage", ticksPerSecond: 100) == nil)
    }

    @Test func parallelResultsComeInIndexOrder() async throws {
        let squares = try await ConcurrentBattleSetup.inParallel(count: 10, width: 3) { $0 * $0 }
        #expect(squares == (0..<10).map { $0 * $0 })
    }
}
