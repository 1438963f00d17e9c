import BattlePlugin
import Foundation
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing
@testable import VotingPlugin

@Suite struct VotingTests {
    @Test func votingOpensWhenTheTurnsEnd() async throws {
        let f = try await VotingFixture.start(playToTheEnd: false)
        let a = try await f.agent(f.alpha)
        let b = try await f.agent(f.beta)
        _ = try await a.emit("battle:join", ["battleId": .string(f.battle.id)])
        _ = try await b.emit("battle:join", ["battleId": .string(f.battle.id)])
        #expect(try await f.vote(f.watcher, for: f.alpha)["error"]?["code"] == "VOTING_CLOSED")
        _ = try await a.expect("battle:your_turn")
        _ = try await a.emit("battle:submit_turn", ["battleId": .string(f.battle.id), "content": "one"])
        _ = try await b.emit("battle:submit_turn", ["battleId": .string(f.battle.id), "content": "two"])
        _ = try await f.watcher.expect("battle:ended")
        let open = try await f.watcher.expect("battle:voting_open")
        #expect(open["choices"] == [.string(f.alpha.id), .string(f.beta.id)])
        #expect(open["endsAt"] == .string(ArenaJSON.formatDate(f.arena.clock.now().addingTimeInterval(60))))
        #expect(try f.battles.battle(f.battle.id)?.status == .voting)
    }

    @Test func oneVotePerAgentAcrossItsSockets() async throws {
        let f = try await VotingFixture.start()
        let voter = try f.agents.create(name: "voter")
        let first = try await f.agent(voter)
        let second = try await f.agent(voter)
        async let a = f.vote(first, for: f.alpha)
        async let b = f.vote(second, for: f.beta)
        let outcomes = try await [a, b]
        #expect(outcomes.filter { $0["ok"] == true }.count == 1)
        #expect(outcomes.filter { $0["error"]?["code"] == "ALREADY_VOTED" }.count == 1)
        #expect(try await f.storedVotes() == 1)
    }

    @Test func oneVotePerAddressForAnonymousSpectators() async throws {
        let f = try await VotingFixture.start()
        let one = try await f.spectator(ip: "192.0.2.7")
        let sameAddress = try await f.spectator(ip: "192.0.2.7")
        let other = try await f.spectator(ip: "192.0.2.8")
        let recorded = try await f.vote(one, for: f.alpha)
        #expect(recorded["ok"] == true)
        #expect(try await one.expect("battle:vote_recorded") == ["battleId": .string(f.battle.id), "agentId": .string(f.alpha.id)])
        #expect(try await f.vote(sameAddress, for: f.beta)["error"]?["code"] == "ALREADY_VOTED")
        #expect(try await f.vote(other, for: f.beta)["ok"] == true)
    }

    /// The proxy header is named once, in `[connection]`: votes count its address too.
    @Test func oneVotePerForwardedAddressBehindTheConnectionsTrustedProxy() async throws {
        let f = try await VotingFixture.start(connection: "trusted_proxy_header = \"X-Forwarded-For\"\n")
        let one = try await f.spectator(behindProxyFor: "192.0.2.7")
        let other = try await f.spectator(behindProxyFor: "192.0.2.8, 10.0.0.1")
        let sameClient = try await f.spectator(behindProxyFor: "192.0.2.7")
        #expect(try await f.vote(one, for: f.alpha)["ok"] == true)
        #expect(try await f.vote(other, for: f.beta)["ok"] == true, "another client behind the same proxy votes too")
        #expect(try await f.vote(sameClient, for: f.beta)["error"]?["code"] == "ALREADY_VOTED")
    }

