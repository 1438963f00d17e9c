import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import SocketIOClient
import SocketIOProtocol
import SocketIOServer

/// Runs a real server in this process on 127.0.0.1 and a free port, for tests that drive it with
/// the Swift client.
struct TestServer {
    let io: SocketIOServer
    let port: Int

    static func run(
        engine: EngineIOConfiguration = .init(),
        connectTimeout: Duration = .seconds(5),
        limits: HTTPLimits = .init(),
        configure: (SocketIOServer) -> Void,
        _ body: @Sendable (TestServer, any TestClientProtocol) async throws -> Void
    ) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let group = MultiThreadedEventLoopGroup.singleton
        let io = SocketIOServer(
            configuration: .init(engine: engine, connectTimeout: connectTimeout),
            eventLoopGroup: group,
            logger: logger
        )
        configure(io)
        let app = Application(
            router: Router(),
            server: .engineIO([io.engine], limits: limits),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            eventLoopGroupProvider: .shared(group),
            logger: logger
        )
        try await app.test(.live) { client in
            try await body(TestServer(io: io, port: client.port!), client)
        }
    }

    func connect(namespace: String = "/", auth: JSONValue? = nil, respondsToPings: Bool = true) async throws -> SocketIOClient {
        var configuration = SocketIOClientConfiguration(host: "127.0.0.1", port: port, namespace: namespace, auth: auth)
        configuration.respondsToPings = respondsToPings
        return try await SocketIOClient.connect(configuration)
    }
}

/// Collects values produced on server event loops so a test can await them in order.
/// One test task consumes it; server loops only record.
final class Observed<Value: Sendable>: @unchecked Sendable {
    private let continuation: AsyncStream<Value>.Continuation
    private var iterator: AsyncStream<Value>.AsyncIterator

    init() {
        let (stream, continuation) = AsyncStream<Value>.makeStream()
        self.continuation = continuation
        self.iterator = stream.makeAsyncIterator()
    }

    func record(_ value: Value) {
        continuation.yield(value)
    }

    func next() async -> Value? {
        await iterator.next()
    }
}
