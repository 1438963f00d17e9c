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
        return try await battles.owners.send(
            TurnSubmission(
                battleId: request.battleId, agentId: connection.identity.agentId, content: request.content, clientTurnId: request.clientTurnId))
    }

    /// On the owner's instance.
    func accept(_ request: TurnSubmission) async throws -> TurnAccepted {
        let agentId = request.agentId
        let earlier = try await battles.owners.run(request.battleId) { owner -> TurnAccepted? in
            guard let agentId, owner.battle.isParticipant(agentId), owner.presentAgents.contains(agentId) else {
                throw ArenaError(.notParticipant, "only the battle's agents, in its room, submit turns", status: .forbidden)
            }
            guard let clientTurnId = request.clientTurnId,
                let earlier = try store.turn(battleId: owner.battleId, agentId: agentId, clientTurnId: clientTurnId)
            else { return nil }
            return TurnAccepted(battleId: owner.battleId, turnId: earlier.turnId, round: earlier.round)
        }
        if let earlier { return earlier }
        guard let agentId else { throw ArenaError(.notParticipant, "only the battle's agents submit turns", status: .forbidden) }
        try await RateCheck.turn(agentId: agentId, seconds: options.rateLimitSeconds, limiter: services.rateLimiter)
        return try await battles.owners.run(request.battleId) { owner in
            let turn = try owner.write { db in
                try store.appendUnordered(
                    battleId: owner.battleId, agentId: agentId, content: request.content, clientTurnId: request.clientTurnId, in: db)
            }
            try owner.log(TurnEvent(battleId: owner.battleId, turnId: turn.turnId, round: turn.round, agentId: agentId, content: turn.content))
            return TurnAccepted(battleId: owner.battleId, turnId: turn.turnId, round: turn.round)
        }
    }
}
