import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

/// Events that stay busy until the runtime clock has moved a second (`hold`), and one that revokes its own
/// connection (`revoke_me`): what a full queue and a revocation need to be seen.
struct HoldPlugin: Plugin {
    struct Hold: ClientEvent {
        typealias Reply = Held
        static let name = "hold"
        var text: String
    }

    struct RevokeMe: ClientEvent {
        typealias Reply = Held
        static let name = "revoke_me"
        var text: String
    }

    /// Sent when a hold starts waiting.
    struct Holding: ServerEvent {
        static let name = "holding"
        var text: String
    }

    struct Held: ServerEvent {
        static let name = "held"
        var text: String
    }

    static let name = "hold"

    init(options: NoOptions, mode: PluginMode) {}

    func register(with registrar: inout Registrar) {
        // Every hold ends when the clock reaches one second past start, whenever it began.
        let release = registrar.services.clock.now().addingTimeInterval(1)
        registrar.on(Hold.self) { hold, context in
            context.connection.emit(Holding(text: hold.text))
            await withCheckedContinuation { continuation in
                context.services.clock.schedule(at: release) { continuation.resume() }
            }
            return Held(text: hold.text)
        }
        registrar.on(RevokeMe.self) { revoke, context in
            context.connection.revoke(ArenaError("REVOKED", "this connection was revoked", status: .forbidden))
            return Held(text: revoke.text)
        }
    }
}

@Suite struct QueueAndRevocationTests {
    func arena() async throws -> ArenaTestHarness {
        try await ArenaTestHarness.start(pluginsConf: "[echo]\n[hold]\n", catalog: PluginCatalog([EchoPlugin.self, HoldPlugin.self]))
    }

    @Test func fullQueueIsQueueFullNotRateLimited() async throws {
        let arena = try await arena()
        let flooder = try await arena.connect()
        let bystander = try await arena.connect()
        // One hold running (no longer waiting), then exactly as many waiting as the queue takes.
        flooder.send("hold", ["text": "running"])
        #expect(try await flooder.expect("holding")["text"] == "running")
        for i in 0..<64 { flooder.send("hold", ["text": .string("\(i)")]) }
        let refused = try await flooder.emit("hold", ["text": "one more"])
        #expect(refused["ok"] == false)
        #expect(refused["error"]?["code"] == "QUEUE_FULL")
        #expect(refused["error"]?["message"]?.stringValue?.contains("64 events are already waiting") == true)
        let events = flooder.drainEvents()
        let overflows = events.filter { $0.name == "error" && $0.payload["code"] == "QUEUE_FULL" && $0.payload["event"] == "hold" }
        #expect(overflows.count == 1, "only the 65th waiting event overflowed")
        #expect(!events.contains { $0.name == "rate_limit_exceeded" }, "an overflow is not a rate limit")
        // Another connection's queue is its own.
        #expect(try await bystander.emit("echo", ["text": "hi"])["ok"] == true)
    }

    @Test func aClientThatKeepsOverflowingItsQueueIsDisconnected() async throws {
        let arena = try await arena()
        let flooder = try await arena.connect()
        flooder.send("hold", ["text": "running"])
        #expect(try await flooder.expect("holding")["text"] == "running")
        for i in 0..<64 { flooder.send("hold", ["text": .string("\(i)")]) }
        // 50 overflows within 10 seconds, as 50 refusals by its own rate limits: disconnected.
        for i in 0..<50 { flooder.send("echo", ["text": .string("over \(i)")]) }
        var codes: [String] = []
        while codes.last != "RATE_LIMIT_ABUSE" { codes.append(try await flooder.expect("error")["code"]?.stringValue ?? "") }
        #expect(codes.dropLast().allSatisfy { $0 == "QUEUE_FULL" } && codes.count == 51, "\(codes)")
        await #expect(throws: TestConnectionError.self) { _ = try await flooder.expect("never sent") }
        #expect(flooder.isClosed)
    }

    @Test func eventsWaitingBehindARevocationAreRefusedWithItsError() async throws {
        let arena = try await arena()
        let client = try await arena.connect()
        client.send("hold", ["text": "first"])
        client.send("revoke_me", ["text": "now"])
        async let refused = client.emit("echo", ["text": "after"])
        #expect(try await client.expect("holding")["text"] == "first")
        await arena.advanceClock(by: .seconds(1))
        let answer = try await refused
        #expect(answer["error"]?["code"] == "REVOKED")
        #expect(try await client.expect("held")["text"] == "first")
        #expect(try await client.expect("held")["text"] == "now")
        let count = try arena.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM echo_log") }
        #expect(count == 0, "the refused echo never ran")
    }

    @Test(arguments: [
        (#"{"text":"x","n":1e999}"#, "n is a number out of range"),
        (#"{"text":"x","deep":{"list":[1,-1e400]}}"#, "deep.list.1 is a number out of range"),
        ("1e999", "payload is a number out of range"),
    ])
    func numberTooLargeForADoubleIsInvalidPayload(json: String, message: String) async throws {
        let arena = try await arena()
        let client = try await arena.connect()
        let ack = try await client.emit("echo", payloadJSON: json)
        #expect(ack["error"]?["code"] == "INVALID_PAYLOAD")
        #expect(ack["error"]?["message"] == .string(message))
        // A large number that a double holds is still fine where the event ignores it.
        #expect(try await client.emit("echo", payloadJSON: #"{"text":"y","n":1e300}"#)["ok"] == true)
    }
}
