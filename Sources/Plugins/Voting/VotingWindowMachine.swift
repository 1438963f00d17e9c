import BattlePlugin
import Foundation
import Runtime

/// The rules of one battle's vote, as a value: `(state, input, now) -> (state, [Action])`. The
/// window opens when the turns end (public battles only), takes one vote per voter (the
/// database's unique index is the final word on "one"), sends coalesced live counts at most
/// four times a second, and closes on time. No I/O and no clock: the battle's owner performs
/// the actions.
struct VotingWindowMachine: Sendable, Equatable {
    /// At most four live count updates a second, however fast votes arrive.
    static let updateInterval = 0.25

    enum Phase: Sendable, Equatable {
        case notOpen
        case open(endsAt: Date)
        case closed
    }

    struct Vote: Sendable, Equatable {
        var voter: String
        /// The voter's agent, when the voter is an agent.
        var voterAgentId: String?
        var choice: String
    }

    enum Input: Sendable, Equatable {
        /// The turns are over.
        case turnsEnded(windowSeconds: Double)
        /// The vote was stored (the database took it as the voter's first).
        case voteStored
        case updateDue
        case closeDue
    }

    enum Action: Sendable, Equatable {
        /// A private battle has no spectators to vote: the judge decides at once.
        case completeWithJudge
        case storeWindow(endsAt: Date)
        /// `battle:state` VOTING (logged).
        case setVotingStatus
        /// `battle:voting_open` (logged).
        case announceOpen(endsAt: Date, choices: [String])
        case scheduleClose(at: Date)
        /// `battle:vote_update` with the counts as stored now.
        case sendCounts
        case scheduleUpdate(at: Date)
        /// Close the window in the database and complete the battle with its counts.
        case closeAndComplete
    }

    let battleId: String
    let participants: [String]
    let isPublic: Bool
    private(set) var phase: Phase
    private(set) var lastUpdate: Date?
    private(set) var updateScheduled = false

    init(battleId: String, participants: [String], isPublic: Bool, phase: Phase = .notOpen) {
        self.battleId = battleId
        self.participants = participants
        self.isPublic = isPublic
        self.phase = phase
    }

    /// Checks a vote; the caller stores it and reports `voteStored`.
    func admit(_ vote: Vote, now: Date) throws(ArenaError) {
        if !isPublic && !participants.contains(vote.voterAgentId ?? "") {
            throw ArenaError(.privateBattle, "battle \(battleId) is private to its participants", status: .forbidden)
        }
        guard case .open(let endsAt) = phase, endsAt > now else {
            throw ArenaError(.votingClosed, "voting is not open for battle \(battleId)", status: .conflict)
        }
        guard participants.contains(vote.choice) else {
            throw ArenaError(.invalidChoice, "\(vote.choice) is not one of the battle's agents")
        }
        if let agentId = vote.voterAgentId, participants.contains(agentId) {
            throw ArenaError(.cannotVoteOwnBattle, "participants cannot vote in their own battle", status: .forbidden)
        }
    }

    mutating func handle(_ input: Input, now: Date) -> [Action] {
        switch input {
        case .turnsEnded(let windowSeconds):
            guard phase == .notOpen else { return [] }
            guard isPublic else {
                phase = .closed
                return [.completeWithJudge]
            }
            let endsAt = now.addingTimeInterval(windowSeconds)
            phase = .open(endsAt: endsAt)
            return [.storeWindow(endsAt: endsAt), .setVotingStatus, .announceOpen(endsAt: endsAt, choices: participants), .scheduleClose(at: endsAt)]

        case .voteStored:
            guard !updateScheduled else { return [] }
            if let last = lastUpdate, now.timeIntervalSince(last) < Self.updateInterval {
                updateScheduled = true
                return [.scheduleUpdate(at: last.addingTimeInterval(Self.updateInterval))]
            }
            lastUpdate = now
            return [.sendCounts]

        case .updateDue:
            guard updateScheduled else { return [] }
            updateScheduled = false
            lastUpdate = now
            // A last update may go out after the close: it reads the same, final counts.
            return [.sendCounts]

        case .closeDue:
            guard case .open(let endsAt) = phase else { return [] }
            guard endsAt <= now else { return [.scheduleClose(at: endsAt)] }
            phase = .closed
            return [.closeAndComplete]
        }
    }

    /// The machine as persisted: the battle and its window row, if any.
    static func restore(battle: Battle, window: (endsAt: Date, closed: Bool)?) -> VotingWindowMachine {
        let phase: Phase
        if let window {
            phase = window.closed ? .closed : .open(endsAt: window.endsAt)
        } else {
            phase = battle.status == .voting || battle.status.isFinished ? .closed : .notOpen
        }
        return VotingWindowMachine(
            battleId: battle.id, participants: battle.participants.map(\.id), isPublic: battle.visibility == .public, phase: phase
        )
    }
}
