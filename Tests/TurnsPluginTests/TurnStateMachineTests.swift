import BattlePlugin
import Foundation
import Runtime
import Testing

@testable import TurnsPlugin

/// The rules alone: every transition of ``TurnStateMachine`` with no runtime, database or clock.
@Suite struct TurnStateMachineTests {
    typealias Machine = TurnStateMachine
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let rules = Machine.Rules(countdownSeconds: 5, turnSeconds: 60, missedTurn: .skip, maxTurnChars: 20)

    static func machine(rules: Machine.Rules = rules, rounds: Int = 2) -> Machine {
        Machine(battleId: "btl_1", rules: rules, participants: ["a", "b"], rounds: rounds)
    }

    static func submission(_ agent: String?, _ content: String = "hello", clientTurnId: String? = nil, id: String) -> Machine.Submission {
        .init(agentId: agent, content: content, clientTurnId: clientTurnId, turnId: id)
    }

    /// A machine whose first turn is open at `t0 + 5`.
    static func started(rules: Machine.Rules = rules, rounds: Int = 2) throws -> Machine {
        var m = machine(rules: rules, rounds: rounds)
        _ = try m.handle(.participantsPresent, now: t0)
        _ = try m.handle(.countdownElapsed, now: t0 + 5)
        return m
    }

