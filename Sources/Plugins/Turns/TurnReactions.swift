import BattlePlugin
import Foundation
import Logging
import Runtime

/// What happens after a turn is accepted: commentary, and speech when configured. Both are
/// logged events of the battle; a failing provider only costs its own event.
struct TurnReactions: Sendable {
    let battles: BattleService
    let store: TurnsStore
    let providers: TurnsProviders
    let logger: Logger

    func comment(on turn: TurnsStore.StoredTurn, in battle: Battle) async {
        do {
            let transcript = try Self.transcript(battle, store: store)
            let latest = BattleTranscript.Turn(turnId: turn.turnId, round: turn.round, agentId: turn.agentId, content: turn.content)
            let text = try await providers.commentator.comment(on: latest, in: transcript)
            try await battles.append(CommentaryEvent(battleId: battle.id, turnId: turn.turnId, text: text), to: battle.id)
        } catch {
            logger.warning("no commentary for a turn", metadata: ["turn": "\(turn.turnId)", "error": "\(error)"])
        }
    }

    func speak(_ turn: TurnsStore.StoredTurn, in battle: Battle) async {
        guard let speech = providers.speech, let audio = providers.audio else { return }
        do {
            let sound = try await speech.synthesize(turn.content)
            let url = try audio.store(sound, name: turn.turnId)
            try store.setAudioURL(turn.turnId, url)
            try await battles.append(AudioEvent(battleId: battle.id, turnId: turn.turnId, audioUrl: url), to: battle.id)
        } catch {
            logger.warning("no speech for a turn", metadata: ["turn": "\(turn.turnId)", "error": "\(error)"])
        }
    }

    static func transcript(_ battle: Battle, store: TurnsStore) throws -> BattleTranscript {
        BattleTranscript(
            battleId: battle.id, title: battle.title,
            participants: battle.participants.map { .init(id: $0.id, name: $0.name) },
            rounds: battle.rounds,
            turns: try store.turns(battle.id).map { .init(turnId: $0.turnId, round: $0.round, agentId: $0.agentId, content: $0.content) }
        )
    }
}
