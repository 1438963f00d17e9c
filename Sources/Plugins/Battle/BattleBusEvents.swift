import Runtime

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
