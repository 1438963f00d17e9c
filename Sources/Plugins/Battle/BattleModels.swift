import Foundation
import Runtime

/// A battle's own row (no turns, votes or results: those belong to their plugins).
public struct Battle: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var status: BattleStatus
    public var visibility: Visibility
    public var rounds: Int
    public var round: Int
    /// The last logged event's sequence number (0 before any).
    public var seq: Int
    public var participants: [Participant]
    public var createdAt: Date

    public init(
        id: String, title: String, status: BattleStatus, visibility: Visibility, rounds: Int, round: Int, seq: Int,
        participants: [Participant], createdAt: Date
    ) {
        self.id = id
        self.title = title
        self.status = status
        self.visibility = visibility
        self.rounds = rounds
        self.round = round
        self.seq = seq
        self.participants = participants
        self.createdAt = createdAt
    }

    public func isParticipant(_ agentId: String?) -> Bool {
        guard let agentId else { return false }
        return participants.contains { $0.id == agentId }
    }
}

/// Room names of the Battle plugin, built in one place.
public enum BattleRoom {
    /// Everyone in the battle.
    public static func battle(_ id: String) -> String { "battle:\(id)" }
    public static func agents(of id: String) -> String { "battle:\(id):agents" }
    public static func spectators(of id: String) -> String { "battle:\(id):spectators" }
    /// Every connection of one agent (an agent may hold several).
    public static func agent(_ agentId: String) -> String { "agent:\(agentId)" }
    /// Clients following the list of public battles (`lobby:join`).
    public static let lobby = "lobby"
}

extension ArenaError {
    public static func battleNotFound(_ id: String) -> ArenaError {
        ArenaError(.battleNotFound, "no battle \(id)", status: .notFound)
    }
}