    @Test func theCountdownStartsOnceWhenEveryParticipantIsPresent() throws {
        var m = Self.machine()
        let startsAt = Self.t0 + 5
        #expect(
            try m.handle(.participantsPresent, now: Self.t0) == [
                .saveProgress(.init(nextPosition: 0, startsAt: startsAt)),
                .setStatus(.starting, round: 0),
                .announceStarting(startsAt: startsAt, countdownSeconds: 5),
                .scheduleCountdown(at: startsAt),
            ])
        #expect(m.phase == .countdown(startsAt: startsAt))
        #expect(try m.handle(.participantsPresent, now: Self.t0 + 1) == [])
    }

    @Test func theCountdownOpensTheFirstTurnForTheFirstParticipant() throws {
        var m = Self.machine()
        #expect(try m.handle(.countdownElapsed, now: Self.t0) == [], "no countdown runs in the lobby")
        _ = try m.handle(.participantsPresent, now: Self.t0)
        let deadline = Self.t0 + 65
        #expect(
            try m.handle(.countdownElapsed, now: Self.t0 + 5) == [
                .setStatus(.inProgress, round: 1),
                .saveProgress(.init(nextPosition: 0, startsAt: Self.t0 + 5, deadline: deadline)),
                .notifyTurn(agentId: "a", round: 1, deadline: deadline),
                .scheduleDeadline(position: 0, at: deadline),
            ])
        #expect(m.openTurn?.agentId == "a")
        #expect(try m.handle(.countdownElapsed, now: Self.t0 + 6) == [])
    }

    @Test func submissionsAreCheckedInOrderWithTheirErrorCodes() throws {
        var m = Self.machine()
        #expect(throws: ArenaError.self) { try m.admit(Self.submission("a", id: "t"), status: .lobby) }
        #expect(code { try m.admit(Self.submission("a", String(repeating: "x", count: 21), id: "t"), status: .lobby) } == .contentTooLong)
        #expect(code { try m.admit(Self.submission(nil, id: "t"), status: .lobby) } == .notParticipant)
        #expect(code { try m.admit(Self.submission("z", id: "t"), status: .lobby) } == .notParticipant)
        #expect(code { try m.admit(Self.submission("a", id: "t"), status: .lobby) } == .battleNotInProgress)
        m = try Self.started()
        #expect(code { try m.admit(Self.submission("b", id: "t"), status: .inProgress) } == .notYourTurn)
        #expect(try m.admit(Self.submission("a", id: "t"), status: .inProgress) == .fresh)
        var message = ""
        do { _ = try Self.machine().admit(Self.submission("a", id: "t"), status: .starting) } catch { message = error.message }
        #expect(message == "battle btl_1 is STARTING")
    }

    @Test func anAcceptedTurnIsStoredWithTheNextTurnThenAnnouncedAndTheNextAgentIsTold() throws {
        var m = try Self.started()
        let now = Self.t0 + 10
        let turn = Machine.NewTurn(turnId: "t1", position: 0, round: 1, agentId: "a", content: "hello", clientTurnId: "c1")
        let next = now + 60
        #expect(
            try m.handle(.submit(Self.submission("a", clientTurnId: "c1", id: "t1")), now: now) == [
                .storeTurn(turn, next: .init(nextPosition: 1, startsAt: Self.t0 + 5, deadline: next)),
                .announceTurn(turn),
                .react(turn),
                .notifyTurn(agentId: "b", round: 1, deadline: next),
                .scheduleDeadline(position: 1, at: next),
            ])
        #expect(try m.admit(Self.submission("a", clientTurnId: "c1", id: "other"), status: .inProgress) == .retry(.init(turnId: "t1", round: 1)))
        #expect(code { try m.admit(Self.submission("b", clientTurnId: "c1", id: "x"), status: .inProgress) } == nil, "a client id is the agent's own")
        #expect(code { try m.admit(Self.submission("a", id: "t2"), status: .inProgress) } == .notYourTurn)
    }

    @Test func aNewRoundChangesTheBattlesStatusBeforeItsFirstTurn() throws {
        var m = try Self.started()
        _ = try m.handle(.submit(Self.submission("a", id: "t1")), now: Self.t0 + 6)
        let actions = try m.handle(.submit(Self.submission("b", id: "t2")), now: Self.t0 + 7)
        #expect(
            Array(actions.dropFirst(3)) == [
                .setStatus(.inProgress, round: 2),
                .notifyTurn(agentId: "a", round: 2, deadline: Self.t0 + 67),
                .scheduleDeadline(position: 2, at: Self.t0 + 67),
            ])
        #expect(m.round == 2)
    }

    @Test func theLastTurnEndsTheBattleAndAsksTheJudge() throws {
        var m = try Self.started(rounds: 1)
        _ = try m.handle(.submit(Self.submission("a", id: "t1")), now: Self.t0 + 6)
        let actions = try m.handle(.submit(Self.submission("b", id: "t2")), now: Self.t0 + 7)
        let turn = Machine.NewTurn(turnId: "t2", position: 1, round: 1, agentId: "b", content: "hello", clientTurnId: nil)
        #expect(
            actions == [
                .storeTurn(turn, next: .init(nextPosition: 2, startsAt: Self.t0 + 5, endedReason: "completed")),
                .announceTurn(turn),
                .react(turn),
                .announceEnd(reason: "completed"),
                .judge(forfeitedBy: nil),
            ])
        #expect(m.phase == .ended(reason: "completed", forfeitedBy: nil))
        #expect(code { try m.admit(Self.submission("a", id: "t3"), status: .inProgress) } == .battleNotInProgress)
        #expect(try m.handle(.verdictRecorded, now: Self.t0 + 8) == [])
        #expect(m.phase == .over)
    }

    @Test func aMissedDeadlineSkipsToTheNextTurn() throws {
        var m = try Self.started()
        let deadline = Self.t0 + 65
        #expect(try m.handle(.deadlinePassed(position: 0), now: deadline - 1) == [], "not yet")
        #expect(try m.handle(.deadlinePassed(position: 1), now: deadline) == [], "not the open turn")
        #expect(
            try m.handle(.deadlinePassed(position: 0), now: deadline) == [
                .announceSkip(agentId: "a", round: 1),
                .saveProgress(.init(nextPosition: 1, startsAt: Self.t0 + 5, deadline: deadline + 60)),
                .notifyTurn(agentId: "b", round: 1, deadline: deadline + 60),
                .scheduleDeadline(position: 1, at: deadline + 60),
            ])
        #expect(try m.handle(.deadlinePassed(position: 0), now: deadline + 1) == [], "a stale timer does nothing")
    }

    @Test func aMissedDeadlineForfeitsWhenConfigured() throws {
        var rules = Self.rules
        rules.missedTurn = .forfeit
        var m = try Self.started(rules: rules)
        #expect(
            try m.handle(.deadlinePassed(position: 0), now: Self.t0 + 65) == [
                .saveProgress(.init(nextPosition: 0, startsAt: Self.t0 + 5, endedReason: "forfeit", forfeitedBy: "a")),
                .announceEnd(reason: "forfeit"),
                .judge(forfeitedBy: "a"),
            ])
    }

    @Test func resumingReArmsWhatWasArmed() throws {
        var lobby = Self.machine()
        #expect(try lobby.handle(.resumed, now: Self.t0) == [])
        var countdown = Self.machine()
        _ = try countdown.handle(.participantsPresent, now: Self.t0)
        #expect(try countdown.handle(.resumed, now: Self.t0 + 100) == [.scheduleCountdown(at: Self.t0 + 5)])
        var turn = try Self.started()
        #expect(try turn.handle(.resumed, now: Self.t0 + 100) == [.scheduleDeadline(position: 0, at: Self.t0 + 65)])
        var ended = try Self.started(
            rules: {
                var r = Self.rules; r.missedTurn = .forfeit; return r
            }())
        _ = try ended.handle(.deadlinePassed(position: 0), now: Self.t0 + 65)
        #expect(try ended.handle(.resumed, now: Self.t0 + 100) == [.judge(forfeitedBy: "a")])
    }

    @Test func restoringFromWhatWasPersisted() throws {
        func restore(_ status: BattleStatus, _ progress: Machine.Progress?) -> Machine {
            Machine.restore(
                battleId: "btl_1", rules: Self.rules, participants: ["a", "b"], rounds: 2, status: status, round: 1,
                progress: progress, accepted: [.init(agentId: "a", clientTurnId: "c1"): .init(turnId: "t1", round: 1)]
            )
        }
        #expect(restore(.lobby, nil).phase == .lobby)
        #expect(restore(.starting, .init(nextPosition: 0, startsAt: Self.t0)).phase == .countdown(startsAt: Self.t0))
        #expect(restore(.inProgress, .init(nextPosition: 3, deadline: Self.t0)).phase == .turn(position: 3, deadline: Self.t0))
        #expect(restore(.inProgress, .init(nextPosition: 4, endedReason: "completed")).phase == .ended(reason: "completed", forfeitedBy: nil))
        #expect(restore(.voting, nil).phase == .over)
        #expect(restore(.completed, nil).phase == .over)
        // Stopped between a stored turn and the next deadline: the turn opens again when resumed.
        var between = restore(.inProgress, .init(nextPosition: 1))
        #expect(
            try between.handle(.resumed, now: Self.t0) == [
                .saveProgress(.init(nextPosition: 1, deadline: Self.t0 + 60)),
                .notifyTurn(agentId: "b", round: 1, deadline: Self.t0 + 60),
                .scheduleDeadline(position: 1, at: Self.t0 + 60),
            ])
        #expect(
            try restore(.inProgress, nil).admit(Self.submission("a", clientTurnId: "c1", id: "x"), status: .inProgress)
                == .retry(.init(turnId: "t1", round: 1)))
    }
}

/// The error code a check throws, nil when it passes.
func code(_ check: () throws -> Any) -> ErrorCode? {
    do {
        _ = try check()
        return nil
    } catch {
        return (error as? ArenaError)?.code ?? "NOT_AN_ARENA_ERROR"
    }
}

extension Date {
    static func + (date: Date, seconds: Double) -> Date { date.addingTimeInterval(seconds) }
    static func - (date: Date, seconds: Double) -> Date { date.addingTimeInterval(-seconds) }
}
