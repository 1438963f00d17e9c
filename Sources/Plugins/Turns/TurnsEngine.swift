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

/// Runs the ``TurnStateMachine`` of each battle on the battle's owner: feeds it inputs
/// (submissions, participants present, timers) and performs its actions in order: persist, then
/// announce. A submission is acknowledged once the turn is stored and logged; the judge,
/// commentary and speech follow as jobs.
struct TurnsEngine: Sendable {
    /// The machine's slot on a battle's owner.
    enum MachineKey: BattleStateKey {
        typealias Value = TurnStateMachine
    }

    /// The pending deadline's timer, so that the next deadline (or the end) cancels it: a stale
    /// one would otherwise wake the owner for nothing, or take a finished battle's owner again.
    enum DeadlineTimerKey: BattleStateKey {
        typealias Value = ScheduledTimer
    }

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

    var rules: TurnStateMachine.Rules {
        .init(
            countdownSeconds: options.countdownSeconds, turnSeconds: options.turnSeconds,
            missedTurn: options.missedTurn, maxTurnChars: options.maxTurnChars
        )
    }

    // MARK: Inputs

    /// `battle:submit_turn`: to the battle's owner, wherever it runs.
    func submit(_ request: SubmitTurn, by connection: Connection) async throws -> TurnAccepted {
        try await battles.owners.send(
            TurnSubmission(
                battleId: request.battleId, agentId: connection.identity.agentId, content: request.content, clientTurnId: request.clientTurnId))
    }

    /// On the owner's instance: checked by the machine, rate limited, then stored, logged and
    /// acknowledged. A retry with a known `clientTurnId` gets the first answer.
    func accept(_ request: TurnSubmission) async throws -> TurnAccepted {
        let submission = TurnStateMachine.Submission(
            agentId: request.agentId, content: request.content, clientTurnId: request.clientTurnId, turnId: ArenaID.make("trn")
        )
        let owners = battles.owners
        let admission = try await owners.run(request.battleId) { owner in
            try machine(on: owner).admit(submission, status: owner.battle.status)
        }
        if case .retry(let earlier) = admission {
            return TurnAccepted(battleId: request.battleId, turnId: earlier.turnId, round: earlier.round)
        }
        if let agentId = submission.agentId {
            try await RateCheck.turn(agentId: agentId, seconds: options.rateLimitSeconds, limiter: services.rateLimiter)
        }
        return try await owners.run(request.battleId) { owner in
            // Checked again: another submission may have taken the turn while this one waited.
            if case .retry(let earlier) = try machine(on: owner).admit(submission, status: owner.battle.status) {
                return TurnAccepted(battleId: owner.battleId, turnId: earlier.turnId, round: earlier.round)
            }
            let accepted = try step(.submit(submission), on: owner)
            guard let turn = accepted.compactMap({ if case .storeTurn(let turn, _) = $0 { turn } else { nil } }).first else {
                throw ArenaError(.notYourTurn, "it is not your turn", status: .conflict)
            }
            services.metrics.counter("moltarena_turns_total", ["outcome": "accepted"]).increment()
            return TurnAccepted(battleId: owner.battleId, turnId: turn.turnId, round: turn.round)
        }
    }

    /// Every participant is present: the countdown starts (from LOBBY only).
    func participantsPresent(_ battleId: String) async {
        await input(.participantsPresent, to: battleId)
    }

    /// An agent (re)joined, on any instance: if it is its turn (as persisted), tell it again.
    func joined(_ event: BattleJoined) async {
        guard event.role == .agent, let agentId = event.connection.identity.agentId,
            let battle = try? battles.battle(event.battleId), let open = try? store.openTurn(battle), open.agentId == agentId
        else { return }
        event.connection.emit(YourTurn(battleId: event.battleId, round: open.round, deadline: open.deadline))
    }

    /// This instance took the battle over (at start-up, or from an instance that died): its
    /// countdown or deadline is re-armed from what was persisted (at once when it passed
    /// meanwhile), or the judge is asked again.
    func resume(_ battleId: String) async {
        guard let status = try? battles.battle(battleId)?.status, [.starting, .inProgress].contains(status),
            (try? store.withProgress([battleId]).isEmpty) == false
        else { return }
        await input(.resumed, to: battleId)
    }

    /// Runs an input on the battle's owner; while the database cannot be reached, again every
    /// second: a deadline or a countdown that falls during a database restart must not be lost.
    func input(_ input: TurnStateMachine.Input, to battleId: String) async {
        await services.jobs.retryingWhileDatabaseIsDown(
            "a battle's turn input", logger: logger, metadata: ["battle": "\(battleId)", "input": "\(input)"]
        ) {
            _ = try await self.battles.owners.run(battleId) { owner in try self.step(input, on: owner) }
        }
    }

    // MARK: On the owner

    /// The battle's machine, restored from the database the first time the owner needs it.
    func machine(on owner: isolated BattleOwner) throws -> TurnStateMachine {
        if let machine = owner.state(MachineKey.self) { return machine }
        let battle = owner.battle
        let machine = TurnStateMachine.restore(
            battleId: battle.id, rules: rules, participants: battle.participants.map(\.id), rounds: battle.rounds,
            status: battle.status, round: battle.round, progress: try store.progress(battle.id),
            accepted: try store.acceptedByClientId(battle.id)
        )
        owner.setState(MachineKey.self, machine)
        return machine
    }

