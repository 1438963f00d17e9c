import BattlePlugin
import Foundation
import Runtime

/// The rules of a battle in mode `full`, as a value: `(state, input, now) -> (state, [Action])`.
/// Countdown, turn order, deadlines with skip or forfeit, the end. No I/O, no clock, no actor:
/// the battle's owner feeds it inputs and performs the actions it returns, in order (persist,
/// then announce), so every rule is tested without a database.
struct TurnStateMachine: Sendable, Equatable {
    struct Rules: Sendable, Equatable {
        var countdownSeconds: Double
        var turnSeconds: Double
        var missedTurn: TurnsOptions.MissedTurn
        var maxTurnChars: Int
    }

    enum Phase: Sendable, Equatable {
        /// Waiting for every participant.
        case lobby
        case countdown(startsAt: Date)
        /// The turn at `position` (0-based, across rounds) is open; no deadline yet right after
        /// a restart that stopped between two turns.
        case turn(position: Int, deadline: Date?)
        /// The turns are over; the verdict is pending.
        case ended(reason: String, forfeitedBy: String?)
        /// Judged: the battle's conclusion (a vote, or completion) has it now.
        case over
    }

    /// What is persisted of the machine (the `turns_progress` row): enough to restore it.
    struct Progress: Sendable, Equatable {
        var nextPosition: Int
        var startsAt: Date?
        var deadline: Date?
        var endedReason: String?
        var forfeitedBy: String?
    }

    struct Submission: Sendable, Equatable {
        var agentId: String?
        var content: String
        var clientTurnId: String?
        /// Chosen by the caller (ids are random; the machine is not).
        var turnId: String
    }

    struct NewTurn: Sendable, Equatable {
        var turnId: String
        var position: Int
        var round: Int
        var agentId: String
        var content: String
        var clientTurnId: String?
    }

    struct AcceptedTurn: Sendable, Equatable {
        var turnId: String
        var round: Int
    }

    struct ClientTurnKey: Hashable, Sendable {
        var agentId: String
        var clientTurnId: String
    }

    enum Input: Sendable, Equatable {
        case participantsPresent
        case countdownElapsed
        case submit(Submission)
        case deadlinePassed(position: Int)
        /// The owner took the battle over (start-up, or another instance): re-arm what was armed.
        case resumed
        case verdictRecorded
    }

    enum Action: Sendable, Equatable {
        case saveProgress(Progress)
        /// `battle:state` (logged).
        case setStatus(BattleStatus, round: Int)
        /// `battle:starting` (logged).
        case announceStarting(startsAt: Date, countdownSeconds: Double)
        case scheduleCountdown(at: Date)
        /// The turn and the progress after it, in one transaction.
        case storeTurn(NewTurn, next: Progress)
        /// `battle:turn` (logged).
        case announceTurn(NewTurn)
        /// Commentary and speech for the turn: jobs, after the acknowledgement.
        case react(NewTurn)
        /// `battle:your_turn` to the agent's connections.
        case notifyTurn(agentId: String, round: Int, deadline: Date)
        case scheduleDeadline(position: Int, at: Date)
        /// `battle:turn_skipped`.
        case announceSkip(agentId: String, round: Int)
        /// `battle:ended` (logged).
        case announceEnd(reason: String)
        /// Ask the judge (a job); its verdict comes back as `verdictRecorded`.
        case judge(forfeitedBy: String?)
    }

    enum Admission: Sendable, Equatable {
        /// A retry of a turn already accepted under the same `clientTurnId`: the same answer.
        case retry(AcceptedTurn)
        case fresh
    }

    let battleId: String
    let rules: Rules
    let participants: [String]
    let rounds: Int
    private(set) var phase: Phase
    /// The round the battle's status shows.
    private(set) var round: Int
    private(set) var startsAt: Date?
    private(set) var accepted: [ClientTurnKey: AcceptedTurn]

    init(
        battleId: String, rules: Rules, participants: [String], rounds: Int,
        phase: Phase = .lobby, round: Int = 0, startsAt: Date? = nil, accepted: [ClientTurnKey: AcceptedTurn] = [:]
    ) {
        self.battleId = battleId
        self.rules = rules
        self.participants = participants
        self.rounds = rounds
        self.phase = phase
        self.round = round
        self.startsAt = startsAt
        self.accepted = accepted
    }

    var totalTurns: Int { rounds * participants.count }

    func roundOf(_ position: Int) -> Int { position / max(participants.count, 1) + 1 }

    func agent(at position: Int) -> String { participants[position % participants.count] }

    /// Whose turn it is, with its round and deadline, while a turn is open.
    var openTurn: (agentId: String, round: Int, deadline: Date)? {
        guard case .turn(let position, let deadline?) = phase else { return nil }
        return (agent(at: position), roundOf(position), deadline)
    }

    // MARK: Submissions

    /// Checks a submission without changing anything. `status` is the battle's, for the message.
    func admit(_ submission: Submission, status: BattleStatus) throws(ArenaError) -> Admission {
        guard submission.content.count <= rules.maxTurnChars else {
            throw ArenaError(.contentTooLong, "content is longer than \(rules.maxTurnChars) characters")
        }
        guard let agentId = submission.agentId, participants.contains(agentId) else {
            throw ArenaError(.notParticipant, "only the battle's agents submit turns", status: .forbidden)
        }
        if let clientTurnId = submission.clientTurnId, let earlier = accepted[ClientTurnKey(agentId: agentId, clientTurnId: clientTurnId)] {
            return .retry(earlier)
        }
        guard case .turn(let position, _) = phase else {
            throw ArenaError(.battleNotInProgress, "battle \(battleId) is \(status.rawValue)", status: .conflict)
        }
        guard agent(at: position) == agentId else {
            throw ArenaError(.notYourTurn, "it is not your turn", status: .conflict)
        }
        return .fresh
    }

