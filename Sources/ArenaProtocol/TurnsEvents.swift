import Foundation

/// `battle:submit_turn {"battleId","content","clientTurnId"?}`
public struct SubmitTurn: ClientEvent {
    public typealias Reply = TurnAccepted
    public static let name = "battle:submit_turn"
    public static let errors: [ErrorCode] = [
        .contentTooLong, .battleNotFound, .notParticipant, .battleNotInProgress, .notYourTurn, .battleUnavailable,
    ]
    public var battleId: String
    public var content: String
    public var clientTurnId: String?

    public init(battleId: String, content: String, clientTurnId: String? = nil) {
        self.battleId = battleId
        self.content = content
        self.clientTurnId = clientTurnId
    }

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

    public init(battleId: String, turnId: String, round: Int) {
        self.battleId = battleId
        self.turnId = turnId
        self.round = round
    }
}

/// `battle:starting` (logged)
public struct BattleStarting: LoggedEvent {
    public static let name = "battle:starting"
    public var battleId: String
    public var startsAt: Date
    public var countdownSeconds: Double

    public init(battleId: String, startsAt: Date, countdownSeconds: Double) {
        self.battleId = battleId
        self.startsAt = startsAt
        self.countdownSeconds = countdownSeconds
    }
}

/// `battle:your_turn`, to every connection of the agent whose turn it is.
public struct YourTurn: ServerEvent {
    public static let name = "battle:your_turn"
    public var battleId: String
    public var round: Int
    public var deadline: Date

    public init(battleId: String, round: Int, deadline: Date) {
        self.battleId = battleId
        self.round = round
        self.deadline = deadline
    }
}

/// `battle:turn_open`, to the battle's whole room: a turn began, whose it is and until when.
/// Not logged: the snapshot's `currentTurn` tells a client that (re)joins.
public struct TurnOpened: ServerEvent {
    public static let name = "battle:turn_open"
    public var battleId: String
    public var agentId: String
    public var round: Int
    public var deadline: Date

    public init(battleId: String, agentId: String, round: Int, deadline: Date) {
        self.battleId = battleId
        self.agentId = agentId
        self.round = round
        self.deadline = deadline
    }
}

/// `battle:turn` (logged): an accepted turn, to the whole room.
public struct TurnEvent: LoggedEvent {
    public static let name = "battle:turn"
    public var battleId: String
    public var turnId: String
    public var round: Int
    public var agentId: String
    public var content: String

    public init(battleId: String, turnId: String, round: Int, agentId: String, content: String) {
        self.battleId = battleId
        self.turnId = turnId
        self.round = round
        self.agentId = agentId
        self.content = content
    }
}

/// `battle:turn_skipped`: a turn's deadline passed without a submission (missed_turn = "skip").
public struct TurnSkipped: ServerEvent {
    public static let name = "battle:turn_skipped"
    public var battleId: String
    public var round: Int
    public var agentId: String

    public init(battleId: String, round: Int, agentId: String) {
        self.battleId = battleId
        self.round = round
        self.agentId = agentId
    }
}

/// `battle:commentary` (logged)
public struct CommentaryEvent: LoggedEvent {
    public static let name = "battle:commentary"
    public var battleId: String
    public var turnId: String
    public var text: String

    public init(battleId: String, turnId: String, text: String) {
        self.battleId = battleId
        self.turnId = turnId
        self.text = text
    }
}

/// `battle:audio` (logged): the turn's speech is ready.
public struct AudioEvent: LoggedEvent {
    public static let name = "battle:audio"
    public var battleId: String
    public var turnId: String
    public var audioUrl: String

    public init(battleId: String, turnId: String, audioUrl: String) {
        self.battleId = battleId
        self.turnId = turnId
        self.audioUrl = audioUrl
    }
}

extension ErrorCode {
    public static let contentTooLong: ErrorCode = "CONTENT_TOO_LONG"
    public static let battleNotInProgress: ErrorCode = "BATTLE_NOT_IN_PROGRESS"
    public static let notYourTurn: ErrorCode = "NOT_YOUR_TURN"
}
