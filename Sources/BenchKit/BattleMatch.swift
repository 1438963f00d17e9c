import Histogram
import NIOCore

/// The two agents of the battle scenario, playing as fast as the server lets them: on
/// `battle:your_turn` an agent submits a turn at once and waits for `battle:turn_accepted`;
/// after `battle:ended` both join the next battle, if any. Both agents' connections live on
/// ``loop`` and everything here runs on it, so the state needs no lock.
final class BattleMatch: @unchecked Sendable {
    /// The error code the server answers a too-early turn with (CONTRACT.md; WireNamesTests
    /// checks it against the runtime's declaration).
    static let rateLimitedCode = "RATE_LIMITED"

    struct Accepted: Sendable {
        /// The bench number of the submission (``BattleTurnContent``).
        var n: UInt64
        var turnId: String
        var battleId: String
        var at: UInt64
    }

    /// What the scenario polls.
    struct Progress: Sendable {
        var started: Bool
        var finished: Bool
        var accepted: Int
        var stopAt: UInt64
    }

    let loop: any EventLoop
    let battleIds: [String]
    let contentBytes: Int
    let duration: UInt64
    /// Starts the measured window on every load-generator loop (spectators time and count from
    /// it); the first turn is submitted once the returned future has succeeded, so no spectator
    /// counts before it or misses the start.
    var beginWindow: ((_ start: UInt64, _ end: UInt64) -> EventLoopFuture<Void>)?

    private(set) var battleIndex = 0
    private var nextN: UInt64 = 0
    private(set) var windowStart: UInt64?
    private(set) var stopAt: UInt64 = .max
    /// No more submissions: the duration is over, or every battle ended.
    private(set) var stopped = false
    private var gaveUp = false

    private(set) var submitted: UInt64 = 0
    private(set) var accepted: [Accepted] = []
    /// Submission to `battle:turn_accepted`, in microseconds.
    private(set) var acceptLatency = LoopStats.makeHistogram()
    private(set) var rateLimited: UInt64 = 0
    private(set) var submitErrors: UInt64 = 0
    private(set) var firstError: String?
    /// `battle:ended` per battle, in order: (battleId, reason).
    private(set) var ended: [(battleId: String, reason: String)] = []
    /// Between a battle's last accepted turn and the next battle's first `battle:your_turn`:
    /// judging, results, the agents joining again and the countdown.
    private(set) var betweenBattles: UInt64 = 0
    private var lastAcceptAt: UInt64 = 0
    private var awaitingFirstTurn = false
    /// The last battle whose first turn has been offered.
    private var lastBattleBegun = 0

    init(loop: any EventLoop, battleIds: [String], contentBytes: Int, duration: UInt64) {
        self.loop = loop
        self.battleIds = battleIds
        self.contentBytes = contentBytes
        self.duration = duration
    }

    var currentBattle: String { battleIds[battleIndex] }

    /// From the first submission to the last accepted turn.
    var playNanoseconds: UInt64 {
        guard let windowStart, lastAcceptAt > windowStart else { return 0 }
        return lastAcceptAt - windowStart
    }

    /// Where the play stands; once the duration is over, nothing more is submitted.
    func poll() -> Progress {
        if monotonicNow() >= stopAt && !stopped {
            stopped = true
        }
        return Progress(started: windowStart != nil, finished: finished, accepted: accepted.count, stopAt: stopAt)
    }

    /// Every battle ended or the play stopped, and no submission is still unanswered (the last
    /// turn's `battle:turn_accepted` comes after its battle's `battle:ended`).
    var finished: Bool {
        (ended.count == battleIds.count || stopped) && !pendingAny
    }

    /// "battles" (every battle ended), "duration" (the time was up), or "stalled" (the scenario
    /// gave up waiting for an answer).
    var endedBy: String {
        ended.count == battleIds.count ? "battles" : gaveUp ? "stalled" : "duration"
    }

    private var players: [BattlePlayer] = []
    private var pendingAny: Bool { players.contains { $0.pending != nil } }

    func add(_ player: BattlePlayer) {
        loop.preconditionInEventLoop()
        players.append(player)
    }

    /// The scenario gives up waiting (the server stopped answering): no more submissions.
    func stop() {
        loop.preconditionInEventLoop()
        stopped = true
        gaveUp = true
        for player in players { player.pending = nil }
    }

    // MARK: Events

    func received(_ text: UnsafeRawBufferPointer, now: UInt64, player: BattlePlayer) {
        let index = BattleEventName.index(of: text)
        guard index < BattleEventName.otherIndex else { return }
        switch BattleEventName.allCases[index] {
        case .yourTurn:
            if let event = YourTurn.decode(text), event.battleId == currentBattle { yourTurn(player, round: event.round, now: now) }
        case .turnAccepted:
            if let event = TurnAccepted.decode(text) { turnAccepted(player, event, now: now) }
        case .error:
            if let event = ErrorEvent.decode(text) { refused(player, event) }
        case .rateLimitExceeded:
            if let event = RateLimitExceeded.decode(text) { rateLimitExceeded(player, event) }
        case .ended:
            if let event = BattleEnded.decode(text) { battleEnded(event) }
        default:
            break
        }
    }

