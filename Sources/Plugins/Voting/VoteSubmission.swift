import ArenaProtocol
import BattlePlugin
import Foundation
import Runtime

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
