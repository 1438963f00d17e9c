import Foundation

/// Where a battle is in its life: `LOBBY → STARTING → IN_PROGRESS → VOTING → COMPLETED`, or
/// `CANCELLED`.
public enum BattleStatus: String, Codable, Sendable, CaseIterable {
    case lobby = "LOBBY"
    case starting = "STARTING"
    case inProgress = "IN_PROGRESS"
    case voting = "VOTING"
    case completed = "COMPLETED"
    case cancelled = "CANCELLED"
}

public enum Visibility: String, Codable, Sendable, CaseIterable {
    case `public`, `private`
}

/// One participant, in turn order.
public struct Participant: Codable, Sendable, Equatable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

extension ErrorCode {
    public static let battleNotFound: ErrorCode = "BATTLE_NOT_FOUND"
    public static let notParticipant: ErrorCode = "NOT_PARTICIPANT"
    /// `[battle] creation = "closed"`: only the operator creates battles.
    public static let battleCreationClosed: ErrorCode = "BATTLE_CREATION_CLOSED"
    public static let privateBattle: ErrorCode = "PRIVATE_BATTLE"
    public static let notInBattle: ErrorCode = "NOT_IN_BATTLE"
    public static let agentNotFound: ErrorCode = "AGENT_NOT_FOUND"
    /// The instance that runs the battle cannot be reached now (it is failing over): retry
    /// after `retryAfterMs`, with the same `clientTurnId`.
    public static let battleUnavailable: ErrorCode = "BATTLE_UNAVAILABLE"
}
