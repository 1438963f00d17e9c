import Histogram
import NIOCore

/// What the connections of one event loop count: confined to that loop, so recording a message
/// takes no lock. The scenario merges the loops' snapshots at the end.
final class LoopStats {
    /// Broadcast latency in microseconds.
    var latency = LoopStats.makeHistogram()
    /// Broadcasts sent in [windowStart, windowEnd) are measured; received messages are counted
    /// when they arrive in it. Monotonic nanoseconds (`NIODeadline.now().uptimeNanoseconds`).
    var windowStart: UInt64 = .max
    var windowEnd: UInt64 = .max
    var receivedTotal: UInt64 = 0
    var receivedInWindow: UInt64 = 0
    var errorEvents: UInt64 = 0
    var unexpectedCloses: UInt64 = 0
    /// Set before the scenario closes its connections, so those closes are not counted.
    var closing = false
    /// Closed loop: tells when every receiver has a broadcast.
    var completions: CompletionRing?
    var onComplete: ((UInt64) -> Void)?
    /// Battle spectators: events received from `windowStart` on, by ``BattleEventName`` index
    /// (the last slot counts unknown names).
    var battleEvents = [UInt64](repeating: 0, count: BattleEventName.otherIndex + 1)
    /// Battle spectators: when the last counted event arrived.
    var lastEventAt: UInt64 = 0
    /// Battle spectators of this loop, each with its own turn count (added when joined).
    var spectators: [SpectatorTally] = []

    static let highestMicroseconds: UInt64 = 600_000_000

    static func makeHistogram() -> Histogram<UInt64> {
        Histogram(lowestDiscernibleValue: 1, highestTrackableValue: highestMicroseconds, numberOfSignificantValueDigits: .three)
    }

    /// A broadcast reached a receiver at `now`.
    @inline(__always)
    func turn(seq: UInt64, ts: UInt64, now: UInt64) {
        receivedTotal &+= 1
        if now >= windowStart && now < windowEnd { receivedInWindow &+= 1 }
        if ts >= windowStart && ts < windowEnd {
            let micros = now > ts ? (now - ts) / 1000 : 0
            _ = latency.record(min(Swift.max(micros, 1), Self.highestMicroseconds))
        }
        if let completions, completions.arrive(seq: seq) { onComplete?(seq) }
    }

    /// A battle event reached a spectator at `now`: counted by name; a turn also checked
    /// against what the spectator already has, and timed from its send time.
    @inline(__always)
    func battleEvent(_ text: UnsafeRawBufferPointer, now: UInt64, tally: SpectatorTally) {
        guard !closing else { return }
        let index = BattleEventName.index(of: text)
        if index == BattleEventName.turnIndex {
            if let (n, ts) = BattleTurnContent.read(text) {
                tally.turn(n)
                receivedTotal &+= 1
                if ts >= windowStart && ts < windowEnd {
                    let micros = now > ts ? (now - ts) / 1000 : 0
                    _ = latency.record(min(Swift.max(micros, 1), Self.highestMicroseconds))
                }
            }
        } else if index == BattleEventName.endedIndex {
            tally.ended += 1
        } else if index == BattleEventName.errorIndex {
            errorEvents &+= 1
        }
        if now >= windowStart {
            battleEvents[index] &+= 1
            lastEventAt = now
        }
    }

    struct Snapshot: Sendable {
        var latency: Histogram<UInt64>
        var receivedTotal: UInt64
        var receivedInWindow: UInt64
        var errorEvents: UInt64
        var unexpectedCloses: UInt64
        var battleEvents = [UInt64](repeating: 0, count: BattleEventName.otherIndex + 1)
        var lastEventAt: UInt64 = 0

        static let empty = Snapshot(latency: LoopStats.makeHistogram(), receivedTotal: 0, receivedInWindow: 0, errorEvents: 0, unexpectedCloses: 0)

        mutating func add(_ other: Snapshot) {
            latency.add(other.latency)
            receivedTotal += other.receivedTotal
            receivedInWindow += other.receivedInWindow
            errorEvents += other.errorEvents
            unexpectedCloses += other.unexpectedCloses
            for i in battleEvents.indices { battleEvents[i] += other.battleEvents[i] }
            lastEventAt = Swift.max(lastEventAt, other.lastEventAt)
        }
    }

    var snapshot: Snapshot {
        Snapshot(
            latency: latency, receivedTotal: receivedTotal, receivedInWindow: receivedInWindow, errorEvents: errorEvents,
            unexpectedCloses: unexpectedCloses, battleEvents: battleEvents, lastEventAt: lastEventAt
        )
    }
}

/// One ``LoopStats`` per event loop of the load generator's group.
final class LoopStatsTable: Sendable {
    private let entries: [(loop: any EventLoop, stats: NIOLoopBound<LoopStats>)]

    convenience init(group: any EventLoopGroup) async throws {
        try await self.init(groups: [group])
    }

