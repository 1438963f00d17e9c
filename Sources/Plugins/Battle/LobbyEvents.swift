import Foundation
import Runtime

/// `lobby:join {}`: follow the public battles live. The reply lists them; afterwards the
/// connection gets `lobby:battle` whenever one is created or changes (status, round, presence).
public struct JoinLobby: ClientEvent {
    public typealias Reply = LobbyConnected
    public static let name = "lobby:join"
}

/// `lobby:connected {"battles":[LobbyBattle]}`: the public battles, newest first (at most 100).
public struct LobbyConnected: ServerEvent {
    public static let name = "lobby:connected"
    public var battles: [LobbyBattle]
}

/// `lobby:battle`, to room `lobby`: one public battle as the lobby shows it, sent when it is
/// created, when its status or round changes, and when its presence changes (at most once a
/// second per battle, with `battle:presence`). Not logged: `lobby:join` answers with the list.
public struct LobbyBattle: ServerEvent, Equatable {
    public static let name = "lobby:battle"
    public var id: String
    public var title: String
    public var status: BattleStatus
    public var rounds: Int
    public var round: Int
    public var participants: [Participant]
    public var agentsOnline: [String]
    public var spectators: Int
    public var createdAt: Date

    init(_ battle: Battle, presence: LobbyPresence) {
        self.id = battle.id
        self.title = battle.title
        self.status = battle.status
        self.rounds = battle.rounds
        self.round = battle.round
        self.participants = battle.participants
        self.agentsOnline = presence.agentsOnline
        self.spectators = presence.spectators
        self.createdAt = battle.createdAt
    }
}

/// Who is in a battle's room, as last announced in `battle:presence`.
struct LobbyPresence: Sendable, Equatable {
    var agentsOnline: [String] = []
    var spectators = 0
}
