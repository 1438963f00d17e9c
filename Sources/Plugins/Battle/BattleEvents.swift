import Foundation
import Runtime
import SocketIOProtocol

/// `battle:join {"battleId","role"?,"sinceSeq"?}`
public struct JoinBattle: ClientEvent {
    public typealias Reply = BattleConnected
    public static let name = "battle:join"
    public var battleId: String
    public var role: Identity.Role?
    public var sinceSeq: Int?

    public func validate() throws(ArenaError) {
        try BattleId.validate(battleId)
        if let sinceSeq, sinceSeq < 0 { throw .invalidPayload("sinceSeq must be 0 or more") }
    }
}

/// `battle:connected {"battleId","role","battle":SNAPSHOT}`
public struct BattleConnected: ServerEvent {
    public static let name = "battle:connected"
    public var battleId: String
    public var role: Identity.Role
    public var battle: JSONValue
}

/// `battle:leave {"battleId"}`
public struct LeaveBattle: ClientEvent {
    public typealias Reply = BattleLeft
    public static let name = "battle:leave"
    public var battleId: String

    public func validate() throws(ArenaError) {
        try BattleId.validate(battleId)
    }
}

/// `battle:left {"battleId"}`
public struct BattleLeft: ServerEvent {
    public static let name = "battle:left"
    public var battleId: String
}

/// `battle:participant_joined`: an agent of the battle came into the room (its first connection).
public struct ParticipantJoined: ServerEvent {
    public static let name = "battle:participant_joined"
    public var battleId: String
    public var role: Identity.Role = .agent
    public var agentId: String
    public var name: String
}

/// `battle:participant_left`: an agent's last connection left the room.
public struct ParticipantLeft: ServerEvent {
    public static let name = "battle:participant_left"
    public var battleId: String
    public var role: Identity.Role = .agent
    public var agentId: String
    public var name: String
}

/// `battle:presence`: who is here, at most once a second while it changes. Spectators are
/// counted, not announced one by one.
public struct BattlePresence: ServerEvent {
    public static let name = "battle:presence"
    public var battleId: String
    public var agentsOnline: [String]
    public var spectators: Int
}

/// `battle:state` (logged): the battle's status changed.
public struct BattleStateChanged: ServerEvent {
    public static let name = "battle:state"
    public var battleId: String
    public var status: BattleStatus
    public var round: Int

    public init(battleId: String, status: BattleStatus, round: Int) {
        self.battleId = battleId
        self.status = status
        self.round = round
    }
}

/// Bus: every participant agent is in the battle's room (the Turns plugin starts the battle).
public struct BattleReady: BusEvent {
    public let battleId: String
}

/// Bus: a connection joined a battle (the Turns plugin re-sends `battle:your_turn`).
public struct BattleJoined: BusEvent {
    public let battleId: String
    public let connection: Connection
    public let role: Identity.Role
}

enum BattleId {
    static func validate(_ id: String) throws(ArenaError) {
        guard !id.isEmpty, id.utf8.count <= 64 else { throw .invalidPayload("battleId must be 1 to 64 characters") }
    }
}
