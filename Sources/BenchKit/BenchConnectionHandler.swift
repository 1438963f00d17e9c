import NIOCore

/// One load-generator connection: the WebSocket upgrade written as pre-encoded bytes, then
/// Engine.IO and Socket.IO read straight from the receive buffer. Pings are answered; what a
/// received event means depends on the connection's ``Role``, and receivers and spectators count
/// it in the loop's ``LoopStats`` with one clock reading per socket read and no allocation.
final class BenchConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase { case upgrading, opening, connecting, joining, ready }

    /// What the connection does with the events it receives.
    enum Role: Sendable {
        /// `fanout`: a `battle:turn` carries the sender's `seq` and `ts` as JSON keys.
        case receiver
        /// `battle`: every event is counted by name; a `battle:turn` carries the bench markers
        /// of ``BattleTurnContent`` in its content.
        case spectator
        /// `battle`: an agent; its events go to its player, on this loop.
        case agent(any BattleAgent)
    }

    private var phase = Phase.upgrading
    private var cumulation: ByteBuffer?
    private var needsFlush = false
    private let upgradeRequest: ByteBuffer
    private let connect: ByteBuffer
    private let joins: [ByteBuffer]
    /// Joins written so far, and acknowledged so far.
    private var joinsSent = 0
    private var joinsAcked = 0
    private let role: Role
    /// A spectator's own count of the turns it got.
    private let tally: SpectatorTally?
    private let stats: LoopStats
    private let ready: ReadySignal

    /// Bytes of HTTP response head accepted before giving up on the upgrade.
    static let maxResponseHead = 16 * 1024
    /// Joins outstanding at once on one connection. MoltArena queues at most 64 events per
    /// connection and refuses the rest (RATE_LIMITED), so a spectator of many battles sends its
    /// joins in a window.
    static let joinWindow = 32

    /// - Parameters:
    ///   - connect: the Socket.IO CONNECT frame (``ClientFrame/connect``, or with an auth token).
    ///   - joins: `battle:join` frames, sent after CONNECT, ``joinWindow`` at a time; the
    ///     connection is ready when each has been acknowledged.
    ///   - watchedBattle: a spectator's battle among the run's concurrent battles (its tally
    ///     is measured against that battle's turns).
    init(
        upgradeRequest: ByteBuffer, connect: ByteBuffer = ClientFrame.connect, joins: [ByteBuffer], role: Role = .receiver,
        watchedBattle: Int = 0, stats: LoopStats, ready: ReadySignal
    ) {
        self.upgradeRequest = upgradeRequest
        self.connect = connect
        self.joins = joins
        self.role = role
        if case .spectator = role { tally = SpectatorTally(battle: watchedBattle) } else { tally = nil }
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
            context.write(wrapOutboundOut(connect), promise: nil)
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
            switch role {
            case .receiver:
                if let (seq, ts) = TurnPayload.read(text) {
                    stats.turn(seq: seq, ts: ts, now: now)
                } else if TurnPayload.hasPrefix(text, TurnPayload.errorPrefix) {
                    stats.errorEvents += 1
                }
            case .spectator:
                if let tally { stats.battleEvent(text, now: now, tally: tally) }
            case .agent(let player):
                player.received(text, now: now, channel: context.channel)
            }
        case UInt8(ascii: "0") where phase == .connecting:
            if joins.isEmpty {
                becomeReady()
            } else {
                phase = .joining
                sendJoins(context: context)
            }
        case UInt8(ascii: "3") where phase == .joining:
            // Only the joins have ack ids; a refusal carries an error object.
            if Self.contains(text, #""error""#) || Self.contains(text, #""ok":false"#) {
                fail(context: context, BenchError("battle:join refused: \(String(decoding: text, as: UTF8.self))"))
            } else {
                joinsAcked += 1
                if joinsAcked == joins.count { becomeReady() } else { sendJoins(context: context) }
            }
        case UInt8(ascii: "4"):
            fail(context: context, BenchError("CONNECT refused: \(String(decoding: text, as: UTF8.self))"))
        case UInt8(ascii: "1"):
            context.close(promise: nil)
        default:
            break
        }
    }

    /// Writes joins until ``joinWindow`` are unacknowledged or none is left.
    private func sendJoins(context: ChannelHandlerContext) {
        while joinsSent < joins.count && joinsSent - joinsAcked < Self.joinWindow {
            context.write(wrapOutboundOut(joins[joinsSent]), promise: nil)
            joinsSent += 1
            needsFlush = true
        }
    }

    private func becomeReady() {
        phase = .ready
        if let tally { stats.spectators.append(tally) }
        ready.succeed()
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

/// An agent's side of a battle scenario: the events its connection receives, handed over on the
/// connection's event loop.
protocol BattleAgent: AnyObject, Sendable {
    func received(_ text: UnsafeRawBufferPointer, now: UInt64, channel: any Channel)
}
