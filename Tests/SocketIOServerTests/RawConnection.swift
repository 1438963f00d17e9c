import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A plain TCP client for the tests that send what no HTTP client would: it writes bytes, then
/// collects everything the server sends until the server closes the connection, and reports
/// whether that close was clean (EOF) or a reset.
struct RawConnection: Sendable {
    /// What came back before the connection ended, and the error that ended it (nil: a clean EOF).
    struct Outcome: Sendable {
        var bytes: [UInt8]
        var error: (any Error)?

        var text: String { String(decoding: bytes, as: UTF8.self) }
        /// The status code of the first response, if one came.
        var status: Int? {
            guard text.hasPrefix("HTTP/1.1 "), text.count >= 12 else { return nil }
            return Int(text.dropFirst(9).prefix(3))
        }
    }

    let channel: any Channel
    private let ended: EventLoopFuture<Outcome>

    static func open(port: Int) async throws -> RawConnection {
        let promise = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Outcome.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(promise)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, ended: promise.futureResult)
    }

    /// Sends `bytes` (the server may close before all are taken: that is not an error here).
    func send(_ bytes: [UInt8]) async {
        try? await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    func send(_ text: String) async { await send(Array(text.utf8)) }

    /// Waits until the server ends the connection; throws if it has not within `limit` (the
    /// test's safety net: the server is expected to close by itself).
    func waitForClose(within limit: Duration = .seconds(10)) async throws -> Outcome {
        let timedOut = NIOLockedValueBox(false)
        let timer = channel.eventLoop.scheduleTask(in: .init(limit)) {
            timedOut.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        let outcome = try await ended.get()
        timer.cancel()
        if timedOut.withLockedValue({ $0 }) { throw StillOpen() }
        return outcome
    }

    func close() async { try? await channel.close() }

    struct StillOpen: Error {}

    private final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private let promise: EventLoopPromise<Outcome>
        private var bytes: [UInt8] = []
        private var error: (any Error)?

        init(_ promise: EventLoopPromise<Outcome>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            bytes += Array(unwrapInboundIn(data).readableBytesView)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            self.error = self.error ?? error
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.succeed(Outcome(bytes: bytes, error: error))
        }
    }
}
