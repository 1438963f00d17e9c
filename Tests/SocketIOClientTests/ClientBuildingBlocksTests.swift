import SocketIOProtocol
import Testing

@testable import SocketIOClient

@Suite struct EventInboxTests {
    func event(_ name: String, _ n: Int64 = 0) -> ReceivedEvent {
        ReceivedEvent(name: name, args: [.int(n)], ack: nil)
    }

    @Test func takingANamedEventLeavesTheOthersInOrder() {
        var inbox = EventInbox(limit: 10)
        for e in [event("a", 1), event("b", 1), event("a", 2), event("c", 1)] { _ = inbox.deliver(e) }
        #expect(inbox.take(named: "c")?.args == [1])
        #expect(inbox.take(named: nil)?.name == "a")
        #expect(inbox.take(named: nil)?.name == "b")
        #expect(inbox.take(named: "a")?.args == [2])
        #expect(inbox.take(named: nil) == nil)
    }

    @Test func aFullBufferDropsTheOldest() {
        var inbox = EventInbox(limit: 2)
        for n in 1...3 { _ = inbox.deliver(event("t", Int64(n))) }
        #expect(inbox.droppedCount == 1)
        #expect(inbox.take(named: "t")?.args == [2])
    }
}

@Suite struct WebSocketEndpointTests {
    func endpoint(_ url: String, path: String = "/socket.io/", query: [(String, String)] = []) throws -> WebSocketEndpoint {
        try WebSocketEndpoint(SocketIOClientConfiguration(url: url, path: path, extraQuery: query))
    }

    @Test func hostPortAndRequestURI() throws {
        let e = try endpoint("http://127.0.0.1:3000", query: [("room", "a b&c=d"), ("x", "é")])
        #expect(e.host == "127.0.0.1" && e.port == 3000 && e.authority == "127.0.0.1:3000")
        #expect(e.requestURI == "/socket.io/?EIO=4&transport=websocket&room=a%20b%26c%3Dd&x=%C3%A9")
    }

    @Test func defaultsAndOtherForms() throws {
        #expect(try endpoint("ws://localhost").port == 80)
        #expect(try endpoint("http://localhost:8080/ignored?x=1").requestURI == "/socket.io/?EIO=4&transport=websocket")
        #expect(try endpoint("http://h:1", path: "custom").requestURI.hasPrefix("/custom?EIO=4"))
        let v6 = try endpoint("http://[::1]:9000")
        #expect(v6.host == "::1" && v6.port == 9000 && v6.authority == "[::1]:9000")
        #expect(try WebSocketEndpoint(SocketIOClientConfiguration(host: "::1", port: 5)).authority == "[::1]:5")
    }

    @Test(arguments: ["https://h:1", "wss://h", "h:1", "http://", "http://h:0", "http://h:x", "http://[::1", "http://u@h:1"])
    func invalidURLsAreRefused(url: String) {
        #expect(throws: SocketIOClientError.invalidURL(url)) { try endpoint(url) }
    }
}
