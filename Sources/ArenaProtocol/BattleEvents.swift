import Foundation
import SocketIOProtocol

/// `battle:join {"battleId","role"?,"sinceSeq"?}`
public struct JoinBattle: ClientEvent {
    public typealias Reply = BattleConnected
    public static let name = "battle:join"
    public static let errors: [ErrorCode] = [.battleNotFound, .notParticipant, .privateBattle]
    public var battleId: String
    public var role: Identity.Role?
    public var sinceSeq: Int?

    public init(battleId: String, role: Identity.Role? = nil, sinceSeq: Int? = nil) {
        self.battleId = battleId
        self.role = role
        self.sinceSeq = sinceSeq
    }

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

    public init(battleId: String, role: Identity.Role, battle: JSONValue) {
        self.battleId = battleId
        self.role = role
        self.battle = battle
    }
}

/// `battle:leave {"battleId"}`
public struct LeaveBattle: ClientEvent {
    public typealias Reply = BattleLeft
    public static let name = "battle:leave"
    public static let errors: [ErrorCode] = [.notInBattle]
    public var battleId: String

    public init(battleId: String) {
        self.battleId = battleId
    }

    public func validate() throws(ArenaError) {
        try BattleId.validate(battleId)
    }
}

/// `battle:left {"battleId"}`
public struct BattleLeft: ServerEvent {
    public static let name = "battle:left"
    public var battleId: String

    public init(battleId: String) {
        self.battleId = battleId
    }
}

/// `battle:participant_joined`: an agent of the battle came into the room (its first connection).
public struct ParticipantJoined: ServerEvent {
    public static let name = "battle:participant_joined"
    public var battleId: String
    public var role: Identity.Role = .agent
    public var agentId: String
    public var name: String

    public init(battleId: String, role: Identity.Role = .agent, agentId: String, name: String) {
        self.battleId = battleId
        self.role = role
        self.agentId = agentId
        self.name = name
    }
}

/// `battle:participant_left`: an agent's last connection left the room.
public struct ParticipantLeft: ServerEvent {
    public static let name = "battle:participant_left"
    public var battleId: String
    public var role: Identity.Role = .agent
    public var agentId: String
    public var name: String

    public init(battleId: String, role: Identity.Role = .agent, agentId: String, name: String) {
        self.battleId = battleId
        self.role = role
        self.agentId = agentId
        self.name = name
    }
}

/// `battle:presence`: who is here, at most once a second while it changes. Spectators are
/// counted, not announced one by one.
public struct BattlePresence: ServerEvent {
    public static let name = "battle:presence"
    public var battleId: String
    public var agentsOnline: [String]
    public var spectators: Int

    public init(battleId: String, agentsOnline: [String], spectators: Int) {
        self.battleId = battleId
        self.agentsOnline = agentsOnline
        self.spectators = spectators
    }
}

/// `battle:state` (logged): the battle's status changed.
public struct BattleStateChanged: LoggedEvent {
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

/// The one check of a battle id, for every event that names one.
package enum BattleId {
    package static func validate(_ id: String) throws(ArenaError) {
        guard !id.isEmpty, id.utf8.count <= 64 else { throw .invalidPayload("battleId must be 1 to 64 characters") }
    }
}

/// `battle:ended` (logged): the turns are over, by the last turn or a forfeit.
public struct BattleEnded: LoggedEvent {
    public static let name = "battle:ended"
    public var battleId: String
    public var reason: String

    public init(battleId: String, reason: String) {
        self.battleId = battleId
        self.reason = reason
    }
}

/// `battle:results` (logged): the final result, announced once.
public struct BattleResultsEvent: LoggedEvent {
    public static let name = "battle:results"
    public var battleId: String
    public var votes: [String: Int]
    public var judge: JSONValue?
    public var winnerId: String?

    public init(battleId: String, votes: [String: Int], judge: JSONValue? = nil, winnerId: String? = nil) {
        self.battleId = battleId
        self.votes = votes
        self.judge = judge
        self.winnerId = winnerId
    }

    enum CodingKeys: CodingKey { case battleId, votes, judge, winnerId }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        battleId = try container.decode(String.self, forKey: .battleId)
        votes = try container.decode([String: Int].self, forKey: .votes)
        judge = try container.decode(JSONValue?.self, forKey: .judge)  // always there, null without a verdict
        winnerId = try container.decode(String?.self, forKey: .winnerId)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(battleId, forKey: .battleId)
        try container.encode(votes, forKey: .votes)
        try container.encode(judge ?? .null, forKey: .judge)  // null, not absent, as the contract shows
        try container.encode(winnerId, forKey: .winnerId)
    }
}
