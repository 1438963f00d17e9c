import Histogram
import NIOCore

/// The agents of many battles played at the same time, each battle by its own two agents. All
/// agents' connections live on ``loop`` and everything here runs on it, so the state needs no
/// lock.
///
/// The agents join as they connect and the server offers the first turns at once; those offers
/// are held until ``begin(at:)``, so every battle starts inside the measured window. From then on
/// an agent answers `battle:your_turn` as soon as it may: at once, or, with a turn interval, no
/// earlier than the interval after its battle's previous submission. A battle that ends inside
/// the window is not replaced: its turns count, and its agents stop.
final class ConcurrentPlay: @unchecked Sendable {
    let loop: any EventLoop
    let contentBytes: Int
    let duration: UInt64
    /// Nanoseconds between a battle's submissions at least; nil plays as fast as the server allows.
    let turnInterval: UInt64?
    private(set) var battles: [PlayedBattle] = []

    private(set) var windowStart: UInt64?
    private(set) var stopAt: UInt64 = .max
    /// No more submissions: the duration is over, or the scenario gave up.
    private(set) var stopped = false
    private(set) var gaveUp = false

    private(set) var submitted: UInt64 = 0
    private(set) var acceptLatency = LoopStats.makeHistogram()
    private(set) var rateLimited: UInt64 = 0
    private(set) var submitErrors: UInt64 = 0
    private(set) var firstError: String?
    private(set) var lastAcceptAt: UInt64 = 0

    init(loop: any EventLoop, contentBytes: Int, duration: UInt64, turnInterval: UInt64?) {
        self.loop = loop
        self.contentBytes = contentBytes
        self.duration = duration
        self.turnInterval = turnInterval
    }

    /// Adds a battle and its two agents (before any of them connects).
    func add(battleId: String) -> PlayedBattle {
        loop.preconditionInEventLoop()
        let battle = PlayedBattle(play: self, index: battles.count, battleId: battleId)
        battles.append(battle)
        return battle
    }

    /// Starts the measured window: each battle's held first turn is submitted (with a turn
    /// interval, battle i's at `start + interval × i / battles`, so the submissions of many
    /// battles spread over the interval instead of arriving together every interval).
    func begin(at start: UInt64) {
        loop.preconditionInEventLoop()
        windowStart = start
        stopAt = start + duration
        for battle in battles {
            let offset = turnInterval.map { $0 * UInt64(battle.index) / UInt64(max(battles.count, 1)) } ?? 0
            battle.lastSubmitAt = start + offset
            battle.firstAt = start + offset
            for agent in battle.agents where agent.offered != nil { battle.offer(agent, now: start) }
        }
    }

    /// Where the play stands; once the duration is over, nothing more is submitted.
    func poll() -> (started: Bool, finished: Bool) {
        if monotonicNow() >= stopAt { stopped = true }
        let settled = battles.allSatisfy { $0.endReason != nil } || stopped
        return (windowStart != nil, settled && !battles.contains { $0.pendingAny })
    }

    /// The scenario gives up waiting (the server stopped answering): no more submissions.
    func stop() {
        loop.preconditionInEventLoop()
        stopped = true
        gaveUp = true
        for battle in battles { for agent in battle.agents { agent.pending = nil } }
    }

    /// From the first submission to the last accepted turn.
    var playNanoseconds: UInt64 {
        guard let windowStart, lastAcceptAt > windowStart else { return 0 }
        return lastAcceptAt - windowStart
    }

    fileprivate func sent() { submitted += 1 }

    fileprivate func accepted(after sentAt: UInt64, now: UInt64) {
        let micros = now > sentAt ? (now - sentAt) / 1000 : 0
        _ = acceptLatency.record(min(max(micros, 1), LoopStats.highestMicroseconds))
        lastAcceptAt = max(lastAcceptAt, now)
    }

    fileprivate func refused(_ event: ErrorEvent) -> Bool {
        if firstError == nil { firstError = "\(event.event ?? "?"): \(event.code) \(event.message)" }
        let limited = event.event == SubmitTurn.name && event.code == BattleMatch.rateLimitedCode
        if limited { rateLimited += 1 } else { submitErrors += 1 }
        return limited
    }
}

/// One of the concurrent battles: its two agents, its own turn numbers, and what it accepted.
final class PlayedBattle: @unchecked Sendable {
    // Strong references both ways: the play, its battles and agents live as long as the run.
    let play: ConcurrentPlay
    let index: Int
    let battleId: String
    private(set) var agents: [ConcurrentAgent] = []
    private var nextN: UInt64 = 0
    /// When the battle's previous turn was first submitted (the turn interval counts from it).
    fileprivate(set) var lastSubmitAt: UInt64 = 0
    /// When its first turn may go (the window's start, staggered with a turn interval).
    fileprivate(set) var firstAt: UInt64 = 0
    private(set) var accepted: [BattleMatch.Accepted] = []
    private(set) var endReason: String?

    init(play: ConcurrentPlay, index: Int, battleId: String) {
        self.play = play
        self.index = index
        self.battleId = battleId
    }

    /// A new agent of this battle (the first created it).
    func addAgent() -> ConcurrentAgent {
        let agent = ConcurrentAgent(battle: self)
        agents.append(agent)
        return agent
    }

    var pendingAny: Bool { agents.contains { $0.pending != nil } }

