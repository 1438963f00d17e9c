import BattlePlugin
import Foundation
import Logging
import Runtime

/// What follows an accepted turn: commentary, and speech when configured. Each is a job (after
/// the acknowledgement, bounded on the runtime clock, awaited on shutdown) whose result is a
/// logged event of the battle; a failing provider only costs its own event.
struct TurnReactions: Sendable {
    let battles: BattleService
    let store: TurnsStore
    let providers: TurnsProviders
    let logger: Logger
    /// A provider's own timeout and fallback answer first; this bounds the job as a whole.
    static let jobTimeout: Duration = .seconds(60)

    func start(for turn: TurnStateMachine.NewTurn, in battle: Battle, jobs: BackgroundJobs) {
        jobs.start("commentary \(turn.turnId)", timeout: Self.jobTimeout) { await comment(on: turn, in: battle) }
        if providers.speech != nil {
            jobs.start("speech \(turn.turnId)", timeout: Self.jobTimeout) { await speak(turn, in: battle) }
        }
    }

    func comment(on turn: TurnStateMachine.NewTurn, in battle: Battle) async {
        do {
            let transcript = try Self.transcript(battle, store: store)
            let latest = BattleTranscript.Turn(turnId: turn.turnId, round: turn.round, agentId: turn.agentId, content: turn.content)
            let text = try await providers.commentator.comment(on: latest, in: transcript)
            try await battles.owners.run(battle.id) { owner in
                try owner.log(CommentaryEvent(battleId: battle.id, turnId: turn.turnId, text: text))
            }
        } catch {
            logger.warning("no commentary for a turn", metadata: ["turn": "\(turn.turnId)", "error": "\(error)"])
        }
    }

    func speak(_ turn: TurnStateMachine.NewTurn, in battle: Battle) async {
        guard let speech = providers.speech, let audio = providers.audio else { return }
        do {
            let sound = try await speech.synthesize(turn.content)
            let url = try audio.store(sound, name: turn.turnId)
            try await battles.owners.run(battle.id) { owner in
                try owner.write { db in try TurnsStore.setAudioURL(turn.turnId, url, in: db) }
                try owner.log(AudioEvent(battleId: battle.id, turnId: turn.turnId, audioUrl: url))
            }
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
