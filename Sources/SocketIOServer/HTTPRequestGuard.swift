import NIOCore
import NIOHTTP1

/// Enforces ``HTTPLimits`` on one HTTP/1 connection, around NIO's request decoder.
///
/// Two handlers share it: ``RawSide`` before the decoder sees the bytes (it measures the request
/// target, notices a request's first byte, and drops everything once a request was refused), and
/// ``PartSide`` after it sees decoded parts and the responses going out (the decoder's errors,
/// `Content-Length`, body size, and when a request or its response ends). Header sizes and counts
/// are NIO's decoder's own limits; its `headerOverflow` becomes 431, every other parser error 400.
///
/// A refused request is answered with a complete response written straight to the socket, then
/// the connection's output is shut and what the client still sends is read and dropped until it
/// closes its side or ``HTTPLimits/lingerTimeout`` passes, so the client reads the answer
/// instead of a TCP reset. Everything runs on the channel's event loop.
final class HTTPRequestGuard {
    private enum Phase {
        /// Waiting for a request's head; `started` once its first byte came.
        case awaitingHead(started: Bool)
        case readingBody
        /// The request is in; its response has not ended yet.
        case responding
        case refused
    }

    private enum TargetScan {
        case method
        case target(Int)
        case done
    }

    let limits: HTTPLimits
    private var phase = Phase.awaitingHead(started: false)
    private var scan = TargetScan.method
    private var timer: Scheduled<Void>?
    private var bodyBytes = 0
    private var responseStarted = false
    private var rawContext: ChannelHandlerContext?
    let raw: RawSide
    let parts: PartSide

    init(limits: HTTPLimits) {
        self.limits = limits
        raw = RawSide()
        parts = PartSide()
        raw.owner = self
        parts.owner = self
    }

    /// NIO's decoder limits for these HTTP limits: a request target counts as a header field there
    /// (this guard refuses long ones first, with 414).
    static func decoderLimits(_ limits: HTTPLimits) -> (fieldSize: Int, listSize: Int, fieldCount: Int) {
        let uri = limits.maxURIBytes + 1
        return (max(limits.maxHeaderBytes, uri), limits.maxHeaderBytes + uri, limits.maxHeaderCount)
    }

    /// Adds ``RawSide`` at the front of the pipeline; ``PartSide`` goes right after NIO's decoder
    /// (``addPartSide(to:before:)``) once that is in place.
    func addRawSide(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(raw, position: .first)
    }

    func addPartSide(to pipeline: ChannelPipeline.SynchronousOperations, before handler: any ChannelHandler) throws {
        try pipeline.addHandler(parts, position: .before(handler))
    }

    /// An upgrade was accepted: from now on what passes is no longer HTTP. NIO's decoder, removed
    /// before the upgrade completes, hands what the client sent after the request on as raw
    /// bytes; they pass both sides unexamined until ``remove(from:)``.
    private(set) var upgrading = false

    func upgradeAccepted() {
        upgrading = true
        cancelTimer()
    }

    /// The connection stops being HTTP (a WebSocket upgrade): both handlers leave.
    func remove(from pipeline: ChannelPipeline.SynchronousOperations) {
        cancelTimer()
        phase = .responding
        _ = pipeline.removeHandler(raw)
        _ = pipeline.removeHandler(parts)
    }

