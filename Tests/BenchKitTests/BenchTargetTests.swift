@testable import BenchKit
import Testing

@Suite struct BenchTargetTests {
    @Test func defaultsToTheSocketIOPath() throws {
        let target = try BenchTarget(url: "http://127.0.0.1:3000")
        #expect(target.host == "127.0.0.1" && target.port == 3000 && target.path == "/socket.io/")
        #expect(
            String(decoding: target.upgradeRequest, as: UTF8.self).hasPrefix(
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n"))
    }

    @Test func keepsAnExplicitPath() throws {
        #expect(try BenchTarget(url: "ws://localhost:8080/engine").path == "/engine/")
    }

    @Test(arguments: ["https://x:1", "http://:80", "http://host:0", "http://host:x", "127.0.0.1:3000"])
    func refusesWhatItCannotReach(url: String) {
        #expect(throws: BenchTarget.InvalidURL.self) { try BenchTarget(url: url) }
    }
}
