import Histogram
import NIOCore
import NIOPosix

/// Opens connections that are ready to use (upgraded, CONNECTed and, for receivers, joined), at
/// most `concurrency` at a time, spread over the group's event loops.
///
/// Each event loop dials its own share of the connections with its own share of the
/// concurrency, so the loops never wait for one another and no completion hops threads; the
/// server's address is resolved once, not per connection (a connect by host name runs
/// `getaddrinfo` on another thread and a happy-eyeballs state machine every time).
final class Dialer: @unchecked Sendable {
    struct Options: Sendable {
        var target: BenchTarget
        /// The battles (rooms) each connection joins; empty opens connections that only CONNECT.
        var joins: [String] = []
        /// The API key sent in CONNECT's auth payload (an agent); nil connects anonymously.
        var token: String?
        /// API keys given to the connections in turn (connection `i` uses `tokens[i % count]`);
        /// empty: every connection uses ``token``.
        var tokens: [String] = []
        var role: BenchConnectionHandler.Role = .receiver
        /// Concurrent battles: the battle connection `index` watches (its index among the run's
        /// battles, and its id), joined instead of `joins`.
        var watching: (@Sendable (_ index: Int) -> (battle: Int, battleId: String))?
        /// Local addresses to connect from, in turn (more than ~28,000 connections to one server
        /// port need several: 127.0.0.1, 127.0.0.2, ...). Empty lets the kernel choose.
        var sources: [SocketAddress] = []
        var readyTimeout: TimeAmount = .seconds(20)
    }

    struct Result: Sendable {
        var channels: [any Channel]
        var failures: Int
        var firstError: String?
        /// Connect to ready, per connection, in microseconds.
        var setup: Histogram<UInt64>
        var elapsedNanoseconds: UInt64
    }

    private let group: any EventLoopGroup
    private let table: LoopStatsTable
    private let options: Options
    /// The server's address, resolved once; nil when it could not be (then each connect
    /// resolves the host itself and reports the error).
    private let address: SocketAddress?
    private let upgradeRequest: ByteBuffer
    private let connectFrames: [ByteBuffer]
    private let joinFrames: [ByteBuffer]

    init(group: any EventLoopGroup, table: LoopStatsTable, options: Options) {
        self.group = group
        self.table = table
        self.options = options
        self.address = try? SocketAddress.makeAddressResolvingHost(options.target.host, port: options.target.port)
        self.upgradeRequest = ByteBuffer(bytes: options.target.upgradeRequest)
        if !options.tokens.isEmpty {
            self.connectFrames = options.tokens.map { ClientFrame.connect(token: $0) }
        } else {
            self.connectFrames = [options.token.map { ClientFrame.connect(token: $0) } ?? ClientFrame.connect]
        }
        self.joinFrames = options.joins.enumerated().map { ClientFrame.join(battleId: $0.element, ackId: $0.offset) }
    }

    /// Opens one connection on `loop`; the future completes when it is ready.
    func open(on loop: any EventLoop, index: Int) -> EventLoopFuture<any Channel> {
        let ready = ReadySignal(loop.makePromise(of: Void.self))
        let connected = connect(on: loop, index: index, ready: ready)
        return connected.flatMap { channel in
            ready.futureResult.map { channel }.flatMapErrorThrowing { error in
                channel.close(promise: nil)
                throw error
            }
        }
    }

    /// Starts connection `index` on `loop`; `ready` completes when it is ready, failed or timed
    /// out. The returned future is the TCP connect's.
    func connect(on loop: any EventLoop, index: Int, ready: ReadySignal) -> EventLoopFuture<any Channel> {
        let table = self.table
        let request = upgradeRequest
        let connect = connectFrames[index % connectFrames.count]
        let watched = options.watching?(index)
        let joins = watched.map { [ClientFrame.join(battleId: $0.battleId)] } ?? joinFrames
        let watchedBattle = watched?.battle ?? 0
        let role = options.role
        var bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = BenchConnectionHandler(
                        upgradeRequest: request, connect: connect, joins: joins, role: role, watchedBattle: watchedBattle,
                        stats: table.stats(for: channel.eventLoop), ready: ready
                    )
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        if !options.sources.isEmpty {
            bootstrap = bootstrap.bind(to: options.sources[index % options.sources.count])
        }
        let readyTimeout = options.readyTimeout
        let timeout = loop.scheduleTask(in: readyTimeout) {
            ready.fail(BenchError("not ready after \(readyTimeout.nanoseconds / 1_000_000_000) s"))
        }
        let connected =
            if let address { bootstrap.connect(to: address) } else { bootstrap.connect(host: options.target.host, port: options.target.port) }
        connected.whenFailure { ready.fail($0) }
        ready.futureResult.whenComplete { _ in timeout.cancel() }
        return connected
    }

