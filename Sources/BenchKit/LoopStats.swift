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

    struct Snapshot: Sendable {
        var latency: Histogram<UInt64>
        var receivedTotal: UInt64
        var receivedInWindow: UInt64
        var errorEvents: UInt64
        var unexpectedCloses: UInt64

        static let empty = Snapshot(latency: LoopStats.makeHistogram(), receivedTotal: 0, receivedInWindow: 0, errorEvents: 0, unexpectedCloses: 0)

        mutating func add(_ other: Snapshot) {
            latency.add(other.latency)
            receivedTotal += other.receivedTotal
            receivedInWindow += other.receivedInWindow
            errorEvents += other.errorEvents
            unexpectedCloses += other.unexpectedCloses
        }
    }

    var snapshot: Snapshot {
        Snapshot(latency: latency, receivedTotal: receivedTotal, receivedInWindow: receivedInWindow, errorEvents: errorEvents, unexpectedCloses: unexpectedCloses)
    }
}

/// One ``LoopStats`` per event loop of the load generator's group.
final class LoopStatsTable: Sendable {
    private let entries: [(loop: any EventLoop, stats: NIOLoopBound<LoopStats>)]

    init(group: any EventLoopGroup) async throws {
        var entries: [(loop: any EventLoop, stats: NIOLoopBound<LoopStats>)] = []
        for loop in group.makeIterator() {
            let bound = try await loop.submit { NIOLoopBound(LoopStats(), eventLoop: loop) }.get()
            entries.append((loop, bound))
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

    /// All loops' counts merged.
    func merged() async throws -> LoopStats.Snapshot {
        var total = LoopStats.Snapshot.empty
        for entry in entries {
            total.add(try await entry.loop.submit { entry.stats.value.snapshot }.get())
        }
        return total
    }
}
