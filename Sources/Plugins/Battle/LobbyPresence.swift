import ArenaProtocol
import Runtime

/// Who is in a battle's room, as last announced in `battle:presence`.
struct LobbyPresence: Sendable, Equatable, Codable {
    var agentsOnline: [String] = []
    var spectators = 0
}

extension LobbyBattle {
    init(_ battle: Battle, presence: LobbyPresence) {
        self.init(
            id: battle.id, title: battle.title, status: battle.status, rounds: battle.rounds, round: battle.round,
            participants: battle.participants, agentsOnline: presence.agentsOnline, spectators: presence.spectators,
            createdAt: battle.createdAt
        )
    }
}
