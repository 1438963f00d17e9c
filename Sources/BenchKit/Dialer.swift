import Histogram
import NIOCore
import NIOPosix

/// Opens connections that are ready to use (upgraded, CONNECTed and, for receivers, joined), at
/// most `concurrency` at a time, spread over the group's event loops.
final class Dialer: @unchecked Sendable {
    struct Options: Sendable {
        var target: BenchTarget
        /// The battles (rooms) each connection joins; empty opens connections that only CONNECT.
        var joins: [String] = []
        /// The API key sent in CONNECT's auth payload (an agent); nil connects anonymously.
        var token: String?
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
    private let upgradeRequest: ByteBuffer
    private let connectFrame: ByteBuffer
    private let joinFrames: [ByteBuffer]

    init(group: any EventLoopGroup, table: LoopStatsTable, options: Options) {
        self.group = group
        self.table = table
        self.options = options
        self.upgradeRequest = ByteBuffer(bytes: options.target.upgradeRequest)
        self.connectFrame = options.token.map { ClientFrame.connect(token: $0) } ?? ClientFrame.connect
        self.joinFrames = options.joins.enumerated().map { ClientFrame.join(battleId: $0.element, ackId: $0.offset) }
    }

    /// Opens one connection on `loop`; the future completes when it is ready.
    func open(on loop: any EventLoop, index: Int) -> EventLoopFuture<any Channel> {
        let ready = ReadySignal(loop.makePromise(of: Void.self))
        let table = self.table
        let request = upgradeRequest
        let connect = connectFrame
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
        let timeout = loop.scheduleTask(in: options.readyTimeout) {
            ready.fail(BenchError("not ready after \(self.options.readyTimeout.nanoseconds / 1_000_000_000) s"))
        }
        let connected = bootstrap.connect(host: options.target.host, port: options.target.port)
        connected.whenFailure { ready.fail($0) }
        ready.futureResult.whenComplete { _ in timeout.cancel() }
        return connected.flatMap { channel in
            ready.futureResult.map { channel }.flatMapErrorThrowing { error in
                channel.close(promise: nil)
                throw error
            }
        }
    }

    /// Opens `count` connections, `concurrency` at a time. Stops launching new ones after
    /// `maxFailures` have failed.
    func open(count: Int, concurrency: Int, maxFailures: Int = 100) async throws -> Result {
        let control = group.any()
        let run = DialRun(dialer: self, control: control, count: count, concurrency: max(1, concurrency), maxFailures: maxFailures)
        return try await control.flatSubmit { run.start() }.get()
    }
}

/// The bookkeeping of one ``Dialer/open(count:concurrency:maxFailures:)``, on one event loop.
private final class DialRun: @unchecked Sendable {
    let dialer: Dialer
    let control: any EventLoop
    let count: Int
    let concurrency: Int
    let maxFailures: Int
    let promise: EventLoopPromise<Dialer.Result>
    var launched = 0
    var finished = 0
    var inFlight = 0
    var started: UInt64 = 0
    var result = Dialer.Result(channels: [], failures: 0, firstError: nil, setup: LoopStats.makeHistogram(), elapsedNanoseconds: 0)

    init(dialer: Dialer, control: any EventLoop, count: Int, concurrency: Int, maxFailures: Int) {
        self.dialer = dialer
        self.control = control
        self.count = count
        self.concurrency = concurrency
        self.maxFailures = maxFailures
        self.promise = control.makePromise()
        result.channels.reserveCapacity(count)
    }

    func start() -> EventLoopFuture<Dialer.Result> {
        started = NIODeadline.now().uptimeNanoseconds
        if count == 0 { promise.succeed(result) } else { launch() }
        return promise.futureResult
    }

    private var target: Int { result.failures >= maxFailures ? launched : count }

    private func launch() {
        while inFlight < concurrency && launched < target {
            let index = launched
            launched += 1
            inFlight += 1
            let begin = NIODeadline.now().uptimeNanoseconds
            dialer.open(on: dialer.groupNext(), index: index).hop(to: control).whenComplete { outcome in
                self.inFlight -= 1
                self.finished += 1
                switch outcome {
                case .success(let channel):
                    self.result.channels.append(channel)
                    let micros = (NIODeadline.now().uptimeNanoseconds - begin) / 1000
                    _ = self.result.setup.record(min(max(micros, 1), LoopStats.highestMicroseconds))
                case .failure(let error):
                    self.result.failures += 1
                    if self.result.firstError == nil { self.result.firstError = "\(error)" }
                }
                if self.finished == self.target && self.inFlight == 0 {
                    self.result.elapsedNanoseconds = NIODeadline.now().uptimeNanoseconds - self.started
                    self.promise.succeed(self.result)
                } else {
                    self.launch()
                }
            }
        }
    }
}

extension Dialer {
    fileprivate func groupNext() -> any EventLoop { group.next() }
}
