import BattlePlugin
import Foundation
import Logging
import Runtime
import SocketIOProtocol

/// The AI side of a battle, chosen in plugins.conf.
struct TurnsProviders: Sendable {
    var judge: any Judge
    var commentator: any Commentator
    var speech: (any SpeechSynthesizer)?
    var audio: AudioStorage?
}

/// The battle state machine of mode `full`: countdown, turn order under deadlines, accepted
/// turns, the end. Every change is persisted first and then announced through the battle log.
/// One actor serialises decisions, so two submissions racing for one turn get one acceptance;
/// the database's unique turn position keeps that true across instances.
actor TurnsEngine {
    let battles: BattleService
    let store: TurnsStore
    let services: RuntimeServices
    let options: TurnsOptions
    let providers: TurnsProviders
    let logger: Logger

    init(battles: BattleService, store: TurnsStore, services: RuntimeServices, options: TurnsOptions, providers: TurnsProviders) {
        self.battles = battles
        self.store = store
        self.services = services
        self.options = options
        self.providers = providers
        var logger = services.logger
        logger[metadataKey: "plugin"] = "turns"
        self.logger = logger
    }

    var clock: any RuntimeClock { services.clock }

    static func round(of position: Int, participants: Int) -> Int { position / max(participants, 1) + 1 }

    // MARK: Start

    /// Every participant is present: start the countdown (only from LOBBY).
    func battleReady(_ battleId: String) async {
        do {
            guard let battle = try battles.battle(battleId), battle.status == .lobby else { return }
            let startsAt = clock.now().addingTimeInterval(options.countdownSeconds)
            try store.setProgress(battleId, .init(nextPosition: 0, startsAt: startsAt, deadline: nil))
            try await battles.setStatus(.starting, round: 0, of: battleId)
            try await battles.append(BattleStarting(battleId: battleId, startsAt: startsAt, countdownSeconds: options.countdownSeconds), to: battleId)
            scheduleStart(battleId, at: startsAt)
        } catch {
            logger.error("could not start battle", metadata: ["battle": "\(battleId)", "error": "\(error)"])
        }
    }

    private func scheduleStart(_ battleId: String, at date: Date) {
        clock.schedule(at: date) { Task { await self.countdownElapsed(battleId) } }
    }

    func countdownElapsed(_ battleId: String) async {
        do {
            guard let battle = try battles.battle(battleId), battle.status == .starting else { return }
            try await battles.setStatus(.inProgress, round: 1, of: battleId)
            try await beginTurn(battle, position: 0)
        } catch {
            logger.error("could not begin battle", metadata: ["battle": "\(battleId)", "error": "\(error)"])
        }
    }

    // MARK: Turns

    /// Opens the turn at `position`, or ends the battle when every turn is done.
    private func beginTurn(_ battle: Battle, position: Int) async throws {
        let total = battle.rounds * battle.participants.count
        guard position < total else {
            try await finish(battle, reason: "completed", forfeitedBy: nil)
            return
        }
        let round = Self.round(of: position, participants: battle.participants.count)
        let current = try battles.battle(battle.id)?.round ?? round
        if round != current {
            try await battles.setStatus(.inProgress, round: round, of: battle.id)
        }
        let deadline = clock.now().addingTimeInterval(options.turnSeconds)
        var progress = try store.progress(battle.id) ?? .init(nextPosition: position)
        progress.nextPosition = position
        progress.deadline = deadline
        try store.setProgress(battle.id, progress)
        let agentId = battle.participants[position % battle.participants.count].id
        battles.emit(YourTurn(battleId: battle.id, round: round, deadline: deadline), toAgent: agentId)
        scheduleDeadline(battle.id, position: position, at: deadline)
    }

    private func scheduleDeadline(_ battleId: String, position: Int, at date: Date) {
        clock.schedule(at: date) { Task { await self.deadlinePassed(battleId, position: position) } }
    }

    /// A turn's deadline: skip to the next turn, or forfeit, as configured. Stale timers (the
    /// turn was taken meanwhile) do nothing.
    func deadlinePassed(_ battleId: String, position: Int) async {
        do {
            guard let battle = try battles.battle(battleId), battle.status == .inProgress,
                let progress = try store.progress(battleId), progress.nextPosition == position,
                let deadline = progress.deadline, deadline <= clock.now()
            else { return }
            let agentId = battle.participants[position % battle.participants.count].id
            switch options.missedTurn {
            case .skip:
                battles.emit(TurnSkipped(battleId: battleId, round: Self.round(of: position, participants: battle.participants.count), agentId: agentId), toBattle: battleId)
                try await beginTurn(battle, position: position + 1)
            case .forfeit:
                try await finish(battle, reason: "forfeit", forfeitedBy: agentId)
            }
        } catch {
            logger.error("could not handle a missed turn", metadata: ["battle": "\(battleId)", "error": "\(error)"])
        }
    }

    /// `battle:submit_turn` in mode `full`: checked, stored, acknowledged, broadcast.
    func submit(_ request: SubmitTurn, by connection: Connection) async throws -> TurnAccepted {
        guard request.content.count <= options.maxTurnChars else {
            throw ArenaError(.contentTooLong, "content is longer than \(options.maxTurnChars) characters")
        }
        guard let battle = try battles.battle(request.battleId) else {
            throw ArenaError(.battleNotFound, "no battle \(request.battleId)", status: .notFound)
        }
        guard let agentId = connection.identity.agentId, battle.isParticipant(agentId) else {
            throw ArenaError(.notParticipant, "only the battle's agents submit turns", status: .forbidden)
        }
        if let clientTurnId = request.clientTurnId, let earlier = try store.turn(battleId: battle.id, agentId: agentId, clientTurnId: clientTurnId) {
            return TurnAccepted(battleId: battle.id, turnId: earlier.turnId, round: earlier.round)
        }
        guard battle.status == .inProgress else {
            throw ArenaError(.battleNotInProgress, "battle \(battle.id) is \(battle.status.rawValue)", status: .conflict)
        }
        guard let progress = try store.progress(battle.id),
            battle.participants[progress.nextPosition % battle.participants.count].id == agentId
        else {
            throw ArenaError(.notYourTurn, "it is not your turn", status: .conflict)
        }
        try await RateCheck.turn(agentId: agentId, seconds: options.rateLimitSeconds, limiter: services.rateLimiter)
        let round = Self.round(of: progress.nextPosition, participants: battle.participants.count)
        let turn = try store.accept(
            battleId: battle.id, position: progress.nextPosition, round: round,
            agentId: agentId, content: request.content, clientTurnId: request.clientTurnId
        )
        try await battles.append(TurnEvent(battleId: battle.id, turnId: turn.turnId, round: round, agentId: agentId, content: turn.content), to: battle.id)
        services.metrics.counter("moltarena_turns_total", ["outcome": "accepted"]).increment()
        react(to: turn, in: battle)
        try await beginTurn(battle, position: progress.nextPosition + 1)
        return TurnAccepted(battleId: battle.id, turnId: turn.turnId, round: round)
    }

    /// Commentary and speech come after the turn, never holding it back.
    private nonisolated func react(to turn: TurnsStore.StoredTurn, in battle: Battle) {
        let reactions = TurnReactions(battles: battles, store: store, providers: providers, logger: logger)
        Task { await reactions.comment(on: turn, in: battle) }
        if providers.speech != nil {
            Task { await reactions.speak(turn, in: battle) }
        }
    }

    // MARK: The end

    private func finish(_ battle: Battle, reason: String, forfeitedBy: String?) async throws {
        var progress = try store.progress(battle.id) ?? .init(nextPosition: 0)
        progress.deadline = nil
        try store.setProgress(battle.id, progress)
        try await battles.append(BattleEnded(battleId: battle.id, reason: reason), to: battle.id)
        let transcript = try TurnReactions.transcript(battle, store: store)
        var verdict = try await providers.judge.judge(transcript)
        if let forfeitedBy {
            let others = battle.participants.map(\.id).filter { $0 != forfeitedBy }
            verdict.winnerId = others.count == 1 ? others[0] : nil
            verdict.rationale = "\(transcript.name(of: forfeitedBy)) forfeited by missing a turn. " + verdict.rationale
        }
        let judge = try JSONParser.parse(try ArenaJSON.encode(verdict))
        try battles.recordJudgment(battle.id, judge: judge, winnerId: verdict.winnerId)
        if forfeitedBy != nil {
            // A forfeit decides the battle: no vote can hand the win to the agent that forfeited.
            try await battles.complete(battle.id, votes: [:], judge: judge, winnerId: verdict.winnerId)
        } else {
            try await battles.turnsEnded(battle.id)
        }
    }

    // MARK: Rejoining and restarts

    /// An agent (re)joined: if it is its turn, tell it again.
    func joined(_ event: BattleJoined) async {
        guard event.role == .agent, let agentId = event.connection.identity.agentId,
            let battle = try? battles.battle(event.battleId), battle.status == .inProgress,
            let progress = try? store.progress(battle.id), let deadline = progress.deadline,
            battle.participants[progress.nextPosition % battle.participants.count].id == agentId
        else { return }
        event.connection.emit(YourTurn(battleId: battle.id, round: Self.round(of: progress.nextPosition, participants: battle.participants.count), deadline: deadline))
    }

    /// After a restart: re-arm the countdown or the current turn's deadline from what was
    /// persisted (at once when it has passed meanwhile).
    func resume() async {
        do {
            for battleId in try store.battlesToResume() {
                guard let battle = try battles.battle(battleId), let progress = try store.progress(battleId) else { continue }
                switch battle.status {
                case .starting:
                    scheduleStart(battleId, at: progress.startsAt ?? clock.now())
                case .inProgress:
                    if let deadline = progress.deadline {
                        scheduleDeadline(battleId, position: progress.nextPosition, at: deadline)
                    } else {
                        try await beginTurn(battle, position: progress.nextPosition)
                    }
                default:
                    break
                }
            }
        } catch {
            logger.error("could not resume battles", metadata: ["error": "\(error)"])
        }
    }
}

/// The per-agent turn rate limit (`rate_limit_seconds`, one turn per agent per window).
enum RateCheck {
    static func turn(agentId: String, seconds: Double, limiter: any RateLimiter) async throws {
        guard seconds > 0 else { return }
        let decision = await limiter.attempt("battle:submit_turn:agent:\(agentId)", limit: RateLimit(1, per: .fractionalSeconds(seconds)))
        if case .limited(let retryAfterMs) = decision {
            throw ArenaError.rateLimited(event: SubmitTurn.name, retryAfterMs: retryAfterMs)
        }
    }
}