    /// One entry per loop of every group (a scenario may keep some connections on loops of
    /// their own).
    init(groups: [any EventLoopGroup]) async throws {
        var entries: [(loop: any EventLoop, stats: NIOLoopBound<LoopStats>)] = []
        for group in groups {
            for loop in group.makeIterator() {
                let bound = try await loop.submit { NIOLoopBound(LoopStats(), eventLoop: loop) }.get()
                entries.append((loop, bound))
            }
        }
        self.entries = entries
    }

    var loops: [any EventLoop] { entries.map(\.loop) }

    /// The stats of `loop`; call on that loop.
    func stats(for loop: any EventLoop) -> LoopStats {
        for entry in entries where entry.loop === loop { return entry.stats.value }
        preconditionFailure("event loop not in the bench group")
    }

    /// Runs `body` on every loop with its stats.
    func forEach(_ body: @escaping @Sendable (LoopStats) -> Void) async throws {
        for entry in entries {
            try await entry.loop.submit { body(entry.stats.value) }.get()
        }
    }

    /// Sets every loop's measured window; the future succeeds on `loop` once all have it (for
    /// code that runs on an event loop and must not wait).
    func setWindow(start: UInt64, end: UInt64, on loop: any EventLoop) -> EventLoopFuture<Void> {
        let updates = entries.map { entry in
            entry.loop.submit {
                entry.stats.value.windowStart = start
                entry.stats.value.windowEnd = end
            }
        }
        return EventLoopFuture.andAllSucceed(updates, on: loop)
    }

    /// What the battle spectators of every loop saw, measured against the turns accepted and
    /// the battles ended.
    func spectatorSummary(acceptedTurns: UInt64, endedBattles: Int) async throws -> SpectatorSummary {
        try await spectatorSummary(acceptedByBattle: [acceptedTurns], endedByBattle: [endedBattles])
    }

    /// The same when spectators watch different battles: each tally is measured against the
    /// accepted turns and ends of its own battle (``SpectatorTally/battle`` indexes both).
    func spectatorSummary(acceptedByBattle: [UInt64], endedByBattle: [Int]) async throws -> SpectatorSummary {
        var total = SpectatorSummary()
        for entry in entries {
            let part = try await entry.loop.submit {
                var part = SpectatorSummary()
                for tally in entry.stats.value.spectators {
                    part.add(tally, acceptedTurns: acceptedByBattle[tally.battle], endedBattles: endedByBattle[tally.battle])
                }
                return part
            }.get()
            total.merge(part)
        }
        return total
    }

    /// All loops' counts merged.
    func merged() async throws -> LoopStats.Snapshot {
        var total = LoopStats.Snapshot.empty
        for entry in entries {
            total.add(try await entry.loop.submit { entry.stats.value.snapshot }.get())
        }
        return total
    }
}

/// The spectators' tallies summed up: what reached them of the accepted turns.
struct SpectatorSummary: Sendable, Equatable {
    var spectators = 0
    /// Distinct accepted turns received, over all spectators.
    var turns: UInt64 = 0
    /// Accepted turns a spectator never got, over all spectators.
    var missingTurns: UInt64 = 0
    var spectatorsMissingTurns = 0
    var outOfOrder: UInt64 = 0
    /// Spectators that got `battle:ended` for every battle that ended.
    var sawEveryEnd = 0

    mutating func add(_ tally: SpectatorTally, acceptedTurns: UInt64, endedBattles: Int) {
        spectators += 1
        turns += tally.turns
        if tally.turns < acceptedTurns {
            missingTurns += acceptedTurns - tally.turns
            spectatorsMissingTurns += 1
        }
        outOfOrder += tally.outOfOrder
        if tally.ended >= endedBattles { sawEveryEnd += 1 }
    }

    mutating func merge(_ other: SpectatorSummary) {
        spectators += other.spectators
        turns += other.turns
        missingTurns += other.missingTurns
        spectatorsMissingTurns += other.spectatorsMissingTurns
        outOfOrder += other.outOfOrder
        sawEveryEnd += other.sawEveryEnd
    }
}

/// One battle spectator's view of the run: the turns it got (by the bench number `n`, which
/// grows with every submission of its battle or run, so turns arrive in increasing order), the
/// repeats, and how many `battle:ended` it saw. Confined to the connection's event loop.
final class SpectatorTally {
    /// Which of the run's concurrent battles it watches (0 when every spectator watches all).
    let battle: Int
    private(set) var lastN: UInt64?
    /// Distinct turns received.
    private(set) var turns: UInt64 = 0
    /// Turns received again, or after a later one.
    private(set) var outOfOrder: UInt64 = 0
    var ended = 0

    init(battle: Int = 0) {
        self.battle = battle
    }

    func turn(_ n: UInt64) {
        if let lastN, n <= lastN {
            outOfOrder += 1
        } else {
            lastN = n
            turns += 1
        }
    }
}
