import Foundation
import BattlePlugin
import Runtime

/// `battle:vote {"battleId","agentId"}`
public struct CastVote: ClientEvent {
    public typealias Reply = VoteRecorded
    public static let name = "battle:vote"
    public var battleId: String
    public var agentId: String

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
}

/// `battle:voting_open` (logged)
struct VotingOpen: ServerEvent {
    static let name = "battle:voting_open"
    var battleId: String
    var endsAt: Date
    var choices: [String]
}

/// `battle:vote_update {"battleId","counts","total"}`, at most 4 a second while votes come in.
struct VoteUpdate: ServerEvent {
    static let name = "battle:vote_update"
    var battleId: String
    var counts: [String: Int]
    var total: Int
}

extension ErrorCode {
    public static let votingClosed: ErrorCode = "VOTING_CLOSED"
    public static let alreadyVoted: ErrorCode = "ALREADY_VOTED"
    public static let invalidChoice: ErrorCode = "INVALID_CHOICE"
    public static let cannotVoteOwnBattle: ErrorCode = "CANNOT_VOTE_OWN_BATTLE"
    /// The voter is refused by `voters` or `min_agent_age_seconds`.
    public static let notEligibleToVote: ErrorCode = "NOT_ELIGIBLE_TO_VOTE"
}

/// A vote on its way to the battle's owner (on this instance or another).
struct VoteSubmission: BattleInput {
    typealias Reply = VoteRecorded
    static let topic = "voting.vote"
    var battleId: String
    /// Who votes: the agent, or the client's address for anonymous spectators.
    var voter: String
    var voterAgentId: String?
    var choice: String
    /// When the voter's connection joined the battle's room (nil: it is not in it), read on the
    /// voter's instance, for `voters = "present_before_voting"`.
    var joinedRoomAt: Date?
    /// When the voting agent was created, for `min_agent_age_seconds`.
    var voterAgentCreatedAt: Date?
}
