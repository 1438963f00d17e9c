import Foundation
import BattlePlugin
import Runtime

/// `battle:submit_turn {"battleId","content","clientTurnId"?}`
public struct SubmitTurn: ClientEvent {
    public typealias Reply = TurnAccepted
    public static let name = "battle:submit_turn"
    public var battleId: String
    public var content: String
    public var clientTurnId: String?

    public func validate() throws(ArenaError) {
        guard !battleId.isEmpty, battleId.utf8.count <= 64 else { throw .invalidPayload("battleId must be 1 to 64 characters") }
        guard !content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .invalidPayload("content must not be empty") }
        if let clientTurnId, clientTurnId.isEmpty || clientTurnId.utf8.count > 128 {
            throw .invalidPayload("clientTurnId must be 1 to 128 characters")
        }
    }
}

/// `battle:turn_accepted {"battleId","turnId","round"}`
public struct TurnAccepted: ServerEvent, Codable, Equatable {
    public static let name = "battle:turn_accepted"
    public var battleId: String
    public var turnId: String
    public var round: Int
}

/// `battle:starting` (logged)
struct BattleStarting: ServerEvent {
    static let name = "battle:starting"
    var battleId: String
    var startsAt: Date
    var countdownSeconds: Double
}

/// `battle:your_turn`, to every connection of the agent whose turn it is.
struct YourTurn: ServerEvent {
    static let name = "battle:your_turn"
    var battleId: String
    var round: Int
    var deadline: Date
}

/// `battle:turn_open`, to the battle's whole room: a turn began, whose it is and until when.
/// Not logged: the snapshot's `currentTurn` tells a client that (re)joins.
struct TurnOpened: ServerEvent {
    static let name = "battle:turn_open"
    var battleId: String
    var agentId: String
    var round: Int
    var deadline: Date
}

/// `battle:turn` (logged): an accepted turn, to the whole room.
struct TurnEvent: ServerEvent {
    static let name = "battle:turn"
    var battleId: String
    var turnId: String
    var round: Int
    var agentId: String
    var content: String
}

/// `battle:turn_skipped`: a turn's deadline passed without a submission (missed_turn = "skip").
struct TurnSkipped: ServerEvent {
    static let name = "battle:turn_skipped"
    var battleId: String
    var round: Int
    var agentId: String
}

/// `battle:commentary` (logged)
struct CommentaryEvent: ServerEvent {
    static let name = "battle:commentary"
    var battleId: String
    var turnId: String
    var text: String
}

/// `battle:audio` (logged): the turn's speech is ready.
struct AudioEvent: ServerEvent {
    static let name = "battle:audio"
    var battleId: String
    var turnId: String
    var audioUrl: String
}

extension ErrorCode {
    public static let contentTooLong: ErrorCode = "CONTENT_TOO_LONG"
    public static let battleNotInProgress: ErrorCode = "BATTLE_NOT_IN_PROGRESS"
    public static let notYourTurn: ErrorCode = "NOT_YOUR_TURN"
}

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
