import BattlePlugin
import Foundation
import Runtime
import Testing

@testable import VotingPlugin

/// The vote's rules alone: every transition of ``VotingWindowMachine`` with no runtime,
/// database or clock.
@Suite struct VotingWindowMachineTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func open(isPublic: Bool = true) -> VotingWindowMachine {
        var m = VotingWindowMachine(battleId: "btl_1", participants: ["a", "b"], isPublic: isPublic)
        _ = m.handle(.turnsEnded(windowSeconds: 60), now: t0)
        return m
    }

    static func vote(_ choice: String, by agent: String? = nil) -> VotingWindowMachine.Vote {
        .init(voter: agent.map { "agent:\($0)" } ?? "ip:203.0.113.1", voterAgentId: agent, choice: choice)
    }

    static func code(_ check: () throws -> Void) -> ErrorCode? {
        do {
            try check()
            return nil
        } catch {
            return (error as? ArenaError)?.code ?? "NOT_AN_ARENA_ERROR"
        }
    }

    @Test func aPublicBattlesWindowOpensWhenTheTurnsEnd() {
        var m = VotingWindowMachine(battleId: "btl_1", participants: ["a", "b"], isPublic: true)
        let endsAt = Self.t0.addingTimeInterval(60)
        #expect(
            m.handle(.turnsEnded(windowSeconds: 60), now: Self.t0) == [
                .storeWindow(endsAt: endsAt), .setVotingStatus, .announceOpen(endsAt: endsAt, choices: ["a", "b"]), .scheduleClose(at: endsAt),
            ])
        #expect(m.phase == .open(endsAt: endsAt))
        #expect(m.handle(.turnsEnded(windowSeconds: 60), now: Self.t0) == [], "opens once")
    }

    @Test func aPrivateBattleIsDecidedByTheJudgeAtOnce() {
        var m = VotingWindowMachine(battleId: "btl_1", participants: ["a", "b"], isPublic: false)
        #expect(m.handle(.turnsEnded(windowSeconds: 60), now: Self.t0) == [.completeWithJudge])
        #expect(m.phase == .closed)
    }

    @Test func votesAreCheckedWithTheirErrorCodes() {
        let closed = VotingWindowMachine(battleId: "btl_1", participants: ["a", "b"], isPublic: true)
        #expect(Self.code { try closed.admit(Self.vote("a"), now: Self.t0) } == .votingClosed)
        let open = Self.open()
        #expect(Self.code { try open.admit(Self.vote("a"), now: Self.t0) } == nil)
        #expect(Self.code { try open.admit(Self.vote("a"), now: Self.t0.addingTimeInterval(60)) } == .votingClosed)
        #expect(Self.code { try open.admit(Self.vote("z"), now: Self.t0) } == .invalidChoice)
        #expect(Self.code { try open.admit(Self.vote("b", by: "a"), now: Self.t0) } == .cannotVoteOwnBattle)
        #expect(Self.code { try open.admit(Self.vote("b", by: "c"), now: Self.t0) } == nil, "another battle's agent votes")
        let hidden = VotingWindowMachine(
            battleId: "btl_1", participants: ["a", "b"], isPublic: false, phase: .open(endsAt: Self.t0.addingTimeInterval(9)))
        #expect(Self.code { try hidden.admit(Self.vote("a"), now: Self.t0) } == .privateBattle)
    }

    @Test func liveCountsGoOutAtMostFourTimesASecond() {
        var m = Self.open()
        let t = Self.t0.addingTimeInterval(1)
        #expect(m.handle(.voteStored, now: t) == [.sendCounts])
        #expect(m.handle(.voteStored, now: t.addingTimeInterval(0.1)) == [.scheduleUpdate(at: t.addingTimeInterval(0.25))])
        #expect(m.handle(.voteStored, now: t.addingTimeInterval(0.2)) == [], "one update is scheduled at a time")
        #expect(m.handle(.updateDue, now: t.addingTimeInterval(0.25)) == [.sendCounts])
        #expect(m.handle(.updateDue, now: t.addingTimeInterval(0.3)) == [], "nothing was scheduled")
        #expect(m.handle(.voteStored, now: t.addingTimeInterval(0.6)) == [.sendCounts])
    }

    @Test func theWindowClosesOnTimeOnce() {
        var m = Self.open()
        let endsAt = Self.t0.addingTimeInterval(60)
        #expect(m.handle(.closeDue, now: endsAt.addingTimeInterval(-1)) == [.scheduleClose(at: endsAt)], "too early: armed again")
        #expect(m.handle(.closeDue, now: endsAt) == [.closeAndComplete])
        #expect(m.phase == .closed)
        #expect(m.handle(.closeDue, now: endsAt) == [])
    }

    @Test func restoringFromTheWindowRow() throws {
        let battle = Battle(
            id: "btl_1", title: "t", status: .voting, visibility: .public, rounds: 1, round: 1, seq: 9,
            participants: [.init(id: "a", name: "A"), .init(id: "b", name: "B")], createdAt: Self.t0
        )
        let endsAt = Self.t0.addingTimeInterval(60)
        #expect(VotingWindowMachine.restore(battle: battle, window: (endsAt, false)).phase == .open(endsAt: endsAt))
        #expect(VotingWindowMachine.restore(battle: battle, window: (endsAt, true)).phase == .closed)
        var lobby = battle
        lobby.status = .inProgress
        #expect(VotingWindowMachine.restore(battle: lobby, window: nil).phase == .notOpen)
    }
}
