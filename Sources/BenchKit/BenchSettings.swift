import NIOCore

/// What every scenario needs: the server, the room, and how the load generator runs.
public struct BenchSettings: Sendable {
    public var target: BenchTarget
    /// The `battleId` receivers join (room `battle:<room>`).
    public var room: String
    /// Event loop threads of the load generator (1 when it is pinned to one core).
    public var threads: Int
    /// Connections being opened at once.
    public var concurrency: Int
    /// Local addresses to connect from, in turn; empty lets the kernel choose.
    public var sourceAddresses: [String]

    public init(target: BenchTarget, room: String = "bench", threads: Int = 1, concurrency: Int = 200, sourceAddresses: [String] = []) {
        self.target = target
        self.room = room
        self.threads = threads
        self.concurrency = concurrency
        self.sourceAddresses = sourceAddresses
    }

    /// `127.0.0.1` ... `127.0.0.<count>`: each loopback address has its own ~28,000 ephemeral
    /// ports towards one server port.
    public static func loopbackSources(_ count: Int) -> [String] {
        count <= 1 ? [] : (1...count).map { "127.0.0.\($0)" }
    }

    func dialerOptions(join: Bool) throws -> Dialer.Options {
        Dialer.Options(
            target: target,
            joins: join ? [room] : [],
            sources: try sourceAddresses.map { try SocketAddress(ipAddress: $0, port: 0) }
        )
    }
}

extension Duration {
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}

func monotonicNow() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

/// Sleeps until a monotonic instant (nanoseconds).
func sleep(untilNanoseconds deadline: UInt64) async throws {
    let now = monotonicNow()
    if deadline > now { try await Task.sleep(for: .nanoseconds(Int64(deadline - now))) }
}

/// Closes every channel, not counting those closes as failures, and waits (bounded) for them.
func closeAll(_ channels: [any Channel], table: LoopStatsTable, group: any EventLoopGroup) async {
    try? await table.forEach { $0.closing = true }
    let loop = group.any()
    let done = ReadySignal(loop.makePromise())
    EventLoopFuture.andAllComplete(channels.map { $0.close() }, on: loop).whenComplete { _ in done.succeed() }
    let timeout = loop.scheduleTask(in: .seconds(10)) { done.succeed() }
    try? await done.futureResult.get()
    timeout.cancel()
}
