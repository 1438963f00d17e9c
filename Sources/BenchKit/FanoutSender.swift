import NIOCore

/// The one connection that emits `battle:turn` (and is not in the room). Closed loop: keeps
/// `window` broadcasts outstanding, sending the next as soon as one has reached every receiver.
/// Open loop: sends at a fixed rate whatever happens to earlier ones. Used only on its loop.
final class FanoutSender: @unchecked Sendable {
    enum Mode: Sendable {
        case closed(window: Int)
        case open(rate: Double)
    }

    let channel: any Channel
    private let loop: any EventLoop
    private let mode: Mode
    private let payload: TurnPayload
    private let completions: CompletionRing?
    private let receivers: Int
    private var scratch: [UInt8] = []
    private var nextSeq: UInt64 = 0
    private var flushScheduled = false
    private var stopped = true
    private var startedAt: UInt64 = 0
    private var timer: Scheduled<Void>?
    private var windowStart: UInt64 = .max
    private var windowEnd: UInt64 = .max

    private(set) var sent: UInt64 = 0
    private(set) var sentInWindow: UInt64 = 0
    private(set) var completed: UInt64 = 0
    private(set) var completedInWindow: UInt64 = 0
    /// Closed loop: broadcasts whose slot was reused before every receiver had them.
    private(set) var overtaken: UInt64 = 0

    init(channel: any Channel, mode: Mode, payload: TurnPayload, completions: CompletionRing?, receivers: Int) {
        self.channel = channel
        self.loop = channel.eventLoop
        self.mode = mode
        self.payload = payload
        self.completions = completions
        self.receivers = receivers
        scratch.reserveCapacity(payload.targetBytes + 64)
    }

    var outstanding: UInt64 { sent - completed }

    func start(windowStart: UInt64, windowEnd: UInt64) {
        loop.preconditionInEventLoop()
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        stopped = false
        startedAt = NIODeadline.now().uptimeNanoseconds
        switch mode {
        case .closed(let window):
            for _ in 0..<window { send() }
            flushSoon()
        case .open:
            scheduleNext()
        }
    }

    func stop() {
        loop.preconditionInEventLoop()
        stopped = true
        timer?.cancel()
        timer = nil
    }

    /// A receiver completed broadcast `seq` (closed loop).
    func broadcastCompleted(_ seq: UInt64) {
        completed += 1
        let now = NIODeadline.now().uptimeNanoseconds
        if now >= windowStart && now < windowEnd { completedInWindow += 1 }
        guard !stopped, case .closed = mode else { return }
        send()
        flushSoon()
    }

    private func send() {
        let seq = nextSeq
        nextSeq += 1
        let ts = NIODeadline.now().uptimeNanoseconds
        if let completions, !completions.arm(seq: seq, receivers: receivers) { overtaken += 1 }
        payload.writeMessage(seq: seq, ts: ts, into: &scratch)
        var frame = channel.allocator.buffer(capacity: scratch.count + 14)
        scratch.withUnsafeBytes { ClientFrame.writeText($0, into: &frame) }
        channel.write(frame, promise: nil)
        sent += 1
        if ts >= windowStart && ts < windowEnd { sentInWindow += 1 }
    }

    /// One flush for everything written in this turn of the event loop.
    private func flushSoon() {
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.execute {
            self.flushScheduled = false
            self.channel.flush()
        }
    }

    // MARK: Open loop

    private func due(_ index: UInt64, rate: Double) -> UInt64 {
        startedAt + UInt64(Double(index) * 1e9 / rate)
    }

    private func scheduleNext() {
        guard !stopped, case .open(let rate) = mode else { return }
        timer = loop.scheduleTask(deadline: .uptimeNanoseconds(due(sent, rate: rate))) { self.tick() }
    }

    private func tick() {
        guard !stopped, case .open(let rate) = mode else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        var burst = 0
        while due(sent, rate: rate) <= now && burst < 10_000 {
            send()
            burst += 1
        }
        channel.flush()
        scheduleNext()
    }
}
