import BattlePlugin
import Foundation
import Runtime

/// `battle:submit_turn` in placeholder mode: payload, length, participant-in-the-room and rate
/// checks, then the turn is stored, acknowledged and broadcast as `battle:turn`.
struct PlaceholderTurns: Sendable {
    let battles: BattleService
    let store: TurnsStore
    let services: RuntimeServices
    let options: TurnsOptions

    func submit(_ request: SubmitTurn, by connection: Connection) async throws -> TurnAccepted {
        guard request.content.count <= options.maxTurnChars else {
            throw ArenaError(.contentTooLong, "content is longer than \(options.maxTurnChars) characters")
        }
        guard let battle = try battles.battle(request.battleId) else {
            throw ArenaError(.battleNotFound, "no battle \(request.battleId)", status: .notFound)
        }
        guard let agentId = connection.identity.agentId, battle.isParticipant(agentId),
            await battles.presentAgents(battle.id).contains(agentId)
        else {
            throw ArenaError(.notParticipant, "only the battle's agents, in its room, submit turns", status: .forbidden)
        }
        if let clientTurnId = request.clientTurnId, let earlier = try store.turn(battleId: battle.id, agentId: agentId, clientTurnId: clientTurnId) {
            return TurnAccepted(battleId: battle.id, turnId: earlier.turnId, round: earlier.round)
        }
        try await RateCheck.turn(agentId: agentId, seconds: options.rateLimitSeconds, limiter: services.rateLimiter)
        let turn = try store.appendUnordered(battleId: battle.id, agentId: agentId, content: request.content, clientTurnId: request.clientTurnId)
        try await battles.append(TurnEvent(battleId: battle.id, turnId: turn.turnId, round: turn.round, agentId: agentId, content: turn.content), to: battle.id)
        return TurnAccepted(battleId: battle.id, turnId: turn.turnId, round: turn.round)
    }
}
