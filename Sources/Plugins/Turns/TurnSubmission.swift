import ArenaProtocol
import BattlePlugin
import Runtime

/// A submitted turn on its way to the battle's owner (on this instance or another).
struct TurnSubmission: BattleInput {
    typealias Reply = TurnAccepted
    static let topic = "turns.submit"
    var battleId: String
    /// Nil for a connection without an agent (refused by the owner's rules, as before).
    var agentId: String?
    var content: String
    var clientTurnId: String?
}
