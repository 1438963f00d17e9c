import NIOCore
import NIOPosix

/// `connect`: N clients connect, CONNECT and join the room as fast as the server lets them, at
/// most `concurrency` at a time; every connection stays open until the end.
public struct ConnectScenario: Sendable {
    public var clients: Int

    public init(clients: Int) { self.clients = clients }

    public func run(_ settings: BenchSettings) async throws -> ConnectReport {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, settings.threads))
        defer { group.shutdownGracefully { _ in } }
        let table = try await LoopStatsTable(group: group)
        let dialer = Dialer(group: group, table: table, options: try settings.dialerOptions(join: true))
        let result = try await dialer.open(count: clients, concurrency: settings.concurrency)
        await closeAll(result.channels, table: table, group: group)
        let seconds = Double(result.elapsedNanoseconds) / 1e9
        return ConnectReport(
            target: settings.target.description,
            clients: clients,
            concurrency: settings.concurrency,
            threads: settings.threads,
            joined: result.channels.count,
            failures: result.failures,
            firstError: result.firstError,
            elapsedSeconds: seconds,
            joinsPerSecond: seconds > 0 ? (Double(result.channels.count) / seconds).rounded() : 0,
            setupLatency: LatencyReport(result.setup)
        )
    }
}