    // MARK: Transitions

    mutating func handle(_ input: Input, now: Date) throws(ArenaError) -> [Action] {
        switch input {
        case .participantsPresent:
            guard phase == .lobby else { return [] }
            let startsAt = now.addingTimeInterval(rules.countdownSeconds)
            phase = .countdown(startsAt: startsAt)
            self.startsAt = startsAt
            return [
                .saveProgress(Progress(nextPosition: 0, startsAt: startsAt)),
                .setStatus(.starting, round: 0),
                .announceStarting(startsAt: startsAt, countdownSeconds: rules.countdownSeconds),
                .scheduleCountdown(at: startsAt),
            ]

        case .countdownElapsed:
            guard case .countdown = phase else { return [] }
            round = 1
            return [.setStatus(.inProgress, round: 1)] + begin(0, now: now)

        case .submit(let submission):
            guard case .fresh = try admit(submission, status: .inProgress), case .turn(let position, _) = phase,
                let agentId = submission.agentId
            else { return [] }
            let turn = NewTurn(
                turnId: submission.turnId, position: position, round: roundOf(position), agentId: agentId,
                content: submission.content, clientTurnId: submission.clientTurnId
            )
            if let clientTurnId = submission.clientTurnId {
                accepted[ClientTurnKey(agentId: agentId, clientTurnId: clientTurnId)] = AcceptedTurn(turnId: turn.turnId, round: turn.round)
            }
            var next = begin(position + 1, now: now)
            guard let saved = next.firstIndex(where: { if case .saveProgress = $0 { true } else { false } }),
                case .saveProgress(let progress) = next.remove(at: saved)
            else { return [] }
            return [.storeTurn(turn, next: progress), .announceTurn(turn), .react(turn)] + next

        case .deadlinePassed(let position):
            guard case .turn(position, let deadline?) = phase, deadline <= now else { return [] }
            let agentId = agent(at: position)
            switch rules.missedTurn {
            case .skip:
                return [.announceSkip(agentId: agentId, round: roundOf(position))] + begin(position + 1, now: now)
            case .forfeit:
                return end(at: position, reason: "forfeit", forfeitedBy: agentId)
            }

        case .resumed:
            switch phase {
            case .lobby, .over:
                return []
            case .countdown(let startsAt):
                return [.scheduleCountdown(at: startsAt)]
            case .turn(let position, let deadline?):
                return [.scheduleDeadline(position: position, at: deadline)]
            case .turn(let position, nil):
                return begin(position, now: now)
            case .ended(_, let forfeitedBy):
                return [.judge(forfeitedBy: forfeitedBy)]
            }

        case .verdictRecorded:
            guard case .ended = phase else { return [] }
            phase = .over
            return []
        }
    }

    /// Opens the turn at `position`, or ends the battle when every turn is done.
    private mutating func begin(_ position: Int, now: Date) -> [Action] {
        guard position < totalTurns else { return end(at: position, reason: "completed", forfeitedBy: nil) }
        var actions: [Action] = []
        let turnRound = roundOf(position)
        if turnRound != round {
            round = turnRound
            actions.append(.setStatus(.inProgress, round: turnRound))
        }
        let deadline = now.addingTimeInterval(rules.turnSeconds)
        phase = .turn(position: position, deadline: deadline)
        actions += [
            .saveProgress(Progress(nextPosition: position, startsAt: startsAt, deadline: deadline)),
            .notifyTurn(agentId: agent(at: position), round: turnRound, deadline: deadline),
            .scheduleDeadline(position: position, at: deadline),
        ]
        return actions
    }

    private mutating func end(at position: Int, reason: String, forfeitedBy: String?) -> [Action] {
        phase = .ended(reason: reason, forfeitedBy: forfeitedBy)
        return [
            .saveProgress(Progress(nextPosition: position, startsAt: startsAt, endedReason: reason, forfeitedBy: forfeitedBy)),
            .announceEnd(reason: reason),
            .judge(forfeitedBy: forfeitedBy),
        ]
    }

    // MARK: Restoring

    /// The machine as persisted: the battle's status and round, its progress row, and the turns
    /// accepted under a client id.
    static func restore(
        battleId: String, rules: Rules, participants: [String], rounds: Int, status: BattleStatus, round: Int,
        progress: Progress?, accepted: [ClientTurnKey: AcceptedTurn]
    ) -> TurnStateMachine {
        let phase: Phase
        switch status {
        case .lobby:
            phase = .lobby
        case .starting:
            phase = .countdown(startsAt: progress?.startsAt ?? .distantPast)
        case .inProgress:
            if let reason = progress?.endedReason {
                phase = .ended(reason: reason, forfeitedBy: progress?.forfeitedBy)
            } else {
                phase = .turn(position: progress?.nextPosition ?? 0, deadline: progress?.deadline)
            }
        case .voting, .completed, .cancelled:
            phase = .over
        }
        return TurnStateMachine(
            battleId: battleId, rules: rules, participants: participants, rounds: rounds,
            phase: phase, round: round, startsAt: progress?.startsAt, accepted: accepted
        )
    }
}
