import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

@Suite struct DispatchTests {
    func arena(_ conf: String = "[echo]\nprefix = \"> \"\n[listener]\n") async throws -> ArenaTestHarness {
        try await ArenaTestHarness.start(pluginsConf: conf, catalog: testCatalog)
    }

    @Test func typedEventGetsItsAckAndReplyEvent() async throws {
        let arena = try await arena()
        let client = try await arena.connect()
        let ack = try await client.emit("echo", ["text": "hi"])
        #expect(ack == .object(["ok": true, "by": "spectator", "text": "> hi"]))
        #expect(try await client.expect("echoed") == .object(["by": "spectator", "text": "> hi"]))
        let stored = try arena.database.read { db in try String.fetchAll(db, sql: "SELECT text FROM echo_log") }
        #expect(stored == ["hi"])
    }

    @Test func busEventReachesTheOtherPluginAndItsRoom() async throws {
        let arena = try await arena()
        let speaker = try await arena.connect()
        let listener = try await arena.connect()
        _ = try await speaker.emit("echo", ["text": "news"])
        #expect(try await listener.expect("heard") == .object(["text": "news"]))
    }

    @Test(arguments: [
        (JSONValue.object(["txt": "x"]), "missing field text"),
        (.object(["text": 5]), "text must be a string"),
        (.string("hello"), "payload"),
        (.null, "payload"),
    ])
    func undecodablePayloadIsInvalidPayloadBeforeTheHandler(payload: JSONValue, mentions: String) async throws {
        let arena = try await arena()
        let client = try await arena.connect()
        let ack = try await client.emit("echo", payload)
        #expect(ack["ok"] == false)
        #expect(ack["error"]?["code"] == "INVALID_PAYLOAD")
        #expect(ack["error"]?["message"]?.stringValue?.contains(mentions) == true)
        let error = try await client.expect("error")
        #expect(error["code"] == "INVALID_PAYLOAD")
        #expect(error["event"] == "echo")
        let count = try arena.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM echo_log") }
        #expect(count == 0)
    }

    @Test func handlerErrorBecomesAckAndErrorEvent() async throws {
        let arena = try await arena("[echo]\nmax_length = 3\n")
        let client = try await arena.connect()
        let ack = try await client.emit("echo", ["text": "too long"])
        #expect(ack == .object(["ok": false, "error": .object(["code": "TEXT_TOO_LONG", "message": "text is longer than 3 characters"])]))
        #expect(
            try await client.expect("error") == .object(["code": "TEXT_TOO_LONG", "message": "text is longer than 3 characters", "event": "echo"]))
    }

    @Test func eventNoPluginHandlesIsUnknownEvent() async throws {
        let arena = try await arena()
        let client = try await arena.connect()
        let ack = try await client.emit("teleport", ["to": "mars"])
        #expect(ack["error"]?["code"] == "UNKNOWN_EVENT")
        #expect(try await client.expect("error")["event"] == "teleport")
    }

    @Test func disablingAPluginMakesItsEventsUnknown() async throws {
        let arena = try await arena("[echo]\nenabled = false\n")
        let client = try await arena.connect()
        let ack = try await client.emit("echo", ["text": "hi"])
        #expect(ack["error"]?["code"] == "UNKNOWN_EVENT")
    }

    @Test func rateLimitAnswersRateLimitedWithRetryAfterAndRefillsWithTheClock() async throws {
        let arena = try await arena()
        let client = try await arena.connect()
        for i in 0..<3 {
            #expect(try await client.emit("echo", ["text": .string("\(i)")])["ok"] == true)
        }
        let limited = try await client.emit("echo", ["text": "again"])
        #expect(limited["error"]?["code"] == "RATE_LIMITED")
        let exceeded = try await client.expect("rate_limit_exceeded")
        #expect(exceeded["event"] == "echo")
        let retryAfter = try #require(exceeded["retryAfterMs"]?.intValue)
        #expect(retryAfter > 0 && retryAfter <= 10_000)
        await arena.advanceClock(by: .milliseconds(Int(retryAfter)))
        #expect(try await client.emit("echo", ["text": "later"])["ok"] == true)
    }

    @Test func placeholderModeValidatesAndRateLimitsButSkipsTheRules() async throws {
        let arena = try await arena("[echo]\nmode = \"placeholder\"\nmax_length = 3\n")
        let client = try await arena.connect()
        #expect(try await client.emit("echo", ["text": "ok"])["by"] == "placeholder")
        #expect(try await client.emit("echo", ["nope": 1])["error"]?["code"] == "INVALID_PAYLOAD")
        let count = try arena.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM echo_log") }
        #expect(count == 0)
    }

    @Test func eventsOfOneConnectionAreHandledInArrivalOrder() async throws {
        let arena = try await arena()
        let client = try await arena.connect()
        client.send("echo", ["text": "a"])
        client.send("echo", ["text": "b"])
        client.send("echo", ["text": "c"])
        var texts: [String] = []
        for _ in 0..<3 { texts.append(try await client.expect("echoed")["text"]?.stringValue ?? "") }
        #expect(texts == ["> a", "> b", "> c"])
    }

    @Test func anEventLoopHandlerRunsOnTheConnectionsLoop() async throws {
        let arena = try await arena()
        let client = try await arena.connect()
        let ack = try await client.emit("shout", ["text": "hi"])
        #expect(ack == .object(["ok": true, "by": "loop", "text": "HI"]))
    }

    @Test func eventsOnTheLoopAndOnThePoolKeepArrivalOrder() async throws {
        let arena = try await arena()
        let client = try await arena.connect()
        // The pool handler awaits a database write; the loop handler answers at once. Each waits
        // for the one before it all the same.
        for (event, text) in [("echo", "a"), ("shout", "b"), ("echo", "c"), ("shout", "d"), ("shout", "e"), ("echo", "f")] {
            client.send(event, ["text": .string(text)])
        }
        var replies: [String] = []
        for _ in 0..<6 {
            let echoed = try await client.expect("echoed")
            replies.append("\(echoed["text"]?.stringValue ?? "") by \(echoed["by"]?.stringValue ?? "")")
        }
        #expect(replies == ["> a by spectator", "B by loop", "> c by spectator", "D by loop", "E by loop", "> f by spectator"])
    }

    @Test func healthAndMetricsAreServed() async throws {
        let arena = try await arena()
        let client = try await arena.connect()
        _ = try await client.emit("echo", ["text": "x"])
        try await arena.withHTTP { http in
            let health = try await http.execute(uri: "/health", method: .get, headers: [:], body: nil)
            #expect(health.status == .ok)
            #expect(String(buffer: health.body) == #"{"database":"ok","status":"ok"}"#)
            let metrics = try await http.execute(uri: "/metrics", method: .get, headers: [:], body: nil)
            #expect(metrics.headers[.contentType] == "text/plain; version=0.0.4")
            let text = String(buffer: metrics.body)
            #expect(text.contains(#"moltarena_events_total{event="echo",outcome="ok"} 1"#))
            #expect(text.contains(#"moltarena_connections{role="spectator"} 1"#))
        }
    }
}

import NIOCore
