import NIOCore
import NIOPosix

/// `fanout`: M receivers joined to one room and one sender outside it; every `battle:turn` the
/// sender emits should reach every receiver.
public struct FanoutScenario: Sendable {
    public enum Mode: Sendable {
        /// At most `window` broadcasts outstanding; one is done when every receiver has it.
        case closed(window: Int)
        /// Broadcasts per second, whatever happens to earlier ones.
        case open(rate: Double)
    }

    public var receivers: Int
    public var mode: Mode
    public var warmup: Duration
    public var duration: Duration
    /// Size of the broadcast JSON object.
    public var payloadBytes: Int
    /// After the run, how long to wait for the next message still in flight before counting
    /// the rest as lost.
    public var drain: Duration = .seconds(2)
    /// A second server of the same cluster: half the receivers join the room there (the sender
    /// stays on the first), so every broadcast crosses the cluster's link to reach them.
    public var secondTarget: BenchTarget?

    public init(receivers: Int, mode: Mode, warmup: Duration, duration: Duration, payloadBytes: Int = 200) {
        self.receivers = receivers
        self.mode = mode
        self.warmup = warmup
        self.duration = duration
        self.payloadBytes = payloadBytes
    }

    public func run(_ settings: BenchSettings) async throws -> FanoutReport {
        guard receivers >= 1, receivers <= CompletionRing.maxReceivers else {
            throw BenchError("--clients must be 1 to \(CompletionRing.maxReceivers)")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, settings.threads))
        do {
            let report = try await run(settings, group: group)
            try? await group.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func run(_ settings: BenchSettings, group: MultiThreadedEventLoopGroup) async throws -> FanoutReport {
        let table = try await LoopStatsTable(group: group)
        var channels: [any Channel] = []
        var connectNanoseconds: UInt64 = 0
        var placements = [(settings.target, receivers)]
        if let secondTarget {
            placements = [(settings.target, receivers - receivers / 2), (secondTarget, receivers / 2)]
        }
        for (target, count) in placements where count > 0 {
            var options = try settings.dialerOptions(join: true)
            options.target = target
            let opened = try await Dialer(group: group, table: table, options: options)
                .open(count: count, concurrency: settings.concurrency, maxFailures: 1)
            channels += opened.channels
            connectNanoseconds += opened.elapsedNanoseconds
            guard opened.failures == 0 else {
                await closeAll(channels, table: table, group: group)
                throw BenchError("\(opened.failures) receivers failed to join \(target): \(opened.firstError ?? "")")
            }
        }
        let senderDialer = Dialer(group: group, table: table, options: try settings.dialerOptions(join: false))
        let senderLoop = group.next()
        let senderChannel: any Channel
        do {
            senderChannel = try await senderDialer.open(on: senderLoop, index: receivers).get()
        } catch {
            await closeAll(channels, table: table, group: group)
            throw BenchError("the sender failed to connect: \(error)")
        }
        channels.append(senderChannel)

        let completions: CompletionRing?
        let senderMode: FanoutSender.Mode
        switch mode {
        case .closed(let window):
            guard window >= 1 else { throw BenchError("--window must be at least 1") }
            completions = CompletionRing(capacity: max(1024, window * 16))
            senderMode = .closed(window: window)
        case .open(let rate):
            guard rate > 0 else { throw BenchError("--rate must be positive") }
            completions = nil
            senderMode = .open(rate: rate)
        }
        let sender = FanoutSender(
            channel: senderChannel, mode: senderMode, payload: TurnPayload(battleId: settings.room, targetBytes: payloadBytes),
            completions: completions, receivers: receivers
        )
        let windowStart = monotonicNow() + warmup.nanoseconds
        let windowEnd = windowStart + duration.nanoseconds
        try await table.forEach { stats in
            stats.windowStart = windowStart
            stats.windowEnd = windowEnd
            stats.completions = completions
            stats.onComplete = { seq in
                if senderLoop.inEventLoop {
                    sender.broadcastCompleted(seq)
                } else {
                    senderLoop.execute { sender.broadcastCompleted(seq) }
                }
            }
        }
        try await senderLoop.submit { sender.start(windowStart: windowStart, windowEnd: windowEnd) }.get()
        try await sleep(untilNanoseconds: windowEnd)
        let sent = try await senderLoop.submit {
            sender.stop()
            return sender.sent
        }.get()

        // Let what is in flight arrive, so losses are real losses: wait while messages keep
        // coming (a slow server may have many queued), until `drain` passes without one.
        let expected = sent * UInt64(receivers)
        let drainCap = monotonicNow() + 60_000_000_000
        var stats = try await table.merged()
        var lastProgress = monotonicNow()
        var lastCount = stats.receivedTotal
        while stats.receivedTotal < expected && monotonicNow() - lastProgress < drain.nanoseconds && monotonicNow() < drainCap {
            try await Task.sleep(for: .milliseconds(20))
            stats = try await table.merged()
            if stats.receivedTotal != lastCount {
                lastCount = stats.receivedTotal
                lastProgress = monotonicNow()
            }
        }
        let counts = try await senderLoop.submit {
            (sender.sentInWindow, sender.completedInWindow, sender.overtaken)
        }.get()
        await closeAll(channels, table: table, group: group)

        let seconds = Double(duration.nanoseconds) / 1e9
        var report = FanoutReport(
            target: settings.target.description,
            receivers: receivers,
            payloadBytes: payloadBytes,
            threads: settings.threads,
            warmupSeconds: Double(warmup.nanoseconds) / 1e9,
            durationSeconds: seconds,
            broadcastsSent: counts.0,
            broadcastsPerSecond: (Double(counts.0) / seconds).rounded(),
            messagesDelivered: stats.receivedInWindow,
            deliveredPerSecond: (Double(stats.receivedInWindow) / seconds).rounded(),
            lostMessages: expected > stats.receivedTotal ? expected - stats.receivedTotal : 0,
            errorEvents: stats.errorEvents,
            unexpectedCloses: stats.unexpectedCloses,
            latency: LatencyReport(stats.latency),
            connectSeconds: Double(connectNanoseconds) / 1e9
        )
        switch mode {
        case .closed(let window):
            report.mode = "closed"
            report.window = window
            report.broadcastsCompleted = counts.1
        case .open(let rate):
            report.mode = "open"
            report.rate = rate
        }
        return report
    }
}

extension BenchTarget: CustomStringConvertible {
    public var description: String { "http://\(authority)\(path)" }
}