    fileprivate func received(_ text: UnsafeRawBufferPointer, now: UInt64, agent: ConcurrentAgent) {
        let index = BattleEventName.index(of: text)
        guard index < BattleEventName.otherIndex else { return }
        switch BattleEventName.allCases[index] {
        case .yourTurn:
            if let event = YourTurn.decode(text), event.battleId == battleId { yourTurn(agent, round: event.round, now: now) }
        case .turnAccepted:
            if let event = TurnAccepted.decode(text) { turnAccepted(agent, event, now: now) }
        case .error:
            if let event = ErrorEvent.decode(text) { refused(agent, event) }
        case .rateLimitExceeded:
            if let event = RateLimitExceeded.decode(text) { rateLimitExceeded(agent, event) }
        case .ended:
            if let event = BattleEnded.decode(text), event.battleId == battleId, endReason == nil {
                endReason = event.reason
                for agent in agents { agent.offered = nil }
            }
        default:
            break
        }
    }

    /// An offer of `round`: kept while the agent's previous turn is unanswered, a submission is
    /// already scheduled, or the window has not begun; otherwise scheduled.
    private func yourTurn(_ agent: ConcurrentAgent, round: Int, now: UInt64) {
        guard !play.stopped, endReason == nil else { return }
        if let pending = agent.pending {
            if round > pending.round { agent.offered = round }
            return
        }
        if let offered = agent.offered, offered >= round { return }
        agent.offered = round
        if play.windowStart != nil && !agent.scheduled { offer(agent, now: now) }
    }

    /// Submits the agent's offered turn now, or when the turn interval allows.
    fileprivate func offer(_ agent: ConcurrentAgent, now: UInt64) {
        guard agent.offered != nil, agent.pending == nil, !agent.scheduled else { return }
        var due = max(firstAt, now)
        if let interval = play.turnInterval, nextN > 0 { due = max(due, lastSubmitAt + interval) }
        if due <= now {
            submit(agent)
        } else {
            agent.scheduled = true
            play.loop.scheduleTask(in: .nanoseconds(Int64(due - now))) {
                agent.scheduled = false
                self.submit(agent)
            }
        }
    }

    private func submit(_ agent: ConcurrentAgent) {
        guard let round = agent.offered, agent.pending == nil else { return }
        agent.offered = nil
        guard !play.stopped, endReason == nil, monotonicNow() < play.stopAt else { return }
        let n = nextN
        nextN += 1
        agent.pending = ConcurrentAgent.Pending(n: n, round: round, sentAt: 0)
        lastSubmitAt = monotonicNow()
        send(agent)
    }

    /// Writes the pending submission with a fresh send time.
    private func send(_ agent: ConcurrentAgent) {
        guard var pending = agent.pending, let channel = agent.channel else { return }
        let ts = monotonicNow()
        pending.sentAt = ts
        agent.pending = pending
        let submit = SubmitTurn(
            battleId: battleId,
            content: BattleTurnContent.write(n: pending.n, ts: ts, targetBytes: play.contentBytes),
            clientTurnId: "bench-\(index)-\(pending.n)"
        )
        channel.writeAndFlush(ClientFrame.text(submit.message), promise: nil)
        play.sent()
    }

    private func turnAccepted(_ agent: ConcurrentAgent, _ event: TurnAccepted, now: UInt64) {
        guard let pending = agent.pending, event.battleId == battleId else { return }
        agent.pending = nil
        play.accepted(after: pending.sentAt, now: now)
        accepted.append(BattleMatch.Accepted(n: pending.n, turnId: event.turnId, battleId: battleId, at: now))
        if agent.offered != nil { offer(agent, now: now) }
    }

    private func refused(_ agent: ConcurrentAgent, _ event: ErrorEvent) {
        let limited = play.refused(event)
        guard event.event == SubmitTurn.name, agent.pending != nil, !limited else { return }
        // Refused for good: the turn is not played; a later offer still is.
        agent.pending = nil
        if agent.offered != nil { offer(agent, now: monotonicNow()) }
    }

    private func rateLimitExceeded(_ agent: ConcurrentAgent, _ event: RateLimitExceeded) {
        guard event.event == SubmitTurn.name, agent.pending != nil else { return }
        play.loop.scheduleTask(in: .milliseconds(Int64(max(event.retryAfterMs, 1)))) {
            if self.play.stopped { agent.pending = nil } else { self.send(agent) }
        }
    }
}

/// One agent of a concurrent battle: its connection, its unanswered submission and the turn it
/// was offered but has not submitted yet. Lives on the play's loop.
final class ConcurrentAgent: BattleAgent, @unchecked Sendable {
    struct Pending {
        var n: UInt64
        var round: Int
        var sentAt: UInt64
    }

    let battle: PlayedBattle
    /// Set when the connection is ready, before any turn can be submitted on it.
    var channel: (any Channel)?
    fileprivate var pending: Pending?
    /// The round of the last `battle:your_turn` not submitted yet.
    fileprivate var offered: Int?
    /// A submission waits for the turn interval.
    fileprivate var scheduled = false

    init(battle: PlayedBattle) {
        self.battle = battle
    }

    /// Offered a turn it has not submitted (before the window: the held first turn).
    var hasOffer: Bool { offered != nil }

    func received(_ text: UnsafeRawBufferPointer, now: UInt64, channel: any Channel) {
        self.channel = channel
        battle.received(text, now: now, agent: self)
    }
}