    private func yourTurn(_ player: BattlePlayer, round: Int, now: UInt64) {
        guard !stopped, !awaitingFirstTurn else { return }
        if let pending = player.pending {
            // The server may offer the next round's turn before the previous turn's ack has
            // reached this connection (the other agent played in between, faster than the ack
            // came): that offer is kept and played once the ack arrives, as any agent must. An
            // offer of the round already submitted (sent again) is not a new turn.
            if round > pending.round { player.offered = round }
            return
        }
        guard let windowStart else {
            let start = monotonicNow()
            let end = start + duration
            self.windowStart = start
            stopAt = end
            awaitingFirstTurn = true
            let battleId = currentBattle
            let begun = beginWindow?(start, end) ?? loop.makeSucceededVoidFuture()
            begun.hop(to: loop).whenComplete { _ in
                self.awaitingFirstTurn = false
                self.submit(player, battleId: battleId, round: round)
            }
            return
        }
        if now >= stopAt {
            // The time is up: this turn stays unplayed.
            stopped = true
            return
        }
        if battleIndex > lastBattleBegun {
            // The first turn of a later battle: the gap since the previous one's last turn.
            if lastAcceptAt > windowStart { betweenBattles += now - lastAcceptAt }
            lastBattleBegun = battleIndex
        }
        submit(player, battleId: currentBattle, round: round)
    }

    private func submit(_ player: BattlePlayer, battleId: String, round: Int) {
        guard !stopped else { return }
        let n = nextN
        nextN += 1
        player.pending = BattlePlayer.Pending(n: n, battleId: battleId, round: round, sentAt: 0)
        send(player)
    }

    /// Writes the pending submission with a fresh send time.
    private func send(_ player: BattlePlayer) {
        guard var pending = player.pending, let channel = player.channel else { return }
        let ts = monotonicNow()
        pending.sentAt = ts
        player.pending = pending
        let submit = SubmitTurn(
            battleId: pending.battleId,
            content: BattleTurnContent.write(n: pending.n, ts: ts, targetBytes: contentBytes),
            clientTurnId: "bench-\(pending.n)"
        )
        channel.writeAndFlush(ClientFrame.text(submit.message), promise: nil)
        submitted += 1
    }

    private func turnAccepted(_ player: BattlePlayer, _ event: TurnAccepted, now: UInt64) {
        guard let pending = player.pending else { return }
        player.pending = nil
        let micros = now > pending.sentAt ? (now - pending.sentAt) / 1000 : 0
        _ = acceptLatency.record(min(max(micros, 1), LoopStats.highestMicroseconds))
        accepted.append(Accepted(n: pending.n, turnId: event.turnId, battleId: event.battleId, at: now))
        lastAcceptAt = now
        if let offered = player.offered {
            player.offered = nil
            yourTurn(player, round: offered, now: now)
        }
    }

    private func refused(_ player: BattlePlayer, _ event: ErrorEvent) {
        if firstError == nil { firstError = "\(event.event ?? "?"): \(event.code) \(event.message)" }
        guard event.event == SubmitTurn.name, player.pending != nil else {
            submitErrors += 1
            return
        }
        if event.code == Self.rateLimitedCode {
            // Kept pending: `rate_limit_exceeded` follows with the wait.
            rateLimited += 1
        } else {
            submitErrors += 1
            player.pending = nil
            if let offered = player.offered {
                player.offered = nil
                yourTurn(player, round: offered, now: monotonicNow())
            }
        }
    }

    private func rateLimitExceeded(_ player: BattlePlayer, _ event: RateLimitExceeded) {
        guard event.event == SubmitTurn.name, player.pending != nil else { return }
        loop.scheduleTask(in: .milliseconds(Int64(max(event.retryAfterMs, 1)))) {
            if self.stopped { player.pending = nil } else { self.send(player) }
        }
    }

    private func battleEnded(_ event: BattleEnded) {
        // Both agents are in the room: count each battle once.
        guard event.battleId == currentBattle, !ended.contains(where: { $0.battleId == event.battleId }) else { return }
        ended.append((event.battleId, event.reason))
        guard battleIndex + 1 < battleIds.count, !stopped else {
            stopped = true
            return
        }
        battleIndex += 1
        for player in players { player.offered = nil }  // offers were the ended battle's
        let join = ClientFrame.join(battleId: currentBattle, ackId: battleIndex)
        for player in players { player.channel?.writeAndFlush(join, promise: nil) }
    }
}

/// One agent: its connection and its unanswered submission. Its connection's handler hands it
/// every event; it lives on the match's loop.
final class BattlePlayer: BattleAgent, @unchecked Sendable {
    struct Pending {
        var n: UInt64
        var battleId: String
        var round: Int
        var sentAt: UInt64
    }

    let match: BattleMatch
    let agentId: String
    /// Set when the connection is ready, before any turn can be offered to it.
    var channel: (any Channel)?
    fileprivate var pending: Pending?
    /// The round of a `battle:your_turn` for a later round that came while `pending` was still
    /// unanswered.
    fileprivate var offered: Int?

    init(match: BattleMatch, agentId: String) {
        self.match = match
        self.agentId = agentId
    }

    /// An event for this agent (from its connection's handler, on the match's loop).
    func received(_ text: UnsafeRawBufferPointer, now: UInt64, channel: any Channel) {
        self.channel = channel
        match.received(text, now: now, player: self)
    }
}
