import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

@Suite struct VoterEligibilityTests {
    @Test func onlyClientsInTheRoomBeforeVotingOpenedMayVote() async throws {
        let f = try await VotingFixture.start(voting: "voters = \"present_before_voting\"\n", playToTheEnd: false)
        let early = try await f.spectator(ip: "10.0.0.2")
        _ = try await early.emit("battle:join", ["battleId": .string(f.battle.id)])
        let elder = try await f.voter(named: "elder")
        #expect(try await elder.emit("battle:join", ["battleId": .string(f.battle.id), "role": "spectator"])["ok"] == true)
        await f.arena.advanceClock(by: .seconds(1))
        try await f.playToTheEnd()
        await f.arena.advanceClock(by: .seconds(1))

        // Sybils arriving once the vote is on, in the room or not, cannot vote...
        let late = try await f.spectator(ip: "10.0.0.3")
        _ = try await late.emit("battle:join", ["battleId": .string(f.battle.id)])
        #expect(try await f.vote(late, for: f.beta)["error"]?["code"] == "NOT_ELIGIBLE_TO_VOTE")
        let fresh = try await f.voter(named: "fresh")
        #expect(try await fresh.emit("battle:join", ["battleId": .string(f.battle.id), "role": "spectator"])["ok"] == true)
        #expect(try await f.vote(fresh, for: f.beta)["error"]?["code"] == "NOT_ELIGIBLE_TO_VOTE")
        let outside = try await f.spectator(ip: "10.0.0.4")
        #expect(try await f.vote(outside, for: f.beta)["error"]?["code"] == "NOT_ELIGIBLE_TO_VOTE")
        // ...while those who were there before may.
        #expect(try await f.vote(early, for: f.alpha)["ok"] == true)
        let elderVote = try await f.vote(elder, for: f.alpha)
        #expect(elderVote["ok"] == true, "\(elderVote)")
        #expect(try await f.vote(f.watcher, for: f.alpha)["ok"] == true)
        #expect(try await f.storedVotes() == 3)
    }

    @Test func anyoneMayVoteByDefault() async throws {
        let f = try await VotingFixture.start()
        let late = try await f.spectator(ip: "10.0.0.3")
        _ = try await late.emit("battle:join", ["battleId": .string(f.battle.id)])
        #expect(try await f.vote(late, for: f.beta)["ok"] == true)
    }

    @Test func agentVotersMustBeOldEnough() async throws {
        let f = try await VotingFixture.start(voting: "window_seconds = 60\nmin_agent_age_seconds = 600\n", playToTheEnd: false)
        let elder = try await f.voter(named: "elder")
        await f.arena.advanceClock(by: .seconds(600))
        try await f.playToTheEnd()
        let fresh = try await f.voter(named: "fresh")
        let refused = try await f.vote(fresh, for: f.beta)
        #expect(refused["error"]?["code"] == "NOT_ELIGIBLE_TO_VOTE")
        #expect(refused["error"]?["message"]?.stringValue?.contains("600 seconds") == true)
        #expect(try await f.vote(elder, for: f.alpha)["ok"] == true)
        // Anonymous spectators are not agents: the age does not apply to them.
        #expect(try await f.vote(f.watcher, for: f.alpha)["ok"] == true)
        #expect(try await f.storedVotes() == 2)
    }

    @Test func anUnknownVotersValueIsRefusedAtStartUp() async throws {
        await #expect(throws: (any Error).self) {
            _ = try await VotingFixture.start(voting: "voters = \"everybody\"\n", playToTheEnd: false)
        }
    }
}
