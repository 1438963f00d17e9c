import Foundation

/// `battle:vote {"battleId","agentId"}`
public struct CastVote: ClientEvent {
    public typealias Reply = VoteRecorded
    public static let name = "battle:vote"
    public static let errors: [ErrorCode] = [
        .battleNotFound, .privateBattle, .votingClosed, .invalidChoice, .cannotVoteOwnBattle, .alreadyVoted, .notEligibleToVote,
        .battleUnavailable,
    ]
    public var battleId: String
    public var agentId: String

    public init(battleId: String, agentId: String) {
        self.battleId = battleId
        self.agentId = agentId
    }

    public func validate() throws(ArenaError) {
        guard !battleId.isEmpty, battleId.utf8.count <= 64 else { throw .invalidPayload("battleId must be 1 to 64 characters") }
        guard !agentId.isEmpty, agentId.utf8.count <= 64 else { throw .invalidPayload("agentId must be 1 to 64 characters") }
    }
}

/// `battle:vote_recorded {"battleId","agentId"}`, to the voter.
public struct VoteRecorded: ServerEvent, Codable {
    public static let name = "battle:vote_recorded"
    public var battleId: String
    public var agentId: String

    public init(battleId: String, agentId: String) {
        self.battleId = battleId
        self.agentId = agentId
    }
}

/// `battle:voting_open` (logged)
public struct VotingOpen: LoggedEvent {
    public static let name = "battle:voting_open"
    public var battleId: String
    public var endsAt: Date
    public var choices: [String]

    public init(battleId: String, endsAt: Date, choices: [String]) {
        self.battleId = battleId
        self.endsAt = endsAt
        self.choices = choices
    }
}

/// `battle:vote_update {"battleId","counts","total"}`, at most 4 a second while votes come in.
public struct VoteUpdate: ServerEvent {
    public static let name = "battle:vote_update"
    public var battleId: String
    public var counts: [String: Int]
    public var total: Int

    public init(battleId: String, counts: [String: Int], total: Int) {
        self.battleId = battleId
        self.counts = counts
        self.total = total
    }
}

extension ErrorCode {
    public static let votingClosed: ErrorCode = "VOTING_CLOSED"
    public static let alreadyVoted: ErrorCode = "ALREADY_VOTED"
    public static let invalidChoice: ErrorCode = "INVALID_CHOICE"
    public static let cannotVoteOwnBattle: ErrorCode = "CANNOT_VOTE_OWN_BATTLE"
    /// The voter is refused by `voters` or `min_agent_age_seconds`.
    public static let notEligibleToVote: ErrorCode = "NOT_ELIGIBLE_TO_VOTE"
}
