import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import SocketIOProtocol
import Synchronization

/// A real HTTP server in this process on 127.0.0.1 and a free port, standing in for a provider's
/// API so the clients are tested over real sockets without the network.
enum FakeHTTPServer {
    /// Starts a server with the routes `configure` adds, runs `body` with its base URL, then opens
    /// the gate (so handlers parked on it answer) and stops the server.
    @discardableResult
    static func run<Value: Sendable>(
        configure: (Router<BasicRequestContext>, Gate) -> Void,
        _ body: @Sendable (_ baseURL: String) async throws -> Value
    ) async throws -> Value {
        var logger = Logger(label: "fake-provider")
        logger.logLevel = .warning
        let gate = Gate()
        let router = Router()
        configure(router, gate)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
            logger: logger
        )
        return try await app.test(.live) { client in
            defer { gate.open() }
            return try await body("http://127.0.0.1:\(client.port!)")
        }
    }

    /// An Anthropic Messages API that never answers while `body` runs (a hanging AI service),
    /// with its key set in the environment variable the test's plugins.conf names.
    @discardableResult
    static func hangingMessagesAPI<Value: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> Value) async throws -> Value {
        setenv("MOLTARENA_TEST_ANTHROPIC_KEY", "test-key", 1)
        return try await run(
            configure: { router, gate in
                router.post("/v1/messages") { _, _ -> Response in
                    await gate.wait()
                    return json(500, "{}")
                }
            }, body)
    }

    static func json(_ status: Int, _ text: String) -> Response {
        Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}

/// Handlers that must never answer (a provider that hangs) wait here; the server opens it when the
/// test is over so that it can shut down.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if isOpen { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// What a fake server received, for the test to check after the call.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    var query: String
    var headers: HTTPFields
    var body: JSONValue?

    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }

    static func from(_ request: Request) async throws -> RecordedRequest {
        let bytes = try await request.body.collect(upTo: 1 << 20)
        return RecordedRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            query: request.uri.query ?? "",
            headers: request.headers,
            body: try? JSONParser.parse(bytes.readableBytesView)
        )
    }
}

final class Recorder: Sendable {
    private let requests = Mutex<[RecordedRequest]>([])

    func record(_ request: RecordedRequest) {
        requests.withLock { $0.append(request) }
    }

    var all: [RecordedRequest] { requests.withLock { $0 } }
}

/// One `HTTPClient` for the test, shut down afterwards whatever happens.
func withHTTPClient<T: Sendable>(_ body: (HTTPClient) async throws -> T) async throws -> T {
    let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// Measures how long `body` takes, for asserting that a timeout really bounded a wait.
func elapsed(_ body: () async throws -> Void) async rethrows -> Duration {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    return clock.now - start
}

/// How to tell that the timeout under test (a few hundred milliseconds) ended a wait: the wait
/// ended well before any other end it could have had (a client's own 30 s timeout, or never).
/// Not a measure of speed: the margin is wide enough for a machine under any load.
enum Bounds {
    static let farBelowAnyOtherEnd: Duration = .seconds(20)
}
