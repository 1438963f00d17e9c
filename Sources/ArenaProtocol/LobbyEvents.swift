import Foundation

/// `lobby:join {}`: follow the public battles live. The reply lists them; afterwards the
/// connection gets `lobby:battle` whenever one is created or changes (status, round, presence).
public struct JoinLobby: ClientEvent {
    public typealias Reply = LobbyConnected
    public static let name = "lobby:join"

    public init() {}
}

/// `lobby:connected {"battles":[LobbyBattle]}`: the public battles, newest first (at most 100).
public struct LobbyConnected: ServerEvent {
    public static let name = "lobby:connected"
    public var battles: [LobbyBattle]

    public init(battles: [LobbyBattle]) {
        self.battles = battles
    }
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

    public init(
        id: String, title: String, status: BattleStatus, rounds: Int, round: Int, participants: [Participant], agentsOnline: [String],
        spectators: Int, createdAt: Date
    ) {
        self.id = id
        self.title = title
        self.status = status
        self.rounds = rounds
        self.round = round
        self.participants = participants
        self.agentsOnline = agentsOnline
        self.spectators = spectators
        self.createdAt = createdAt
    }
}
