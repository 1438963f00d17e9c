import NIOCore

/// One load-generator connection: the WebSocket upgrade written as pre-encoded bytes, then
/// Engine.IO and Socket.IO read straight from the receive buffer. Pings are answered; a
/// broadcast's `seq` and `ts` are read in place and counted in the loop's ``LoopStats`` with one
/// clock reading per socket read. Nothing is allocated per message.
final class BenchConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase { case upgrading, opening, connecting, joining, ready }

    private var phase = Phase.upgrading
    private var cumulation: ByteBuffer?
    private var needsFlush = false
    private let upgradeRequest: ByteBuffer
    private let join: ByteBuffer?
    private let stats: LoopStats
    private let ready: ReadySignal

    /// Bytes of HTTP response head accepted before giving up on the upgrade.
    static let maxResponseHead = 16 * 1024

    init(upgradeRequest: ByteBuffer, join: ByteBuffer?, stats: LoopStats, ready: ReadySignal) {
        self.upgradeRequest = upgradeRequest
        self.join = join
        self.stats = stats
        self.ready = ready
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(upgradeRequest), promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if ready.isDone, phase == .ready, !stats.closing { stats.unexpectedCloses += 1 }
        ready.fail(BenchError("connection closed during \(phase)"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, BenchError("\(error)"))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if var pending = cumulation {
            cumulation = nil
            pending.writeBuffer(&buffer)
            buffer = pending
        }
        let now = NIODeadline.now().uptimeNanoseconds
        let consumed = buffer.withUnsafeReadableBytes { bytes in process(bytes, now: now, context: context) }
        buffer.moveReaderIndex(forwardBy: consumed)
        if buffer.readableBytes > 0 { cumulation = buffer }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// Handles every complete unit in `bytes`; returns how many bytes were used.
    private func process(_ bytes: UnsafeRawBufferPointer, now: UInt64, context: ChannelHandlerContext) -> Int {
        var offset = 0
        if phase == .upgrading {
            guard let headEnd = Self.endOfHead(bytes) else {
                if bytes.count > Self.maxResponseHead { fail(context: context, BenchError("no HTTP response head")) }
                return 0
            }
            guard Self.startsWith(bytes, "HTTP/1.1 101") else {
                let line = String(decoding: bytes[..<(Self.firstLineEnd(bytes) ?? headEnd)], as: UTF8.self)
                fail(context: context, BenchError("WebSocket upgrade refused: \(line)"))
                return bytes.count
            }
            phase = .opening
            offset = headEnd
        }
        while offset < bytes.count {
            let frame: ServerFrame
            do {
                guard let parsed = try ServerFrame.parse(bytes, at: offset) else { break }
                frame = parsed
            } catch {
                fail(context: context, BenchError("bad WebSocket frame: \(error)"))
                return bytes.count
            }
            offset = frame.end
            guard frame.fin, frame.opcode != 0 else {
                fail(context: context, BenchError("fragmented WebSocket messages are not supported"))
                return bytes.count
            }
            switch frame.opcode {
            case 0x1:
                engineIO(UnsafeRawBufferPointer(rebasing: bytes[frame.payload]), now: now, context: context)
            case 0x8:
                context.close(promise: nil)
                return bytes.count
            case 0x9:
                var pong = context.channel.allocator.buffer(capacity: frame.payload.count + 14)
                ClientFrame.writeText(UnsafeRawBufferPointer(rebasing: bytes[frame.payload]), into: &pong, opcode: 0xA)
                context.write(wrapOutboundOut(pong), promise: nil)
                needsFlush = true
            default:
                break
            }
        }
        return offset
    }

    private func engineIO(_ text: UnsafeRawBufferPointer, now: UInt64, context: ChannelHandlerContext) {
        guard let type = text.first else { return }
        switch type {
        case UInt8(ascii: "4"):
            socketIO(text, now: now, context: context)
        case UInt8(ascii: "2"):
            context.write(wrapOutboundOut(ClientFrame.engineIOPong), promise: nil)
            needsFlush = true
        case UInt8(ascii: "0") where phase == .opening:
            phase = .connecting
            context.write(wrapOutboundOut(ClientFrame.connect), promise: nil)
            needsFlush = true
        case UInt8(ascii: "1"):
            context.close(promise: nil)
        default:
            break
        }
    }

    private func socketIO(_ text: UnsafeRawBufferPointer, now: UInt64, context: ChannelHandlerContext) {
        guard text.count >= 2 else { return }
        switch text[1] {
        case UInt8(ascii: "2"):
            if let (seq, ts) = TurnPayload.read(text) {
                stats.turn(seq: seq, ts: ts, now: now)
            } else if TurnPayload.hasPrefix(text, TurnPayload.errorPrefix) {
                stats.errorEvents += 1
            }
        case UInt8(ascii: "0") where phase == .connecting:
            if let join {
                phase = .joining
                context.write(wrapOutboundOut(join), promise: nil)
                needsFlush = true
            } else {
                phase = .ready
                ready.succeed()
            }
        case UInt8(ascii: "3") where phase == .joining:
            // The first ack is the join's (ack id 0); a refusal carries an error object.
            if Self.contains(text, #""error""#) || Self.contains(text, #""ok":false"#) {
                fail(context: context, BenchError("battle:join refused: \(String(decoding: text, as: UTF8.self))"))
            } else {
                phase = .ready
                ready.succeed()
            }
        case UInt8(ascii: "4"):
            fail(context: context, BenchError("CONNECT refused: \(String(decoding: text, as: UTF8.self))"))
        case UInt8(ascii: "1"):
            context.close(promise: nil)
        default:
            break
        }
    }

    private func fail(context: ChannelHandlerContext, _ error: BenchError) {
        ready.fail(error)
        context.close(promise: nil)
    }

    // MARK: Bytes

    static func endOfHead(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4)
        where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    static func firstLineEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        bytes.firstIndex(of: 13)
    }

    static func startsWith(_ bytes: UnsafeRawBufferPointer, _ prefix: String) -> Bool {
        TurnPayload.hasPrefix(bytes, Array(prefix.utf8))
    }

    static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: String) -> Bool {
        let needle = Array(needle.utf8)
        guard bytes.count >= needle.count else { return false }
        for i in 0...(bytes.count - needle.count) {
            var j = 0
            while j < needle.count && bytes[i + j] == needle[j] { j += 1 }
            if j == needle.count { return true }
        }
        return false
    }
}