    /// Opens `count` connections, `concurrency` at a time, each event loop of the group taking
    /// an equal share of both. A loop stops launching new ones after its share of `maxFailures`
    /// have failed.
    func open(count: Int, concurrency: Int, maxFailures: Int = 100) async throws -> Result {
        let loops = Array(group.makeIterator())
        let shares = loops.count
        let started = monotonicNow()
        var runs: [EventLoopFuture<LoopDialRun.Outcome>] = []
        for (slot, loop) in loops.enumerated() {
            let share = count / shares + (slot < count % shares ? 1 : 0)
            guard share > 0 else { continue }
            let inFlight = max(1, concurrency / shares + (slot < concurrency % shares ? 1 : 0))
            let failures = max(1, (maxFailures + shares - 1) / shares)
            runs.append(
                loop.flatSubmit {
                    LoopDialRun(
                        dialer: self, loop: loop, first: slot, stride: shares, count: share,
                        concurrency: inFlight, maxFailures: failures
                    ).start()
                })
        }
        var result = Result(channels: [], failures: 0, firstError: nil, setup: LoopStats.makeHistogram(), elapsedNanoseconds: 0)
        result.channels.reserveCapacity(count)
        var finished = started
        for run in runs {
            let outcome = try await run.get()
            result.channels += outcome.channels
            result.failures += outcome.failures
            if result.firstError == nil { result.firstError = outcome.firstError }
            result.setup.add(outcome.setup)
            finished = max(finished, outcome.finishedAt)
        }
        result.elapsedNanoseconds = finished - started
        return result
    }
}

/// One event loop's share of a ``Dialer/open(count:concurrency:maxFailures:)``: launched,
/// completed and counted on that loop, with no lock and no hop.
private final class LoopDialRun: @unchecked Sendable {
    struct Outcome: Sendable {
        var channels: [any Channel] = []
        var failures = 0
        var firstError: String?
        var setup = LoopStats.makeHistogram()
        var finishedAt: UInt64 = 0
    }

    let dialer: Dialer
    let loop: any EventLoop
    /// This share's connections are `first`, `first + stride`, ... (for the source addresses and
    /// the API keys taken in turn).
    let first: Int
    let stride: Int
    let count: Int
    let concurrency: Int
    let maxFailures: Int
    let promise: EventLoopPromise<Outcome>
    var launched = 0
    var finished = 0
    var inFlight = 0
    var outcome = Outcome()

    init(
        dialer: Dialer, loop: any EventLoop, first: Int, stride: Int, count: Int, concurrency: Int, maxFailures: Int
    ) {
        self.dialer = dialer
        self.loop = loop
        self.first = first
        self.stride = stride
        self.count = count
        self.concurrency = concurrency
        self.maxFailures = maxFailures
        self.promise = loop.makePromise()
        outcome.channels.reserveCapacity(count)
    }

    func start() -> EventLoopFuture<Outcome> {
        launch()
        return promise.futureResult
    }

    private var target: Int { outcome.failures >= maxFailures ? launched : count }

    private func launch() {
        while inFlight < concurrency && launched < target {
            let index = first + launched * stride
            launched += 1
            inFlight += 1
            let begin = monotonicNow()
            let ready = ReadySignal(loop.makePromise(of: Void.self))
            dialer.connect(on: loop, index: index, ready: ready).whenComplete { connected in
                switch connected {
                case .success(let channel):
                    ready.futureResult.whenComplete { outcome in
                        switch outcome {
                        case .success: self.succeeded(channel, begin: begin)
                        case .failure(let error):
                            channel.close(promise: nil)
                            self.failed(error)
                        }
                    }
                case .failure(let error):
                    self.failed(error)
                }
            }
        }
    }

    private func succeeded(_ channel: any Channel, begin: UInt64) {
        outcome.channels.append(channel)
        let micros = (monotonicNow() - begin) / 1000
        _ = outcome.setup.record(min(max(micros, 1), LoopStats.highestMicroseconds))
        done()
    }

    private func failed(_ error: any Error) {
        outcome.failures += 1
        if outcome.firstError == nil { outcome.firstError = "\(error)" }
        done()
    }

    private func done() {
        inFlight -= 1
        finished += 1
        if finished == target && inFlight == 0 {
            outcome.finishedAt = monotonicNow()
            promise.succeed(outcome)
        } else {
            launch()
        }
    }
}
