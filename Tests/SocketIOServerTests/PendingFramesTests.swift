import NIOCore
import Testing

@testable import SocketIOServer

@Suite struct PendingFramesTests {
    /// Queues the frames and returns the buffers in the order they reached the channel.
    static func written(_ frames: [ByteBuffer]) -> [ByteBuffer] {
        var pending = PendingFrames()
        var out: [ByteBuffer] = []
        for frame in frames { pending.append(frame) { out.append($0) } }
        pending.drain { out.append($0) }
        #expect(pending.isEmpty)
        return out
    }

    static func frame(_ byte: UInt8, _ count: Int) -> ByteBuffer { ByteBuffer(bytes: [UInt8](repeating: byte, count: count)) }

    @Test func aLoneFrameIsHandedOnAsItIs() {
        let frame = Self.frame(1, 210)
        let out = Self.written([frame])
        #expect(out == [frame])
    }

    @Test func framesOfOneTickLeaveInChunksOfAtMostAPageInOrder() {
        let frames = (0..<50).map { Self.frame(UInt8($0), 210) }
        let out = Self.written(frames)
        #expect(out.count == 3)  // 19 + 19 + 12 frames
        #expect(out.allSatisfy { $0.readableBytes <= PendingFrames.chunkSize })
        var joined = ByteBuffer()
        for buffer in out { joined.writeImmutableBuffer(buffer) }
        var expected = ByteBuffer()
        for frame in frames { expected.writeImmutableBuffer(frame) }
        #expect(joined == expected)
    }

    @Test func aFrameLargerThanAChunkGoesAlone() {
        let small = Self.frame(1, 100)
        let large = Self.frame(2, 10_000)
        #expect(Self.written([small, large, small]) == [small, large, small])
    }
}