    @Test func invalidChoiceAndOwnBattleAreRefused() async throws {
        let f = try await VotingFixture.start()
        let voter = try await f.voter(named: "v")
        #expect(
            try await voter.emit("battle:vote", ["battleId": .string(f.battle.id), "agentId": "agt_nobody"])["error"]?["code"] == "INVALID_CHOICE")
        let alpha = try await f.agent(f.alpha)
        #expect(try await f.vote(alpha, for: f.alpha)["error"]?["code"] == "CANNOT_VOTE_OWN_BATTLE")
        #expect(try await voter.emit("battle:vote", ["battleId": .string(f.battle.id)])["error"]?["code"] == "INVALID_PAYLOAD")
        #expect(
            try await voter.emit("battle:vote", ["battleId": "btl_nope", "agentId": .string(f.alpha.id)])["error"]?["code"] == "BATTLE_NOT_FOUND")
    }

    @Test func floodsAreRateLimited() async throws {
        let f = try await VotingFixture.start(voting: "window_seconds = 60\nvotes_per_10_seconds = 2\n")
        let voter = try await f.voter(named: "v")
        _ = try await f.vote(voter, for: f.alpha)
        _ = try await f.vote(voter, for: f.alpha)
        #expect(try await f.vote(voter, for: f.alpha)["error"]?["code"] == "RATE_LIMITED")
        #expect(try await voter.expect("rate_limit_exceeded")["event"] == "battle:vote")
    }

    @Test func liveCountsAreCoalescedToFourASecondAndEndOnTheStoredCounts() async throws {
        let f = try await VotingFixture.start()
        for i in 0..<30 {
            let spectator = try await f.spectator(ip: "198.51.100.\(i)")
            _ = try await f.vote(spectator, for: i % 3 == 0 ? f.beta : f.alpha)
        }
        let first = try await f.watcher.expect("battle:vote_update")
        #expect(first["total"] == 1)
        // Every other vote fell within the same quarter second: one more update, when it ends.
        #expect(!f.watcher.bufferedEventNames.contains("battle:vote_update"))
        await f.arena.advanceClock(by: .milliseconds(250))
        let last = try await f.watcher.expect("battle:vote_update")
        #expect(last == ["battleId": .string(f.battle.id), "counts": [f.alpha.id: 20, f.beta.id: 10], "total": 30])
        #expect(try await f.storedVotes() == 30)
    }

    @Test func closingAnnouncesResultsOnceAndLateVotesAreRefused() async throws {
        let f = try await VotingFixture.start()
        for i in 0..<3 {
            _ = try await f.vote(try await f.spectator(ip: "203.0.113.\(i)"), for: f.beta)
        }
        _ = try await f.vote(try await f.spectator(ip: "203.0.113.9"), for: f.alpha)
        await f.arena.advanceClock(by: .seconds(60))
        let results = try await f.watcher.expect("battle:results")
        #expect(results["votes"] == [f.alpha.id: 1, f.beta.id: 3])
        #expect(results["winnerId"] == .string(f.beta.id))
        #expect(results["judge"]?["judge"] == "heuristic")
        #expect(try f.battles.battle(f.battle.id)?.status == .completed)
        #expect(try await f.vote(try await f.spectator(ip: "203.0.113.50"), for: f.alpha)["error"]?["code"] == "VOTING_CLOSED")
        let snapshot = try #require(try f.battles.snapshot(f.battle.id))
        #expect(snapshot["results"]?["winnerId"] == .string(f.beta.id))
        #expect(snapshot["votes"] == [f.alpha.id: 1, f.beta.id: 3])
        await f.arena.advanceClock(by: .seconds(60))
        _ = try await f.watcher.emit("battle:join", ["battleId": .string(f.battle.id)])
        #expect(!f.watcher.bufferedEventNames.contains("battle:results"))
    }

    @Test func privateBattlesAndForfeitsSkipTheVote() async throws {
        let f = try await VotingFixture.start(playToTheEnd: false)
        let duel = try f.battles.store.create(title: "Private", agentIds: [f.alpha.id, f.beta.id], visibility: .private, rounds: 1)
        let a = try await f.agent(f.alpha)
        let b = try await f.agent(f.beta)
        _ = try await a.emit("battle:join", ["battleId": .string(duel.id)])
        _ = try await b.emit("battle:join", ["battleId": .string(duel.id)])
        _ = try await a.expect("battle:your_turn")
        _ = try await a.emit("battle:submit_turn", ["battleId": .string(duel.id), "content": "one"])
        _ = try await b.emit("battle:submit_turn", ["battleId": .string(duel.id), "content": "two"])
        _ = try await a.expect("battle:results")
        #expect(!a.bufferedEventNames.contains("battle:voting_open"))
        #expect(try f.battles.battle(duel.id)?.status == .completed)
    }

    @Test func aTieGoesToTheJudgeElseNoWinner() {
        #expect(VotingCoordinator.winner(counts: ["a": 2, "b": 2], judgeWinner: "b") == "b")
        #expect(VotingCoordinator.winner(counts: ["a": 2, "b": 2], judgeWinner: nil) == nil)
        #expect(VotingCoordinator.winner(counts: ["a": 2, "b": 2, "c": 1], judgeWinner: "c") == nil)
        #expect(VotingCoordinator.winner(counts: ["a": 3, "b": 2], judgeWinner: "b") == "a")
        #expect(VotingCoordinator.winner(counts: ["a": 0, "b": 0], judgeWinner: "a") == "a")
    }

    @Test func aTiedVoteIsDecidedByTheJudgeInTheResults() async throws {
        let f = try await VotingFixture.start()
        _ = try await f.vote(try await f.spectator(ip: "203.0.113.1"), for: f.alpha)
        _ = try await f.vote(try await f.spectator(ip: "203.0.113.2"), for: f.beta)
        await f.arena.advanceClock(by: .seconds(60))
        let results = try await f.watcher.expect("battle:results")
        let judgment = try await f.battles.owners.run(f.battle.id) { owner in try owner.judgment() }
        let judgeWinner = try #require(judgment?.winnerId)
        #expect(results["winnerId"] == .string(judgeWinner))
    }

    @Test func aRestartDuringVotingKeepsTheWindowAndItsVotes() async throws {
        let f = try await VotingFixture.start()
        _ = try await f.vote(try await f.spectator(ip: "203.0.113.1"), for: f.beta)
        let restarted = try await ArenaTestHarness.start(
            pluginsConf: VotingFixture.conf(), catalog: VotingFixture.catalog,
            database: f.arena.database, startDate: f.arena.clock.now().addingTimeInterval(30)
        )
        let watcher = try await restarted.connect(remoteAddress: "10.0.0.9")
        _ = try await watcher.emit("battle:join", ["battleId": .string(f.battle.id)])
        #expect(try await watcher.emit("battle:vote", ["battleId": .string(f.battle.id), "agentId": .string(f.alpha.id)])["ok"] == true)
        let again = try await restarted.connect(remoteAddress: "203.0.113.1")
        #expect(
            try await again.emit("battle:vote", ["battleId": .string(f.battle.id), "agentId": .string(f.alpha.id)])["error"]?["code"]
                == "ALREADY_VOTED")
        await restarted.advanceClock(by: .seconds(30))
        let results = try await watcher.expect("battle:results")
        #expect(results["votes"] == [f.alpha.id: 1, f.beta.id: 1])
    }

    @Test func aWindowThatEndedWhileTheServerWasDownClosesAtStart() async throws {
        let f = try await VotingFixture.start()
        _ = try await f.vote(try await f.spectator(ip: "203.0.113.1"), for: f.beta)
        let restarted = try await ArenaTestHarness.start(
            pluginsConf: VotingFixture.conf(), catalog: VotingFixture.catalog,
            database: f.arena.database, startDate: f.arena.clock.now().addingTimeInterval(120)
        )
        let battles = try #require(restarted.runtime.services.registry.resolve(BattleService.self))
        #expect(try battles.battle(f.battle.id)?.status == .completed)
        #expect(try battles.snapshot(f.battle.id)?["results"]?["winnerId"] == .string(f.beta.id))
    }

    @Test func withoutVotingBattlesCompleteAndVotesAreUnknown() async throws {
        let arena = try await ArenaTestHarness.start(
            pluginsConf: "[connection]\n[battle]\n[turns]\ncountdown_seconds = 0\nrate_limit_seconds = 0\n[voting]\nenabled = false\n",
            catalog: VotingFixture.catalog
        )
        let spectator = try await arena.connect()
        #expect(try await spectator.emit("battle:vote", ["battleId": "x", "agentId": "y"])["error"]?["code"] == "UNKNOWN_EVENT")
    }
}
