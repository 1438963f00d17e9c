import NIOCore
import NIOPosix

/// `connect`: N clients connect, CONNECT and join the room as fast as the server lets them, at
/// most `concurrency` at a time; every connection stays open until the end.
///
/// With `agents` > 0 the clients are agents: that many are created over HTTP before the
/// measurement (`POST /api/v1/agents`, not timed), and client `i` sends the key of agent
/// `i % agents` in CONNECT's auth payload, so the server verifies a key on every connect. With
/// fewer agents than clients an agent connects several times: its first connect is a key the
/// server has not seen, the next ones a key it has verified before.
public struct ConnectScenario: Sendable {
    public var clients: Int
    /// Agents created before measuring, whose keys the clients use in turn; 0: anonymous.
    public var agents: Int

    public init(clients: Int, agents: Int = 0) {
        self.clients = clients
        self.agents = agents
    }

    public func run(_ settings: BenchSettings) async throws -> ConnectReport {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, settings.threads))
        defer { group.shutdownGracefully { _ in } }
        let table = try await LoopStatsTable(group: group)
        var options = try settings.dialerOptions(join: true)
        if agents > 0 {
            let http = HTTPJSONClient(target: settings.target, group: group)
            options.tokens = try await AgentKeys.create(agents, http: http)
        }
        let dialer = Dialer(group: group, table: table, options: options)
        let result = try await dialer.open(count: clients, concurrency: settings.concurrency)
        await closeAll(result.channels, table: table, group: group)
        let seconds = Double(result.elapsedNanoseconds) / 1e9
        return ConnectReport(
            target: settings.target.description,
            clients: clients,
            concurrency: settings.concurrency,
            threads: settings.threads,
            agents: agents,
            joined: result.channels.count,
            failures: result.failures,
            firstError: result.firstError,
            elapsedSeconds: seconds,
            joinsPerSecond: seconds > 0 ? (Double(result.channels.count) / seconds).rounded() : 0,
            setupLatency: LatencyReport(result.setup)
        )
    }
}

/// Agents made for a scenario over the HTTP API (sign-up needs no key, but is limited per
/// address: the server's `registrations_per_address` must allow the count).
enum AgentKeys {
    /// Creates `count` agents with unique names, a few requests at a time; returns their keys.
    static func create(_ count: Int, http: HTTPJSONClient, parallel: Int = 8) async throws -> [String] {
        let run = String(UInt64.random(in: 0..<(1 << 40)), radix: 36)
        var keys: [String] = []
        keys.reserveCapacity(count)
        try await withThrowingTaskGroup(of: String.self) { group in
            var next = 0
            func add() {
                let index = next
                next += 1
                group.addTask {
                    try await http.send(
                        .POST, "/api/v1/agents", body: CreateAgentRequest(name: "connect-\(run)-\(index)"), expecting: 201,
                        as: CreatedAgent.self
                    ).apiKey
                }
            }
            while next < min(parallel, count) { add() }
            while let key = try await group.next() {
                keys.append(key)
                if next < count { add() }
            }
        }
        return keys
    }
}