    // MARK: Timers

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }

    private func arm(_ timeout: Duration?, _ fired: @escaping () -> Void) {
        cancelTimer()
        guard let timeout, let loop = rawContext?.eventLoop else { return }
        timer = loop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: .init(timeout)) { [weak self] in
            self?.timer = nil
            fired()
        }
    }

    private func armHeadTimer() {
        arm(limits.headTimeout) { [weak self] in
            guard let self, case .awaitingHead(let started) = self.phase else { return }
            // Nothing sent at all: nothing to answer.
            if started { self.refuse(.timeout) } else { self.closeNow() }
        }
    }

    private func armIdleTimer() {
        arm(limits.idleTimeout) { [weak self] in
            guard let self, case .awaitingHead(started: false) = self.phase else { return }
            self.closeNow()
        }
    }

    // MARK: Events from the two sides

    fileprivate func rawAdded(_ context: ChannelHandlerContext) {
        rawContext = context
        if context.channel.isActive { armHeadTimer() }
    }

    fileprivate func rawActive() {
        armHeadTimer()
    }

    fileprivate func rawRemoved() {
        cancelTimer()
        rawContext = nil
    }

    /// Bytes on their way to the decoder; false drops them.
    fileprivate func bytesArrived(_ buffer: ByteBuffer) -> Bool {
        switch phase {
        case .refused:
            return false
        case .awaitingHead(started: false):
            phase = .awaitingHead(started: true)
            // A keep-alive connection's next request: from its first byte, the head's deadline.
            if responseCount > 0 { armHeadTimer() }
        default:
            break
        }
        if case .awaitingHead = phase, !scanTarget(buffer) {
            refuse(.uriTooLong)
            return false
        }
        return true
    }

    /// Measures the request target (between the first and second space of the request line);
    /// false once it is longer than the limit.
    private func scanTarget(_ buffer: ByteBuffer) -> Bool {
        for byte in buffer.readableBytesView {
            switch scan {
            case .method:
                if byte == UInt8(ascii: " ") { scan = .target(0) }
                if byte == UInt8(ascii: "\n") { scan = .done }
            case .target(let count):
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") {
                    scan = .done
                } else if count + 1 > limits.maxURIBytes {
                    return false
                } else {
                    scan = .target(count + 1)
                }
            case .done:
                return true
            }
        }
        return true
    }

    private var responseCount = 0

    fileprivate func received(_ part: HTTPServerRequestPart) -> Bool {
        if case .refused = phase { return false }
        switch part {
        case .head(let head):
            let lengths = head.headers[canonicalForm: "content-length"]
            if !head.headers[canonicalForm: "transfer-encoding"].isEmpty, !lengths.isEmpty {
                refuse(.malformed)
                return false
            }
            if let declared = lengths.first.flatMap({ Int($0) }), declared > limits.maxBodyBytes {
                refuse(.bodyTooLarge)
                return false
            }
            bodyBytes = 0
            phase = .readingBody
            arm(limits.bodyTimeout) { [weak self] in
                guard let self, case .readingBody = self.phase else { return }
                self.refuse(.timeout)
            }
        case .body(let bytes):
            bodyBytes += bytes.readableBytes
            if bodyBytes > limits.maxBodyBytes {
                refuse(.bodyTooLarge)
                return false
            }
        case .end:
            cancelTimer()
            phase = .responding
        }
        return true
    }

    fileprivate func sending(_ part: HTTPServerResponsePart) {
        switch part {
        case .head(let head):
            // 101 hands the connection over; other 1xx come before the real answer.
            if head.status.code >= 200 { responseStarted = true }
        case .body:
            break
        case .end:
            guard responseStarted else { return }
            responseStarted = false
            responseCount += 1
            if case .responding = phase {
                phase = .awaitingHead(started: false)
                scan = .method
                armIdleTimer()
            }
        }
    }

    fileprivate func parserFailed(_ error: HTTPParserError) {
        refuse(error == .headerOverflow ? .headersTooLarge : .malformed)
    }

    // MARK: Refusing

    /// Answers `rejection` (unless a response is already under way), shuts the output, and
    /// closes once the client has closed its side or the linger time is over.
    func refuse(_ rejection: HTTPRejection) {
        if case .refused = phase { return }
        phase = .refused
        cancelTimer()
        guard let context = rawContext else { return }
        if !responseStarted {
            context.write(NIOAny(Self.answer(rejection, allocator: context.channel.allocator)), promise: nil)
        }
        context.flush()
        let channel = context.channel
        channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
        arm(limits.lingerTimeout) { [weak self] in self?.closeNow() }
    }

    fileprivate func inputClosed() {
        closeNow()
    }

    private func closeNow() {
        cancelTimer()
        phase = .refused
        rawContext?.close(promise: nil)
    }

    static func answer(_ rejection: HTTPRejection, allocator: ByteBufferAllocator) -> ByteBuffer {
        let body = #"{"error":{"code":"\#(rejection.code)","message":"\#(rejection.message)"}}"#
        let (code, reason) = rejection.status
        var buffer = allocator.buffer(capacity: 160 + body.utf8.count)
        buffer.writeString(
            "HTTP/1.1 \(code) \(reason)\r\nConnection: close\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        )
        return buffer
    }

    // MARK: The handlers

    /// Before NIO's decoder: raw bytes.
    final class RawSide: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        fileprivate weak var owner: HTTPRequestGuard?
        /// Keeps the guard alive while the handler is in the pipeline.
        private var retained: HTTPRequestGuard?

        func handlerAdded(context: ChannelHandlerContext) {
            retained = owner
            owner?.rawAdded(context)
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            owner?.rawRemoved()
            retained = nil
        }

        func channelActive(context: ChannelHandlerContext) {
            owner?.rawActive()
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if owner?.upgrading == true { return context.fireChannelRead(data) }
            guard let owner, owner.bytesArrived(unwrapInboundIn(data)) else { return }
            context.fireChannelRead(data)
        }

        func channelInactive(context: ChannelHandlerContext) {
            owner?.rawRemoved()
            context.fireChannelInactive()
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .inputClosed = event as? ChannelEvent, let owner, case .refused = owner.phase {
                owner.inputClosed()
                return
            }
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// After NIO's decoder: request parts in, response parts out.
    final class PartSide: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias InboundOut = HTTPServerRequestPart
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart
        fileprivate weak var owner: HTTPRequestGuard?

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if owner?.upgrading == true { return context.fireChannelRead(data) }  // raw bytes now
            guard let owner, owner.received(unwrapInboundIn(data)) else { return }
            context.fireChannelRead(data)
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if owner?.upgrading == false { owner?.sending(unwrapOutboundIn(data)) }
            context.write(data, promise: promise)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if let error = error as? HTTPParserError, let owner {
                owner.parserFailed(error)
                return
            }
            if let owner, case .refused = owner.phase { return }  // what the decoder says about dropped input
            context.fireErrorCaught(error)
        }
    }
}