    /// One transition, then its actions. If an action fails the machine is dropped, so the next
    /// input restores it from what was persisted.
    @discardableResult
    func step(_ input: TurnStateMachine.Input, on owner: isolated BattleOwner) throws -> [TurnStateMachine.Action] {
        var machine = try machine(on: owner)
        let actions = try machine.handle(input, now: services.clock.now())
        owner.setState(MachineKey.self, machine)
        do {
            // The step's writes commit together; what starts work elsewhere (a job, a timer)
            // waits for the commit, so it never acts on a step that was rolled back.
            var afterCommit: [TurnStateMachine.Action] = []
            try owner.inOneTransaction {
                for action in actions {
                    if action.startsWorkElsewhere { afterCommit.append(action) } else { try perform(action, on: owner) }
                }
            }
            for action in afterCommit { try perform(action, on: owner) }
        } catch {
            owner.removeState(MachineKey.self)
            throw error
        }
        return actions
    }

    private func perform(_ action: TurnStateMachine.Action, on owner: isolated BattleOwner) throws {
        let battleId = owner.battleId
        switch action {
        case .saveProgress(let progress):
            try owner.write { db in try TurnsStore.setProgress(battleId, progress, in: db) }
        case .setStatus(let status, let round):
            try owner.setStatus(status, round: round)
        case .announceStarting(let startsAt, let countdownSeconds):
            try owner.log(BattleStarting(battleId: battleId, startsAt: startsAt, countdownSeconds: countdownSeconds))
        case .scheduleCountdown(let date):
            services.jobs.schedule(at: date, "countdown \(battleId)") { await input(.countdownElapsed, to: battleId) }
        case .storeTurn(let turn, let next):
            try owner.write { db in try store.accept(turn, battleId: battleId, next: next, in: db) }
        case .announceTurn(let turn):
            try owner.log(TurnEvent(battleId: battleId, turnId: turn.turnId, round: turn.round, agentId: turn.agentId, content: turn.content))
        case .react(let turn):
            TurnReactions(battles: battles, store: store, providers: providers, logger: logger).start(
                for: turn, in: owner.battle, jobs: services.jobs)
        case .notifyTurn(let agentId, let round, let deadline):
            // The room (spectators too) sees whose turn it is, then the agent is told it may
            // play; in this order the room's events of the step leave together (BattleOutbox).
            owner.emit(TurnOpened(battleId: battleId, agentId: agentId, round: round, deadline: deadline))
            owner.emit(YourTurn(battleId: battleId, round: round, deadline: deadline), toAgent: agentId)
        case .scheduleDeadline(let position, let date):
            owner.state(DeadlineTimerKey.self)?.cancel()
            let timer = services.jobs.schedule(at: date, "deadline \(battleId)") { await input(.deadlinePassed(position: position), to: battleId) }
            owner.setState(DeadlineTimerKey.self, timer)
        case .announceSkip(let agentId, let round):
            owner.emit(TurnSkipped(battleId: battleId, round: round, agentId: agentId))
        case .announceEnd(let reason):
            owner.state(DeadlineTimerKey.self)?.cancel()
            owner.removeState(DeadlineTimerKey.self)
            try owner.log(BattleEnded(battleId: battleId, reason: reason))
        case .judge(let forfeitedBy):
            startJudging(owner.battle, forfeitedBy: forfeitedBy)
        }
    }

    // MARK: The verdict

    /// The judge runs as a job, bounded on the runtime clock (AI judges have their own shorter
    /// timeout and a fallback inside it); its verdict comes back to the owner.
    private func startJudging(_ battle: Battle, forfeitedBy: String?) {
        let timeout = Duration.fractionalSeconds(options.providerTimeoutSeconds * 2 + 5)
        services.jobs.start("judge \(battle.id)", timeout: timeout) {
            let transcript = try TurnReactions.transcript(battle, store: store)
            var verdict = try await providers.judge.judge(transcript)
            if let forfeitedBy {
                let others = battle.participants.map(\.id).filter { $0 != forfeitedBy }
                verdict.winnerId = others.count == 1 ? others[0] : nil
                verdict.rationale = "\(transcript.name(of: forfeitedBy)) forfeited by missing a turn. " + verdict.rationale
            }
            let judge = try JSONParser.parse(try ArenaJSON.encode(verdict))
            let winnerId = verdict.winnerId
            try await battles.owners.run(battle.id) { owner in
                try record(judge: judge, winnerId: winnerId, forfeited: forfeitedBy != nil, on: owner)
            }
        }
    }

    private func record(judge: JSONValue, winnerId: String?, forfeited: Bool, on owner: isolated BattleOwner) throws {
        guard case .ended = try machine(on: owner).phase else { return }
        try owner.recordJudgment(judge, winnerId: winnerId)
        if forfeited {
            // A forfeit decides the battle: no vote can hand the win to the agent that forfeited.
            try owner.complete(votes: [:], judge: judge, winnerId: winnerId)
        } else {
            try owner.turnsEnded()
        }
        try step(.verdictRecorded, on: owner)
    }
}

/// The per-agent turn rate limit (`rate_limit_seconds`, one turn per agent per window).
enum RateCheck {
    static func turn(agentId: String, seconds: Double, limiter: any RateLimiter) async throws {
        guard seconds > 0 else { return }
        let key = RateKey.event(SubmitTurn.name, agentId: agentId)
        if case .limited(let retryAfterMs) = await limiter.attempt(key, limit: RateLimit(1, per: .fractionalSeconds(seconds))) {
            throw ArenaError.rateLimited(event: SubmitTurn.name, retryAfterMs: retryAfterMs)
        }
    }
}

extension TurnStateMachine.Action {
    /// Starts a job or a timer rather than writing or announcing.
    var startsWorkElsewhere: Bool {
        switch self {
        case .react, .scheduleCountdown, .scheduleDeadline, .judge: true
        default: false
        }
    }
}
