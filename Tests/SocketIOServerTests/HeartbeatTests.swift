import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import SocketIOProtocol
import Testing

@testable import SocketIOServer

/// The heartbeat on the loop's wheel, on a loop whose clock the test moves: a ping every
/// interval after the last pong, a close when a pong does not come within the timeout.
@Suite struct HeartbeatTests {
    final class Recorder: EngineIOSessionDelegate, @unchecked Sendable {
        let pings = NIOLockedValueBox(0)
        let closes = NIOLockedValueBox<[EngineIOCloseReason]>([])
        func engineSession(_ session: EngineIOSession, didReceive packet: EngineIOPacket) {}
        func engineSessionDidClose(_ session: EngineIOSession, reason: EngineIOCloseReason) {
            closes.withLockedValue { $0.append(reason) }
        }
    }

    struct Fixture {
        let loop = EmbeddedEventLoop()
        let recorder = Recorder()
        let server: EngineIOServer

        init() {
            let recorder = self.recorder
            server = EngineIOServer(
                configuration: EngineIOConfiguration(pingInterval: .seconds(10), pingTimeout: .seconds(5)), eventLoopGroup: loop,
                logger: Logger(label: "test"), onOpen: { _ in recorder })
        }

        func open() throws -> EngineIOSession {
            let recorder = self.recorder
            let transport = InProcessTransport(
                deliver: { frames in
                    for frame in frames where frame.packet.type == .ping { recorder.pings.withLockedValue { $0 += 1 } }
                },
                onClose: { _ in })
            let session = server.openInProcessSession(handshake: EngineIOHandshake(), eventLoop: loop, transport: transport)
            loop.run()
            return try session.wait()
        }

        var pings: Int { recorder.pings.withLockedValue { $0 } }
        var closes: [EngineIOCloseReason] { recorder.closes.withLockedValue { $0 } }

        func advance(seconds: Int64) { loop.advanceTime(by: .seconds(seconds)) }
    }

    @Test func pingsEveryIntervalAfterThePong() throws {
        let f = Fixture()
        let session = try f.open()
        f.advance(seconds: 9)
        #expect(f.pings == 0)
        f.advance(seconds: 1)
        #expect(f.pings == 1)
        f.advance(seconds: 3)
        session.receiveInProcess(EngineIOPacket(.pong))
        f.loop.run()
        // The timeout that was due 2 s later no longer counts; the next ping is 10 s after the pong.
        f.advance(seconds: 9)
        #expect(f.pings == 1)
        #expect(f.closes.isEmpty)
        f.advance(seconds: 1)
        #expect(f.pings == 2)
    }

    @Test func aMissingPongClosesTheSession() throws {
        let f = Fixture()
        _ = try f.open()
        f.advance(seconds: 10)
        #expect(f.pings == 1)
        f.advance(seconds: 4)
        #expect(f.closes.isEmpty)
        f.advance(seconds: 1)
        #expect(f.closes == [.pingTimeout])
    }

    @Test func anUnsolicitedPongChangesNothing() throws {
        let f = Fixture()
        let session = try f.open()
        f.advance(seconds: 5)
        for _ in 0..<100 { session.receiveInProcess(EngineIOPacket(.pong)) }
        f.loop.run()
        f.advance(seconds: 5)
        #expect(f.pings == 1)
    }

    @Test func sessionsOnOneLoopKeepTheirOwnDeadlines() throws {
        let f = Fixture()
        let first = try f.open()
        f.advance(seconds: 4)
        _ = try f.open()
        f.advance(seconds: 6)
        #expect(f.pings == 1)  // the first
        first.receiveInProcess(EngineIOPacket(.pong))
        f.loop.run()
        f.advance(seconds: 4)
        #expect(f.pings == 2)  // the second, 10 s after it opened
        f.advance(seconds: 5)
        // The second did not answer; the first did and is waiting for its next ping.
        #expect(f.closes == [.pingTimeout])
        #expect(!first.isClosed)
    }
}
