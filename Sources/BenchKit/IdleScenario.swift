import NIOCore
import NIOPosix

/// `idle`: open N joined connections that only answer pings, and read the server's resident
/// memory before any, at each checkpoint and while holding them.
public struct IdleScenario: Sendable {
    public var clients: Int
    /// Connection counts at which to sample memory on the way up (N is always one).
    public var checkpoints: [Int]
    /// The server's process id, for `/proc/<pid>/status`; nil skips memory.
    public var serverPid: Int32?
    /// Pause after reaching a checkpoint before sampling (lets allocations settle).
    public var settle: Duration
    /// How long to hold all N after the last checkpoint, sampling every `sampleInterval`.
    public var hold: Duration
    public var sampleInterval: Duration
    /// Join the connections to a real battle as anonymous spectators instead of the bench room:
    /// two agents and a battle are created over HTTP first (as in `battle`; nobody plays), so
    /// the figure includes what the battle plugin keeps per spectator. Needs the battle plugins.
    public var battle = false

    public init(
        clients: Int, checkpoints: [Int] = [], serverPid: Int32?, settle: Duration = .seconds(1), hold: Duration = .zero,
        sampleInterval: Duration = .seconds(5)
    ) {
        self.clients = clients
        self.checkpoints = checkpoints
        self.serverPid = serverPid
        self.settle = settle
        self.hold = hold
        self.sampleInterval = sampleInterval
    }

    public func run(_ settings: BenchSettings) async throws -> IdleReport {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, settings.threads))
        defer { group.shutdownGracefully { _ in } }
        let table = try await LoopStatsTable(group: group)
        var options = try settings.dialerOptions(join: true)
        var battleId: String?
        if battle {
            let setup = try await BattleSetup.create(http: HTTPJSONClient(target: settings.target, group: group), rounds: 1, battles: 1)
            options.joins = setup.battleIds
            options.role = .spectator
            battleId = setup.battleIds.first
        }
        let dialer = Dialer(group: group, table: table, options: options)
        let pid = serverPid
        func rss() -> Int? { pid.flatMap { ProcessMemory.residentKiB(pid: $0) } }

        var report = IdleReport(target: settings.target.description, clients: clients, serverPid: serverPid, baselineKiB: rss())
        report.battleId = battleId
        var channels: [any Channel] = []
        let steps = Set(checkpoints.filter { $0 > 0 && $0 < clients } + [clients]).sorted()
        var failures = 0
        for step in steps {
            let result = try await dialer.open(count: step - channels.count - failures, concurrency: settings.concurrency)
            channels += result.channels
            failures += result.failures
            if report.firstError == nil { report.firstError = result.firstError }
            try await Task.sleep(for: settle)
            report.checkpoints.append(.init(connections: channels.count, rssKiB: rss()))
            if failures >= 100 { break }
        }
        report.connected = channels.count
        report.failures = failures
        if let base = report.baselineKiB, let top = report.checkpoints.last?.rssKiB, channels.count > 0 {
            report.kibPerConnection = (Double(top - base) / Double(channels.count) * 100).rounded() / 100
        }
        if hold > .zero {
            let start = monotonicNow()
            let end = start + hold.nanoseconds
            while monotonicNow() < end {
                try await sleep(untilNanoseconds: min(end, monotonicNow() + sampleInterval.nanoseconds))
                let closes = try await table.merged().unexpectedCloses
                report.hold.append(
                    .init(
                        seconds: (Double(monotonicNow() - start) / 1e8).rounded() / 10,
                        connections: channels.count - Int(closes), rssKiB: rss()
                    ))
            }
        }
        report.unexpectedCloses = Int(try await table.merged().unexpectedCloses)
        await closeAll(channels, table: table, group: group)
        return report
    }
}
